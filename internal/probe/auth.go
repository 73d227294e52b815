package probe

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/mcpbridge/mcpbridge/oauthflow"
)

// authorize follows a 401: the challenge, the metadata that leads to the
// authorization server (MCP authorization §Authorization Server
// Discovery), what is stored and, when needed, the sign-in. It reports
// whether requests can now carry a token.
func (p *prober) authorize(ctx context.Context) bool {
	ch := p.challengeStep()
	prm := p.resourceStep(ctx, ch)
	p.authServerStep(ctx, prm)
	if p.signIn == nil { // the user's own Authorization header
		return p.run.run("credentials", "", true, func(st *Step) error {
			st.set("source", "your Authorization header")
			return withHint(errors.New("the server refused your Authorization header (HTTP 401)"),
				"check the header's value (and the ${VAR} it reads); or drop the header so mcpbridge signs in with OAuth")
		}).OK
	}
	have, ok := p.credentialsStep(ctx)
	if !ok {
		return false
	}
	if !have && !p.signInStep(ctx) {
		return false
	}
	p.authorized = true
	return true
}

func (p *prober) challengeStep() oauthflow.Challenge {
	var ch oauthflow.Challenge
	p.run.run("www-authenticate", "", false, func(st *Step) error {
		if len(p.challenges) == 0 {
			st.set("challenge", "none: the metadata is looked for at the well-known URIs")
			return nil
		}
		all := oauthflow.ParseWWWAuthenticate(p.challenges)
		var schemes []string
		for _, c := range all {
			schemes = append(schemes, c.Scheme)
		}
		st.set("schemes", schemes)
		bearer, ok := oauthflow.Bearer(all)
		if !ok {
			return withHint(errors.New("the 401 carries no Bearer challenge"), "the server may want another kind of credentials: ask its administrator, or pass them with --header")
		}
		ch = bearer
		st.set("resource_metadata", orText(ch.ResourceMetadata, "not given"))
		st.set("scope", ch.Scope)
		if ch.Error != "" {
			st.set("error", ch.Error+" "+ch.ErrorDescription)
		}
		return nil
	})
	return ch
}

func orText(s, none string) string {
	if s == "" {
		return none
	}
	return s
}

// resourceStep finds the protected resource metadata (RFC 9728); nil when
// there is none and the 2025-03-26 rules apply.
func (p *prober) resourceStep(ctx context.Context, ch oauthflow.Challenge) *oauthflow.ProtectedResource {
	var prm *oauthflow.ProtectedResource
	p.headersStep(ctx, "resource-metadata", "the metadata", false, func(ctx context.Context, st *Step) error {
		st.set("tried", p.lookAt(ctx, oauthflow.ResourceMetadataURLs(p.bridge.URL, ch.ResourceMetadata)))
		d := &oauthflow.Discoverer{HTTP: p.bridge.HTTPClient}
		got, err := d.Resource(ctx, p.bridge.URL, ch.ResourceMetadata)
		switch {
		case errors.Is(err, oauthflow.ErrNoMetadata) && ch.ResourceMetadata == "":
			st.set("found", false)
			st.set("fallback", "the server's origin is taken as its authorization server (protocol 2025-03-26)")
			return nil
		case errors.Is(err, oauthflow.ErrResourceMismatch):
			return withHint(err, "the metadata describes another server: the server is misconfigured, or --resource names the wrong resource")
		case err != nil:
			return withHint(err, "the server points at metadata that cannot be read: tell the server's administrator")
		}
		prm = got
		st.set("found", true)
		st.set("resource", got.Resource)
		st.set("authorization_servers", got.AuthorizationServers)
		st.set("scopes_supported", got.ScopesSupported)
		return nil
	})
	return prm
}

