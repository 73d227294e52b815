package fakeas

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

type accessToken struct {
	grant    *grant
	scopes   []string
	resource string
	expires  time.Time
	revoked  bool
}

type refreshToken struct {
	grant   *grant
	expires time.Time // zero: none
	used    bool      // rotated away
}

// tokenError carries the HTTP status with the error body.
type tokenError struct {
	*oauthError
	status int
	basic  bool // the client tried HTTP Basic: say so in WWW-Authenticate
}

func badRequest(code, desc string) *tokenError {
	return &tokenError{oauthError: errorf(code, desc), status: http.StatusBadRequest}
}

func writeTokenError(w http.ResponseWriter, e *tokenError) {
	w.Header().Set("Pragma", "no-cache")
	if e.basic && e.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="fakeas"`)
	}
	writeJSON(w, e.status, e.oauthError)
}

// readForm parses an application/x-www-form-urlencoded POST body and
// refuses repeated parameters but resource (RFC 6749 §3.2).
func readForm(r *http.Request) (url.Values, *tokenError) {
	if r.Method != http.MethodPost {
		return nil, &tokenError{oauthError: errorf("invalid_request", "use POST"), status: http.StatusMethodNotAllowed}
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		return nil, badRequest("invalid_request", "the body must be application/x-www-form-urlencoded")
	}
	r.Body = http.MaxBytesReader(nil, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		return nil, badRequest("invalid_request", err.Error())
	}
	f := r.PostForm
	for p, vs := range f {
		if len(vs) > 1 && p != "resource" {
			return f, badRequest("invalid_request", p+" is repeated")
		}
	}
	return f, nil
}

// authenticate identifies the client of a token or revocation request by
// the method it registered (RFC 6749 §2.3.1, RFC 7591 §2): HTTP Basic
// for client_secret_basic, client_secret in the body for
// client_secret_post, client_id alone for none. Using another method than
// the registered one, or two at once, fails.
func (s *Server) authenticate(r *http.Request, f url.Values) (c *Client, method, claimed string, e *tokenError) {
	user, pass, hasBasic := r.BasicAuth()
	if hasBasic {
		// RFC 6749 §2.3.1: both are form-urlencoded before Basic encoding.
		u, err1 := url.QueryUnescape(user)
		p, err2 := url.QueryUnescape(pass)
		if err1 != nil || err2 != nil {
			return nil, "", user, &tokenError{oauthError: errorf("invalid_client", "malformed Basic credentials"), status: http.StatusUnauthorized, basic: true}
		}
		user, pass = u, p
	}
	claimed = f.Get("client_id")
	if hasBasic {
		if claimed != "" && claimed != user {
			return nil, "", user, &tokenError{oauthError: errorf("invalid_client", "client_id differs from the Basic user"), status: http.StatusUnauthorized, basic: true}
		}
		claimed = user
	}
	fail := func(desc string) (*Client, string, string, *tokenError) {
		return nil, "", claimed, &tokenError{oauthError: errorf("invalid_client", desc), status: http.StatusUnauthorized, basic: hasBasic}
	}
	if hasBasic && f.Has("client_secret") {
		return fail("more than one client authentication method in one request (RFC 6749 §2.3)")
	}
	if claimed == "" {
		return fail("no client_id and no client authentication")
	}
	s.mu.Lock()
	c, ok := s.clients[claimed]
	s.mu.Unlock()
	if !ok {
		return fail("unknown client " + claimed)
	}
	equal := func(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
	switch c.AuthMethod {
	case "none":
		if hasBasic || f.Has("client_secret") {
			return fail("this client registered token_endpoint_auth_method none: it sends client_id and no secret")
		}
		return c, "none", claimed, nil
	case "client_secret_post":
		if hasBasic {
			return fail("this client registered client_secret_post: the secret goes in the body, not in Basic")
		}
		if !f.Has("client_secret") || !equal(f.Get("client_secret"), c.Secret) {
			return fail("wrong or missing client_secret")
		}
		return c, "client_secret_post", claimed, nil
	case "client_secret_basic":
		if !hasBasic {
			return fail("this client registered client_secret_basic: authenticate with HTTP Basic")
		}
		if !equal(pass, c.Secret) {
			return fail("wrong client secret")
		}
		return c, "client_secret_basic", claimed, nil
	}
	return fail("unsupported authentication method " + c.AuthMethod)
}

// token is the token endpoint (RFC 6749 §3.2, §4.1.3, §6; RFC 7636 §4.6;
// RFC 8707 §2.2).
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	f, ferr := readForm(r)
	rec := TokenRequest{
		GrantType: f.Get("grant_type"),
		Resource:  slices.Clone(f["resource"]),
		Scope:     f.Get("scope"),
		HasScope:  f.Has("scope"),
		Form:      cloneValues(f),
	}
	resp, err := func() (map[string]any, *tokenError) {
		if ferr != nil {
			return nil, ferr
		}
		c, method, claimed, err := s.authenticate(r, f)
		rec.ClientID, rec.AuthMethod = claimed, method
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		switch gt := f.Get("grant_type"); gt {
		case "":
			return nil, badRequest("invalid_request", "grant_type is required")
		case "authorization_code":
			return s.exchangeCode(c, f)
		case "refresh_token":
			return s.refreshGrant(c, f)
		default:
			return nil, badRequest("unsupported_grant_type", "unsupported grant_type "+gt)
		}
	}()
	rec.Status = http.StatusOK
	if err != nil {
		rec.Error, rec.Status = err.Code, err.status
	}
	s.mu.Lock()
	s.log.tokens = append(s.log.tokens, rec)
	s.mu.Unlock()
	if err != nil {
		writeTokenError(w, err)
		return
	}
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, resp)
}

// exchangeCode runs with s.mu held.
func (s *Server) exchangeCode(c *Client, f url.Values) (map[string]any, *tokenError) {
	code := f.Get("code")
	if code == "" {
		return nil, badRequest("invalid_request", "code is required")
	}
	if !f.Has("code_verifier") {
		return nil, badRequest("invalid_request", "code_verifier is required (PKCE, RFC 7636 §4.5)")
	}
	ac, ok := s.codes[code]
	switch {
	case !ok:
		return nil, badRequest("invalid_grant", "unknown authorization code")
	case ac.used:
		// RFC 6749 §4.1.2: a code used twice revokes what it gave.
		if ac.grant != nil && !ac.grant.revoked {
			ac.grant.revoked = true
			s.log.reuseRevoked++
		}
		return nil, badRequest("invalid_grant", "the authorization code was already used; its tokens are revoked")
	case !s.now().Before(ac.expires):
		return nil, badRequest("invalid_grant", "the authorization code expired")
	case ac.clientID != c.ID:
		return nil, badRequest("invalid_grant", "the authorization code was issued to another client")
	case ac.redirectGiven && !f.Has("redirect_uri"):
		return nil, badRequest("invalid_grant", "redirect_uri is required: the authorization request had one")
	case f.Has("redirect_uri") && f.Get("redirect_uri") != ac.redirectURI:
		return nil, badRequest("invalid_grant", "redirect_uri differs from the authorization request's")
	case !codeVerifier().MatchString(f.Get("code_verifier")):
		return nil, badRequest("invalid_grant", "code_verifier is malformed (RFC 7636 §4.1)")
	}
	sum := sha256.Sum256([]byte(f.Get("code_verifier")))
	if base64.RawURLEncoding.EncodeToString(sum[:]) != ac.challenge {
		return nil, badRequest("invalid_grant", "code_verifier does not match the code_challenge")
	}
	o := s.opts
	resource := ac.resource
	switch rs := f["resource"]; {
	case len(rs) > 0 && o.RejectResource:
		return nil, badRequest("invalid_target", "the resource parameter is not supported")
	case len(rs) == 0 && o.RequireResource:
		return nil, badRequest("invalid_target", "the resource parameter is required")
	case len(rs) > 1:
		return nil, badRequest("invalid_target", "one resource per request")
	case len(rs) == 1 && rs[0] != ac.resource:
		return nil, badRequest("invalid_target", "resource differs from the authorization request's")
	}
	if !slices.Contains(c.GrantTypes, "authorization_code") {
		return nil, badRequest("unauthorized_client", "the client did not register the authorization_code grant")
	}
	ac.used = true
	g := &grant{clientID: c.ID, scopes: ac.scopes, resource: resource}
	ac.grant = g
	s.grants = append(s.grants, g)
	return s.issue(c, g, g.scopes, nil), nil
}

// refreshGrant runs with s.mu held.
func (s *Server) refreshGrant(c *Client, f url.Values) (map[string]any, *tokenError) {
	o := s.opts
	if o.RefreshNeedsGrantType && !slices.Contains(c.GrantTypes, "refresh_token") {
		return nil, badRequest("unauthorized_client", "the client did not register the refresh_token grant")
	}
	rt, ok := s.refresh[f.Get("refresh_token")]
	switch {
	case f.Get("refresh_token") == "":
		return nil, badRequest("invalid_request", "refresh_token is required")
	case !ok:
		return nil, badRequest("invalid_grant", "unknown refresh token")
	case rt.grant.clientID != c.ID:
		return nil, badRequest("invalid_grant", "the refresh token was issued to another client")
	case rt.grant.revoked:
		return nil, badRequest("invalid_grant", "the grant was revoked")
	case rt.used:
		// OAuth 2.1 §4.3.1: a rotated refresh token presented again
		// means it leaked; revoke the whole grant.
		rt.grant.revoked = true
		s.log.reuseRevoked++
		return nil, badRequest("invalid_grant", "the refresh token was already used; the grant is revoked")
	case !rt.expires.IsZero() && !s.now().Before(rt.expires):
		return nil, badRequest("invalid_grant", "the refresh token expired")
	}
	scopes := rt.grant.scopes
	if f.Has("scope") {
		scopes = strings.Fields(f.Get("scope"))
		for _, x := range scopes {
			if !slices.Contains(rt.grant.scopes, x) {
				return nil, badRequest("invalid_scope", "scope "+x+" exceeds the grant (RFC 6749 §6)")
			}
		}
	}
	switch rs := f["resource"]; {
	case len(rs) > 0 && o.RejectResource:
		return nil, badRequest("invalid_target", "the resource parameter is not supported")
	case len(rs) == 0 && o.RequireResource:
		return nil, badRequest("invalid_target", "the resource parameter is required")
	case len(rs) > 1:
		return nil, badRequest("invalid_target", "one resource per request")
	case len(rs) == 1 && rs[0] != rt.grant.resource:
		return nil, badRequest("invalid_target", "resource differs from the grant's")
	}
	if o.RotateRefreshTokens {
		rt.used = true
	}
	return s.issue(c, rt.grant, scopes, rt), nil
}

// issue mints an access token, and a refresh token when the options
// allow (always on the first issue, on refresh only when rotating).
// It runs with s.mu held.
func (s *Server) issue(c *Client, g *grant, scopes []string, from *refreshToken) map[string]any {
	o := s.opts
	now := s.now()
	at := "at_" + rand.Text()
	s.access[at] = &accessToken{grant: g, scopes: scopes, resource: g.resource, expires: now.Add(o.AccessTokenTTL)}
	resp := map[string]any{
		"access_token": at,
		"token_type":   "Bearer",
		"scope":        strings.Join(scopes, " "),
	}
	if !o.NoExpiresIn {
		resp["expires_in"] = int64(o.AccessTokenTTL / time.Second)
	}
	wantRefresh := !o.NoRefreshTokens &&
		(!o.RefreshNeedsOfflineAccess || slices.Contains(g.scopes, "offline_access")) &&
		(!o.RefreshNeedsGrantType || slices.Contains(c.GrantTypes, "refresh_token"))
	if wantRefresh && (from == nil || o.RotateRefreshTokens) {
		rt := "rt_" + rand.Text()
		r := &refreshToken{grant: g}
		if o.RefreshTokenTTL > 0 {
			r.expires = now.Add(o.RefreshTokenTTL)
		}
		s.refresh[rt] = r
		resp["refresh_token"] = rt
	}
	return resp
}

// revoke is the revocation endpoint (RFC 7009 §2). Revoking a refresh
// token revokes its grant, access tokens included (§2.1); revoking an
// access token revokes that token only. Unknown tokens answer 200.
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	f, err := readForm(r)
	rec := Revocation{TokenTypeHint: f.Get("token_type_hint")}
	if err == nil {
		var c *Client
		c, _, rec.ClientID, err = s.authenticate(r, f)
		if err == nil {
			err = s.revokeToken(c, f.Get("token"), &rec)
		}
	}
	s.mu.Lock()
	if err != nil {
		rec.Error = err.Code
	}
	s.log.revocations = append(s.log.revocations, rec)
	s.mu.Unlock()
	if err != nil {
		writeTokenError(w, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}

func (s *Server) revokeToken(c *Client, token string, rec *Revocation) *tokenError {
	if token == "" {
		return badRequest("invalid_request", "token is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if at, ok := s.access[token]; ok {
		rec.Kind = "access_token"
		if at.grant.clientID != c.ID {
			return badRequest("invalid_request", "the token was issued to another client (RFC 7009 §2.1)")
		}
		at.revoked = true
		return nil
	}
	if rt, ok := s.refresh[token]; ok {
		rec.Kind = "refresh_token"
		if rt.grant.clientID != c.ID {
			return badRequest("invalid_request", "the token was issued to another client (RFC 7009 §2.1)")
		}
		rt.grant.revoked = true
	}
	return nil
}
