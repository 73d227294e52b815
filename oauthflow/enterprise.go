package oauthflow

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/mcpbridge/mcpbridge/internal/safetext"
	"github.com/mcpbridge/mcpbridge/tokencache"
)

// Enterprise-managed authorization (ext-auth
// specification/stable/enterprise-managed-authorization.mdx, SEP-990; the
// Identity Assertion JWT Authorization Grant): the user signs in once to
// the company's identity provider (--idp-issuer, --idp-client-info), in
// the browser or with an id token from --idp-id-token; for each MCP server
// mcpbridge trades that id token at the provider for an ID-JAG (RFC 8693
// token exchange, §4) naming the server's authorization server and
// resource, and presents the ID-JAG there as a jwt-bearer grant (§5,
// jwtbearer.go). The provider's sign-in is kept apart from every server's
// tokens, under the provider and client, so one sign-in serves them all.

const (
	tokenExchangeGrant = "urn:ietf:params:oauth:grant-type:token-exchange"
	idJAGType          = "urn:ietf:params:oauth:token-type:id-jag"
	idTokenType        = "urn:ietf:params:oauth:token-type:id_token"
	idpTokensKind      = "idp-tokens"
)

// enterprise signs in to the server through the identity provider.
func (f *Flow) enterprise(ctx context.Context, ch Challenge, scopes []string) (*record, error) {
	as, prm, err := f.discover(ctx, ch)
	if err != nil {
		return nil, err
	}
	if len(scopes) == 0 {
		scopes = prm.ScopesSupported
	}
	resource := f.resourceFor(prm)
	idp, err := (&Discoverer{HTTP: f.cfg.HTTP}).AuthServer(ctx, f.cfg.IdPIssuer)
	if err != nil {
		return nil, fmt.Errorf("the identity provider (--idp-issuer): %w", err)
	}
	client, err := StaticClient(f.cfg.IdPClient, idp.Issuer)
	if err != nil {
		return nil, fmt.Errorf("--idp-client-info: %w", err)
	}
	idToken, err := f.idpIDToken(ctx, idp, client)
	if err != nil {
		return nil, err
	}
	jag, err := f.exchangeIDJAG(ctx, idp, client, idToken, as.Issuer, resource, scopes)
	if err != nil {
		return nil, err
	}
	return f.jwtBearer(ctx, as, resource, scopes, jag)
}

// exchangeIDJAG trades the id token for an ID-JAG at the provider (RFC
// 8693 §2.1; enterprise-managed authorization §4: audience the server's
// authorization server's issuer, resource the server's resource).
func (f *Flow) exchangeIDJAG(ctx context.Context, idp *AuthServer, client *Client, idToken, audience, resource string, scopes []string) (string, error) {
	endpoint, err := sendTo("token_endpoint", idp.TokenEndpoint)
	if err != nil {
		return "", fmt.Errorf("token exchange: %w", err)
	}
	form := url.Values{"grant_type": {tokenExchangeGrant}, "requested_token_type": {idJAGType},
		"subject_token": {idToken}, "subject_token_type": {idTokenType}, "audience": {audience}}
	setResource(form, resource)
	if len(scopes) > 0 {
		form.Set("scope", strings.Join(scopes, " "))
	}
	status, raw, _, err := postToken(ctx, f.cfg.HTTP, endpoint, client, form)
	if err != nil {
		return "", fmt.Errorf("token exchange at the identity provider: %w", err)
	}
	if status != 200 {
		return "", fmt.Errorf("token exchange at the identity provider: %w", tokenError(status, raw))
	}
	var ans struct {
		AccessToken     string `json:"access_token"`
		IssuedTokenType string `json:"issued_token_type"`
	}
	if err := json.Unmarshal(raw, &ans); err != nil || ans.AccessToken == "" {
		return "", errors.New("token exchange at the identity provider: the answer holds no access_token")
	}
	if ans.IssuedTokenType != idJAGType { // RFC 8693 §2.2.1: issued_token_type is required
		return "", fmt.Errorf("token exchange at the identity provider: it issued %s, not an ID-JAG", safetext.EscapeN(ans.IssuedTokenType, 80))
	}
	return ans.AccessToken, nil
}