// authServerStep reads the authorization server's metadata (RFC 8414,
// OpenID Connect Discovery) and says how mcpbridge would get a client.
func (p *prober) authServerStep(ctx context.Context, prm *oauthflow.ProtectedResource) {
	p.headersStep(ctx, "authorization-server", "the metadata", false, func(ctx context.Context, st *Step) error {
		if at := p.cfg.Flags.AuthServerMetadataURL; at != "" {
			return p.authServerAt(ctx, st, at, prm)
		}
		issuer := p.bridge.URL.Scheme + "://" + p.bridge.URL.Host
		if prm != nil {
			issuer = prm.AuthorizationServers[0]
		}
		urls, err := oauthflow.AuthServerMetadataURLs(issuer)
		if err != nil {
			return withHint(err, "the resource metadata names an invalid authorization server: tell the server's administrator")
		}
		st.set("tried", p.lookAt(ctx, urls))
		d := &oauthflow.Discoverer{HTTP: p.bridge.HTTPClient}
		as, err := d.AuthServer(ctx, issuer)
		if prm == nil && errors.Is(err, oauthflow.ErrNoMetadata) {
			as, err = d.LegacyAuthServer(ctx, p.bridge.URL)
			st.set("fallback", "no metadata: the default endpoints /authorize, /token and /register (protocol 2025-03-26)")
		}
		if err != nil {
			return withHint(err, authServerHint(err))
		}
		return p.reportAuthServer(st, as)
	})
}

// authServerAt reads the metadata where --auth-server-metadata-url says,
// as the sign-in does (oauthflow's Discoverer.AuthServerAt), and says when
// the server's own metadata lists another authorization server.
func (p *prober) authServerAt(ctx context.Context, st *Step, at string, prm *oauthflow.ProtectedResource) error {
	st.set("from", "--auth-server-metadata-url")
	st.set("tried", p.lookAt(ctx, []string{at}))
	as, err := (&oauthflow.Discoverer{HTTP: p.bridge.HTTPClient}).AuthServerAt(ctx, at)
	if err != nil {
		return withHint(err, "--auth-server-metadata-url names no usable authorization server metadata: check the URL")
	}
	if prm != nil && len(prm.AuthorizationServers) > 0 && !slices.Contains(prm.AuthorizationServers, as.Issuer) {
		st.set("warning", "the server's metadata lists other authorization servers; the sign-in uses this one, as asked")
	}
	return p.reportAuthServer(st, as)
}

// reportAuthServer describes the metadata found, the client mcpbridge
// would use, and fails the step without PKCE S256.
func (p *prober) reportAuthServer(st *Step, as *oauthflow.AuthServer) error {
	describeAuthServer(st, as)
	st.set("client", p.clientPlan(as))
	if err := as.CheckPKCE(); err != nil {
		return withHint(err, "MCP clients must refuse an authorization server without PKCE S256: ask its administrator to advertise code_challenge_methods_supported")
	}
	return nil
}

func describeAuthServer(st *Step, as *oauthflow.AuthServer) {
	st.set("issuer", as.Issuer)
	st.set("authorization_endpoint", as.AuthorizationEndpoint)
	st.set("token_endpoint", as.TokenEndpoint)
	st.set("registration_endpoint", orText(as.RegistrationEndpoint, "none"))
	st.set("client_id_metadata_documents", as.ClientIDMetadataDocumentSupported)
	st.set("pkce_s256", slices.Contains(as.CodeChallengeMethodsSupported, "S256"))
	st.set("scopes_supported", as.ScopesSupported)
}

func authServerHint(err error) string {
	if errors.Is(err, oauthflow.ErrIssuerMismatch) {
		return "the metadata names another issuer (RFC 8414 §3.3): the authorization server is misconfigured; tell its administrator"
	}
	return "the authorization server publishes no readable metadata at the well-known URIs: tell the server's administrator"
}

// clientPlan says which client identity a sign-in would use, in the
// flow's order of preference.
func (p *prober) clientPlan(as *oauthflow.AuthServer) string {
	switch {
	case p.cfg.Flags.StaticClient:
		return "pre-registered (--static-oauth-client-info)"
	case p.cfg.Flags.ClientMetadataURL && as.ClientIDMetadataDocumentSupported:
		return "client metadata document (--client-metadata-url)"
	case as.RegistrationEndpoint != "":
		return "dynamic client registration"
	}
	return "none: no registration endpoint; pass --static-oauth-client-info with a client registered by hand"
}

// lookAt GETs each URL in turn until one answers 200, noting each
// answer: where a metadata document was found (the Discoverer then reads
// and validates it). No body is read.
func (p *prober) lookAt(ctx context.Context, urls []string) []string {
	var out []string
	for _, u := range urls {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			out = append(out, u+" → "+err.Error())
			continue
		}
		req.Header.Set("Accept", "application/json")
		resp, err := p.bridge.HTTPClient.Do(req)
		if err != nil {
			out = append(out, u+" → "+err.Error())
			continue
		}
		resp.Body.Close()
		out = append(out, u+" → "+resp.Status)
		if resp.StatusCode == http.StatusOK {
			break
		}
	}
	return out
}
