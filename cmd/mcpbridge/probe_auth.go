package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/mcpbridge/mcpbridge/oauthflow"
	"github.com/mcpbridge/mcpbridge/tokencache"
)

// authorize is step 4, after a 401: the challenge, the metadata that
// leads to the authorization server (MCP authorization §Authorization
// Server Discovery), what is stored and, when needed, the sign-in. It
// reports whether requests can now carry a token.
func (p *prober) authorize(ctx context.Context) bool {
	ch := p.challengeStep()
	prm := p.resourceStep(ctx, ch)
	p.authServerStep(ctx, prm)
	if p.signIn() == nil { // the user's own Authorization header
		return p.rep.run("credentials", "", true, func(st *step) error {
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

// signIn is the bridge's own sign-in, its Config's Authorizer; nil with
// the user's own Authorization header.
func (p *prober) signIn() *oauthflow.Flow {
	flow, _ := p.cfg.Auth.(*oauthflow.Flow)
	return flow
}

func firstChallenge(values []string) oauthflow.Challenge {
	ch, _ := oauthflow.Bearer(oauthflow.ParseWWWAuthenticate(values))
	return ch
}

func (p *prober) challengeStep() oauthflow.Challenge {
	var ch oauthflow.Challenge
	p.rep.run("www-authenticate", "", false, func(st *step) error {
		if len(p.challenges) == 0 {
			st.set("challenge", "none: the metadata is looked for at the well-known URIs")
			return nil
		}
		var schemes []string
		for _, c := range oauthflow.ParseWWWAuthenticate(p.challenges) {
			schemes = append(schemes, c.Scheme)
		}
		st.set("schemes", schemes)
		bearer, ok := oauthflow.Bearer(oauthflow.ParseWWWAuthenticate(p.challenges))
		if !ok {
			return withHint(errors.New("the 401 carries no Bearer challenge"), "the server may want another kind of credentials: ask its administrator, or pass them with --header")
		}
		ch = bearer
		st.set("resource_metadata", orNotGiven(ch.ResourceMetadata))
		st.set("scope", ch.Scope)
		if ch.Error != "" {
			st.set("error", ch.Error+" "+ch.ErrorDescription)
		}
		return nil
	})
	return ch
}

func orNotGiven(s string) string {
	if s == "" {
		return "not given"
	}
	return s
}

// resourceStep finds the protected resource metadata (RFC 9728); nil when
// there is none and the 2025-03-26 rules apply.
func (p *prober) resourceStep(ctx context.Context, ch oauthflow.Challenge) *oauthflow.ProtectedResource {
	var prm *oauthflow.ProtectedResource
	p.step(ctx, "resource-metadata", "the metadata", false, seconds(p.o.headersTimeout), "--headers-timeout", func(ctx context.Context, st *step) error {
		st.set("tried", p.lookAt(ctx, oauthflow.ResourceMetadataURLs(p.cfg.URL, ch.ResourceMetadata)))
		d := &oauthflow.Discoverer{HTTP: p.cfg.HTTPClient}
		got, err := d.Resource(ctx, p.cfg.URL, ch.ResourceMetadata)
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
	p.step(ctx, "authorization-server", "the metadata", false, seconds(p.o.headersTimeout), "--headers-timeout", func(ctx context.Context, st *step) error {
		issuer := p.cfg.URL.Scheme + "://" + p.cfg.URL.Host
		if prm != nil {
			issuer = prm.AuthorizationServers[0]
		}
		urls, err := oauthflow.AuthServerMetadataURLs(issuer)
		if err != nil {
			return withHint(err, "the resource metadata names an invalid authorization server: tell the server's administrator")
		}
		st.set("tried", p.lookAt(ctx, urls))
		d := &oauthflow.Discoverer{HTTP: p.cfg.HTTPClient}
		as, err := d.AuthServer(ctx, issuer)
		if prm == nil && errors.Is(err, oauthflow.ErrNoMetadata) {
			as, err = d.LegacyAuthServer(ctx, p.cfg.URL)
			st.set("fallback", "no metadata: the default endpoints /authorize, /token and /register (protocol 2025-03-26)")
		}
		if err != nil {
			return withHint(err, authServerHint(err))
		}
		describeAuthServer(st, as)
		st.set("client", p.clientPlan(as))
		if err := as.CheckPKCE(); err != nil {
			return withHint(err, "MCP clients must refuse an authorization server without PKCE S256: ask its administrator to advertise code_challenge_methods_supported")
		}
		return nil
	})
}

func describeAuthServer(st *step, as *oauthflow.AuthServer) {
	st.set("issuer", as.Issuer)
	st.set("authorization_endpoint", as.AuthorizationEndpoint)
	st.set("token_endpoint", as.TokenEndpoint)
	st.set("registration_endpoint", noneIfEmpty(as.RegistrationEndpoint))
	st.set("client_id_metadata_documents", as.ClientIDMetadataDocumentSupported)
	st.set("pkce_s256", slices.Contains(as.CodeChallengeMethodsSupported, "S256"))
	st.set("scopes_supported", as.ScopesSupported)
}

func noneIfEmpty(s string) string {
	if s == "" {
		return "none"
	}
	return s
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
	case p.o.auth.staticInfo != "":
		return "pre-registered (--static-oauth-client-info)"
	case p.o.auth.metadataURL != "" && as.ClientIDMetadataDocumentSupported:
		return "client metadata document (--client-metadata-url)"
	case as.RegistrationEndpoint != "":
		return "dynamic client registration"
	}
	return "none: no registration endpoint; pass --static-oauth-client-info with a client registered by hand"
}

// lookAt GETs each URL in turn until one answers 200, noting each
// answer: where a metadata document was found (the Discoverer then
// validates it).
func (p *prober) lookAt(ctx context.Context, urls []string) []string {
	var out []string
	for _, u := range urls {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			out = append(out, u+" → "+err.Error())
			continue
		}
		req.Header.Set("Accept", "application/json")
		resp, err := p.cfg.HTTPClient.Do(req)
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

// credentialsStep shows what the index says is stored for the server (as
// status does, never a secret) and whether these settings have a token.
func (p *prober) credentialsStep(ctx context.Context) (have, ok bool) {
	st := p.step(ctx, "credentials", "the token store", true, 0, "--timeout", func(ctx context.Context, st *step) error {
		p.describeStored(st)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.cfg.URL.String(), nil)
		if err != nil {
			return err
		}
		if err := p.signIn().Authorize(ctx, req); err != nil {
			return withHint(err, "the stored credentials cannot be used: mcpbridge logout URL, then sign in again")
		}
		have = req.Header.Get("Authorization") != ""
		st.set("token_for_these_settings", have)
		if !have && p.pf.noLogin {
			return withHint(errors.New("not signed in"), "sign in with: mcpbridge login URL (with the same flags), or probe without --no-login")
		}
		if !have {
			st.set("next", "sign in")
		}
		return nil
	})
	return have, st.OK
}

func (p *prober) describeStored(st *step) {
	rows := p.storedRows()
	if len(rows) == 0 {
		st.set("stored", "nothing for this server")
		return
	}
	if len(rows) > 1 {
		st.set("stored_sign_ins", fmt.Sprintf("%d (with other headers, clients or scopes); the newest:", len(rows)))
	}
	describeRow(st, rows[0])
}

func describeRow(st *step, r statusRow) {
	st.set("signed_in", r.SignedIn)
	st.set("authorization_server", r.Issuer)
	if r.Expiry.IsZero() {
		st.set("token_expires", "no expiry given")
	} else {
		st.set("token_expires", r.Expiry)
	}
	st.set("scopes", r.Scopes)
	st.set("stored_in", r.Backend)
}

// storedRows are the index's entries for this server, newest first.
func (p *prober) storedRows() []statusRow {
	entries, err := tokencache.List(p.o.configFolder())
	if err != nil {
		return nil
	}
	var rows []statusRow
	for _, e := range entries {
		if e.Kind == "tokens" && sameServer(e.Server, p.cfg.URL.String()) {
			rows = append(rows, newStatusRow(e))
		}
	}
	slices.SortFunc(rows, func(a, b statusRow) int { return b.Updated.Compare(a.Updated) })
	return rows
}

// signInStep signs in with the bridge's own flow. The time it takes is
// not counted against --timeout: --auth-timeout bounds it.
func (p *prober) signInStep(ctx context.Context) bool {
	start := time.Now()
	defer func() { p.budget.extend(time.Since(start)) }()
	waiting := "the browser sign-in"
	switch {
	case p.o.auth.clientCreds:
		waiting = "the token"
	case p.o.auth.deviceCode:
		waiting = "the sign-in on the other device"
	}
	return p.rep.run("sign-in", waiting, true, func(st *step) error {
		st.set("how", p.credentialSource())
		if err := p.signIn().Login(ctx); err != nil {
			return withHint(err, "finish the sign-in within --auth-timeout seconds; over SSH use mcpbridge login URL --no-browser, without a browser --device-code")
		}
		if rows := p.storedRows(); len(rows) > 0 {
			describeRow(st, rows[0])
		}
		return nil
	}).OK
}