// idpIDToken is the id token to exchange: from --idp-id-token when given
// (read now), else the provider sign-in kept in the store while its id
// token is valid, renewed with its refresh token, or made afresh in the
// browser. The store's lock holds off another process signing in too.
func (f *Flow) idpIDToken(ctx context.Context, idp *AuthServer, client *Client) (string, error) {
	if f.cfg.IdPIDToken != "" {
		tok, err := readSource(ctx, f.cfg.IdPIDToken)
		if err != nil {
			return "", fmt.Errorf("--idp-id-token: %w", err)
		}
		return tok, nil
	}
	name := tokencache.Name(idpTokensKind, idp.Issuer, client.ClientID)
	unlock, err := f.cfg.Store.Lock(ctx, name)
	if err != nil {
		return "", err
	}
	defer unlock()
	var kept Token
	if ok, _ := f.cfg.Store.Stored(name); ok {
		if raw, err := f.cfg.Store.Get(ctx, name); err == nil {
			_ = json.Unmarshal(raw, &kept)
		}
	}
	if kept.IDToken != "" && !jwtExpiring(kept.IDToken) {
		return kept.IDToken, nil
	}
	var tok *Token
	if kept.RefreshToken != "" {
		form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {kept.RefreshToken}, "scope": {"openid"}}
		if tok, err = tokenRequest(ctx, f.cfg.HTTP, idp.TokenEndpoint, client, form, f.cfg.Now); err != nil || tok.IDToken == "" {
			f.cfg.Log.Info("renewing the identity provider sign-in failed; signing in again", "error", err)
			tok = nil
		} else if tok.RefreshToken == "" {
			tok.RefreshToken = kept.RefreshToken
		}
	}
	if tok == nil {
		if tok, err = f.idpBrowser(ctx, idp, client); err != nil {
			return "", fmt.Errorf("sign-in to the identity provider: %w", err)
		}
	}
	raw, _ := json.Marshal(tok)
	meta := tokencache.Meta{Kind: idpTokensKind, Server: idp.Issuer, Issuer: idp.Issuer, Expiry: tok.Expiry, Refreshable: tok.RefreshToken != ""}
	if err := f.cfg.Store.Put(ctx, name, raw, meta); err != nil {
		f.cfg.Log.Warn("could not keep the identity provider sign-in", "error", err)
	}
	return tok.IDToken, nil
}

// idpBrowser signs in to the provider with OpenID Connect in the browser
// (authorization code with PKCE over the loopback redirect, as for a
// server; §3), on the ports of the client's registered redirect URIs when
// it names any: a client registered by hand at a provider has fixed ones.
func (f *Flow) idpBrowser(ctx context.Context, idp *AuthServer, client *Client) (*Token, error) {
	if err := idp.CheckPKCE(); err != nil {
		return nil, err
	}
	registered := &Client{}
	if uris, ok := f.cfg.IdPClient["redirect_uris"].([]any); ok {
		for _, r := range uris {
			s, _ := r.(string)
			registered.RedirectURIs = append(registered.RedirectURIs, s)
		}
	}
	ports := registeredPorts(registered) // login.go
	if len(ports) == 0 {
		ports = f.cfg.CallbackPorts
	}
	cb, err := ListenLoopback(f.cfg.CallbackHost, ports, f.cfg.CallbackPath,
		Expect{State: randomString(), Issuer: idp.Issuer, IssRequired: idp.AuthorizationResponseIssParameterSupported, SuccessURL: f.cfg.SuccessURL})
	if err != nil {
		return nil, err
	}
	defer cb.Close()
	scopes := []string{"openid"}
	if slices.Contains(idp.ScopesSupported, "offline_access") {
		scopes = append(scopes, "offline_access")
	}
	verifier := oauth2.GenerateVerifier()
	authURL, err := f.authorizeURL(idp, client, cb, verifier, scopes, "")
	if err != nil {
		return nil, err
	}
	code, err := f.browserCode(ctx, cb, "your identity provider "+safetext.EscapeN(idp.Issuer, 200), authURL)
	if err != nil {
		return nil, err
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {cb.RedirectURI()}, "code_verifier": {verifier}}
	tok, err := tokenRequest(ctx, f.cfg.HTTP, idp.TokenEndpoint, client, form, f.cfg.Now)
	if err != nil {
		return nil, err
	}
	if tok.IDToken == "" {
		return nil, errors.New("the identity provider issued no id token")
	}
	return tok, nil
}

// jwtExpiring reports whether a JWT's exp (RFC 7519 §4.1.4) is less than a
// minute away, or unreadable. Only the provider's own answer is read this
// way, to know when to renew it; its signature is the server's to check.
func jwtExpiring(jwt string) bool {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return true
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	var claims struct {
		Exp json.Number `json:"exp"`
	}
	if err != nil || json.Unmarshal(raw, &claims) != nil {
		return true
	}
	exp, err := claims.Exp.Int64()
	return err != nil || time.Until(time.Unix(exp, 0)) < time.Minute
}
