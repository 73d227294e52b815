package demo

// The demo's own OAuth 2.1 authorization server, behind `mcpbridge demo
// --oauth`. It is part of the demo, not a test fixture (internal/fakeas is
// the tests' configurable one, and the product binary never links it): just
// enough of the MCP authorization specification to show a whole sign-in on
// one machine, and correct in what it does:
//
//   - authorization server metadata (RFC 8414) and protected resource
//     metadata (RFC 9728) naming it;
//   - dynamic client registration (RFC 7591) of public native clients with
//     loopback redirect URIs (RFC 8252 §7.3), any port;
//   - the authorization endpoint (RFC 6749 §4.1, RFC 9207 iss), which requires
//     PKCE with S256 (RFC 7636) and checks client, redirect URI, scope and
//     resource (RFC 8707);
//   - the token endpoint: authorization_code (a code is single use and the
//     code_verifier must match) and refresh_token (rotated: a refresh token
//     is single use, OAuth 2.1 §4.3.1);
//   - the bearer check in front of the demo's MCP endpoint (RFC 6750, with
//     the RFC 9728 resource_metadata challenge).
//
// It APPROVES EVERY AUTHORIZATION REQUEST AT ONCE — no account, no password,
// no consent page — and that is acceptable only because it is a local demo:
// it listens on 127.0.0.1 alone, lives as long as the `mcpbridge demo`
// process, keeps everything in memory and guards nothing but the demo's own
// toy MCP server.

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/netrule"
)

const (
	demoScope    = "demo:read" // what the MCP endpoint requires
	codeTTL      = time.Minute
	accessTTL    = time.Hour
	maxEntries   = 1000 // clients, codes and tokens each: a demo needs a handful
	maxBodyBytes = 64 << 10
)

// scopesSupported are the scopes the server grants: the demo's, and
// offline_access for a refresh token (clients ask for it when offered).
var scopesSupported = []string{demoScope, "offline_access"}

// AuthServer is the running demo authorization server; it shares the demo
// server's listener (the issuer is the demo server's origin).
type AuthServer struct {
	issuer   string // http://127.0.0.1:port
	resource string // the demo's MCP endpoint, the one resource it issues tokens for

	mu      sync.Mutex
	clients map[string]*demoClient
	codes   map[string]*demoCode
	access  map[string]*demoToken
	refresh map[string]*demoToken
}

type demoClient struct {
	redirectURIs []string
	refresh      bool // registered the refresh_token grant
}

type demoCode struct {
	clientID      string
	redirectURI   string
	redirectGiven bool // the authorization request named redirect_uri
	challenge     string
	scopes        []string
	resource      string
	expires       time.Time
}

type demoToken struct {
	clientID string
	scopes   []string
	resource string
	expires  time.Time // access tokens only; a refresh token lasts as long as the demo
}

func newAuthServer(issuer, resource string) *AuthServer {
	return &AuthServer{
		issuer: issuer, resource: resource,
		clients: map[string]*demoClient{},
		codes:   map[string]*demoCode{},
		access:  map[string]*demoToken{},
		refresh: map[string]*demoToken{},
	}
}

// AuthorizeURL is the authorization endpoint.
func (a *AuthServer) AuthorizeURL() string { return a.issuer + "/authorize" }

// resourceMetadataPath is where RFC 9728 §3.1 puts the metadata of the
// resource /mcp.
const resourceMetadataPath = "/.well-known/oauth-protected-resource/mcp"

// routes mounts the authorization server's endpoints, its protected
// resource metadata, and mcp behind the bearer check, on mux.
func (a *AuthServer) routes(mux *http.ServeMux, mcp http.Handler) {
	mux.HandleFunc("GET /.well-known/oauth-authorization-server", a.serveMetadata)
	mux.HandleFunc("GET "+resourceMetadataPath, a.serveResourceMetadata)
	mux.HandleFunc("POST /register", a.register)
	mux.HandleFunc("GET /authorize", a.authorize)
	mux.HandleFunc("POST /authorize", a.authorize)
	mux.HandleFunc("POST /token", a.token)
	mux.Handle("/mcp", a.protect(mcp))
}

func (a *AuthServer) serveMetadata(w http.ResponseWriter, _ *http.Request) {
	writeDoc(w, http.StatusOK, map[string]any{
		"issuer":                                         a.issuer,
		"authorization_endpoint":                         a.issuer + "/authorize",
		"token_endpoint":                                 a.issuer + "/token",
		"registration_endpoint":                          a.issuer + "/register",
		"scopes_supported":                               scopesSupported,
		"response_types_supported":                       []string{"code"},
		"response_modes_supported":                       []string{"query"},
		"grant_types_supported":                          []string{"authorization_code", "refresh_token"},
		"token_endpoint_auth_methods_supported":          []string{"none"},
		"code_challenge_methods_supported":               []string{"S256"},
		"authorization_response_iss_parameter_supported": true,
	})
}

func (a *AuthServer) serveResourceMetadata(w http.ResponseWriter, _ *http.Request) {
	writeDoc(w, http.StatusOK, map[string]any{
		"resource":                 a.resource,
		"authorization_servers":    []string{a.issuer},
		"scopes_supported":         []string{demoScope},
		"bearer_methods_supported": []string{"header"},
	})
}

// oauthError is an error response (RFC 6749 §5.2, RFC 7591 §3.2.2).
type oauthError struct {
	Code        string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

func oauthErr(code, desc string) *oauthError { return &oauthError{code, desc} }

func writeDoc(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// newSecret is an unguessable code or token (128 bits).
func newSecret(prefix string) string { return prefix + rand.Text() }

// register is the client registration endpoint (RFC 7591 §3). It registers
// public clients (token_endpoint_auth_method none, whatever was asked: §3.2.1
// lets the server replace a value) with loopback http redirect URIs.
func (a *AuthServer) register(w http.ResponseWriter, r *http.Request) {
	var md struct {
		RedirectURIs  []string `json:"redirect_uris"`
		GrantTypes    []string `json:"grant_types"`
		ResponseTypes []string `json:"response_types"`
		ClientName    string   `json:"client_name"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes)).Decode(&md); err != nil {
		writeDoc(w, http.StatusBadRequest, oauthErr("invalid_client_metadata", "the body is not a JSON client metadata object"))
		return
	}
	if len(md.RedirectURIs) == 0 {
		writeDoc(w, http.StatusBadRequest, oauthErr("invalid_redirect_uri", "redirect_uris is required"))
		return
	}
	for _, u := range md.RedirectURIs {
		if _, err := loopbackRedirect(u); err != nil {
			writeDoc(w, http.StatusBadRequest, oauthErr("invalid_redirect_uri", err.Error()))
			return
		}
	}
	if len(md.GrantTypes) == 0 {
		md.GrantTypes = []string{"authorization_code"}
	}
	if len(md.ResponseTypes) == 0 {
		md.ResponseTypes = []string{"code"}
	}
	for _, g := range md.GrantTypes {
		if g != "authorization_code" && g != "refresh_token" {
			writeDoc(w, http.StatusBadRequest, oauthErr("invalid_client_metadata", "unsupported grant type "+g))
			return
		}
	}
	if !slices.Contains(md.GrantTypes, "authorization_code") || !slices.Equal(md.ResponseTypes, []string{"code"}) {
		writeDoc(w, http.StatusBadRequest, oauthErr("invalid_client_metadata", "a client here uses the authorization_code grant with response type code"))
		return
	}
	id := newSecret("demo-client-")
	a.mu.Lock()
	full := len(a.clients) >= maxEntries
	if !full {
		a.clients[id] = &demoClient{redirectURIs: slices.Clone(md.RedirectURIs), refresh: slices.Contains(md.GrantTypes, "refresh_token")}
	}
	a.mu.Unlock()
	if full {
		writeDoc(w, http.StatusServiceUnavailable, oauthErr("temporarily_unavailable", "too many clients registered; restart the demo"))
		return
	}
	resp := map[string]any{
		"client_id":                  id,
		"client_id_issued_at":        time.Now().Unix(),
		"redirect_uris":              md.RedirectURIs,
		"grant_types":                md.GrantTypes,
		"response_types":             md.ResponseTypes,
		"token_endpoint_auth_method": "none",
	}
	if md.ClientName != "" {
		resp["client_name"] = md.ClientName
	}
	writeDoc(w, http.StatusCreated, resp)
}

// loopbackRedirect parses a redirect URI a native client may use here: http
// on a loopback host, absolute, without a fragment (RFC 8252 §7.3).
func loopbackRedirect(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || !netrule.IsLoopback(u.Hostname()) || u.Fragment != "" || strings.Contains(raw, "#") || u.User != nil {
		return nil, fmt.Errorf("redirect URIs must be http on a loopback address, without a fragment: %q", raw)
	}
	return u, nil
}

// matchRedirect returns the redirect URI of an authorization request: the
// one given if it is registered, its port aside (RFC 8252 §7.3: a loopback
// redirect URI may take any port), or the only one registered when none is
// given.
func matchRedirect(c *demoClient, given string) (string, error) {
	if given == "" {
		if len(c.redirectURIs) == 1 {
			return c.redirectURIs[0], nil
		}
		return "", errors.New("redirect_uri is required: the client registered several")
	}
	g, err := loopbackRedirect(given)
	if err != nil {
		return "", err
	}
	for _, reg := range c.redirectURIs {
		ru, _ := url.Parse(reg) // checked at registration
		if ru.Hostname() == g.Hostname() && ru.EscapedPath() == g.EscapedPath() && ru.RawQuery == g.RawQuery {
			return given, nil
		}
	}
	return "", fmt.Errorf("redirect_uri %q is not registered for this client", given)
}

// authorize is the authorization endpoint. Until client and redirect URI
// are known good, errors go to the user as a page, never to a redirect
// (RFC 6749 §4.1.2.1); after that, to the client's redirect URI. A valid
// request is approved at once: see the top of this file.
func (a *AuthServer) authorize(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "invalid_request: "+err.Error(), http.StatusBadRequest)
		return
	}
	q := r.Form
	page := func(code, desc string) {
		w.Header().Set("Cache-Control", "no-store")
		http.Error(w, code+": "+desc, http.StatusBadRequest)
	}
	for _, p := range []string{"client_id", "redirect_uri"} {
		if len(q[p]) > 1 {
			page("invalid_request", p+" is repeated")
			return
		}
	}
	a.mu.Lock()
	c, ok := a.clients[q.Get("client_id")]
	a.mu.Unlock()
	if !ok {
		page("invalid_client", "unknown client_id; register first")
		return
	}
	redirect, err := matchRedirect(c, q.Get("redirect_uri"))
	if err != nil {
		page("invalid_request", err.Error())
		return
	}
	respond := func(params url.Values) {
		u, _ := url.Parse(redirect) // checked by matchRedirect
		v := u.Query()              // the redirect URI's own query stays (RFC 6749 §3.1.2)
		for k, vs := range params {
			v[k] = vs
		}
		if q.Has("state") {
			v.Set("state", q.Get("state"))
		}
		v.Set("iss", a.issuer) // RFC 9207 §2
		u.RawQuery = v.Encode()
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, u.String(), http.StatusFound)
	}
	fail := func(code, desc string) {
		respond(url.Values{"error": {code}, "error_description": {desc}})
	}
	for p, vs := range q {
		if len(vs) > 1 && p != "resource" {
			fail("invalid_request", p+" is repeated")
			return
		}
	}
	switch {
	case q.Get("response_type") != "code":
		fail("unsupported_response_type", "only response_type=code is supported")
		return
	case q.Get("code_challenge") == "":
		fail("invalid_request", "code_challenge is required (PKCE, RFC 7636)")
		return
	case q.Get("code_challenge_method") != "S256":
		fail("invalid_request", "code_challenge_method must be S256")
		return
	case !isS256Challenge(q.Get("code_challenge")):
		fail("invalid_request", "code_challenge is not a base64url SHA-256 digest")
		return
	}
	scopes := strings.Fields(q.Get("scope"))
	if len(scopes) == 0 {
		scopes = []string{demoScope} // RFC 6749 §3.3: the server's default
	}
	for _, s := range scopes {
		if !slices.Contains(scopesSupported, s) {
			fail("invalid_scope", "unknown scope "+s)
			return
		}
	}
	resource, rerr := a.checkResource(q["resource"], "")
	if rerr != nil {
		fail(rerr.Code, rerr.Description)
		return
	}
	code := newSecret("demo-code-")
	now := time.Now()
	a.mu.Lock()
	prune(a.codes, now, func(c *demoCode) time.Time { return c.expires })
	full := len(a.codes) >= maxEntries
	if !full {
		a.codes[code] = &demoCode{
			clientID: q.Get("client_id"), redirectURI: redirect, redirectGiven: q.Has("redirect_uri"),
			challenge: q.Get("code_challenge"), scopes: scopes, resource: resource, expires: now.Add(codeTTL),
		}
	}
	a.mu.Unlock()
	if full {
		fail("temporarily_unavailable", "too many sign-ins in progress")
		return
	}
	respond(url.Values{"code": {code}})
}

// checkResource applies RFC 8707 to the resource parameters of a request:
// at most one, and it must be the demo's MCP endpoint (or, when granted
// says which, that one). No parameter means the one resource there is.
func (a *AuthServer) checkResource(rs []string, granted string) (string, *oauthError) {
	want := a.resource
	if granted != "" {
		want = granted
	}
	switch {
	case len(rs) > 1:
		return "", oauthErr("invalid_target", "one resource per request")
	case len(rs) == 1 && rs[0] != want:
		return "", oauthErr("invalid_target", "unknown resource "+rs[0]+"; this server issues tokens for "+want)
	}
	return want, nil
}

// isS256Challenge: BASE64URL(SHA256(verifier)) without padding is 43
// characters of the base64url alphabet (RFC 7636 §4.2).
func isS256Challenge(c string) bool {
	b, err := base64.RawURLEncoding.DecodeString(c)
	return err == nil && len(c) == 43 && len(b) == sha256.Size
}

// isVerifier: 43 to 128 unreserved characters (RFC 7636 §4.1).
func isVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for _, r := range v {
		if !('A' <= r && r <= 'Z' || 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || strings.ContainsRune("-._~", r)) {
			return false
		}
	}
	return true
}

// token is the token endpoint (RFC 6749 §3.2, §4.1.3, §6). Clients are
// public: client_id in the body identifies them, no secret.
func (a *AuthServer) token(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	if err := r.ParseForm(); err != nil {
		writeDoc(w, http.StatusBadRequest, oauthErr("invalid_request", "the body is not a form"))
		return
	}
	f := r.PostForm // never the query (RFC 6749 §3.2)
	for p, vs := range f {
		if len(vs) > 1 && p != "resource" {
			writeDoc(w, http.StatusBadRequest, oauthErr("invalid_request", p+" is repeated"))
			return
		}
	}
	clientID := f.Get("client_id")
	if clientID == "" {
		if user, _, ok := r.BasicAuth(); ok {
			clientID, _ = url.QueryUnescape(user) // RFC 6749 §2.3.1 form-encodes it
		}
	}
	resp, status, oerr := a.issue(clientID, f)
	if oerr != nil {
		writeDoc(w, status, oerr)
		return
	}
	w.Header().Set("Pragma", "no-cache")
	writeDoc(w, http.StatusOK, resp)
}

// issue checks a token request and returns the token response, or the
// error and its status.
func (a *AuthServer) issue(clientID string, f url.Values) (map[string]any, int, *oauthError) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c, ok := a.clients[clientID]
	if !ok {
		return nil, http.StatusUnauthorized, oauthErr("invalid_client", "unknown client_id")
	}
	var (
		scopes   []string
		resource string
		oerr     *oauthError
	)
	switch f.Get("grant_type") {
	case "authorization_code":
		scopes, resource, oerr = a.redeemCode(clientID, f)
	case "refresh_token":
		if !c.refresh {
			oerr = oauthErr("unauthorized_client", "the client did not register the refresh_token grant")
			break
		}
		scopes, resource, oerr = a.redeemRefresh(clientID, f)
	case "":
		oerr = oauthErr("invalid_request", "grant_type is required")
	default:
		oerr = oauthErr("unsupported_grant_type", "grant_type "+f.Get("grant_type")+" is not supported")
	}
	if oerr != nil {
		return nil, http.StatusBadRequest, oerr
	}
	now := time.Now()
	prune(a.access, now, func(t *demoToken) time.Time { return t.expires })
	if len(a.access) >= maxEntries || len(a.refresh) >= maxEntries {
		return nil, http.StatusServiceUnavailable, oauthErr("temporarily_unavailable", "too many tokens issued; restart the demo")
	}
	at := newSecret("demo-at-")
	a.access[at] = &demoToken{clientID: clientID, scopes: scopes, resource: resource, expires: now.Add(accessTTL)}
	resp := map[string]any{
		"access_token": at,
		"token_type":   "Bearer",
		"expires_in":   int(accessTTL / time.Second),
		"scope":        strings.Join(scopes, " "),
	}
	if c.refresh {
		rt := newSecret("demo-rt-")
		a.refresh[rt] = &demoToken{clientID: clientID, scopes: scopes, resource: resource}
		resp["refresh_token"] = rt
	}
	return resp, http.StatusOK, nil
}

// redeemCode checks an authorization_code grant (RFC 6749 §4.1.3, RFC 7636
// §4.6) and spends the code, whatever the outcome: a code is tried once.
// a.mu is held.
func (a *AuthServer) redeemCode(clientID string, f url.Values) ([]string, string, *oauthError) {
	code, ok := a.codes[f.Get("code")]
	delete(a.codes, f.Get("code"))
	verifier := f.Get("code_verifier")
	switch {
	case f.Get("code") == "":
		return nil, "", oauthErr("invalid_request", "code is required")
	case !ok || !time.Now().Before(code.expires):
		return nil, "", oauthErr("invalid_grant", "the code is unknown, used or expired")
	case code.clientID != clientID:
		return nil, "", oauthErr("invalid_grant", "the code was issued to another client")
	case code.redirectGiven && f.Get("redirect_uri") != code.redirectURI,
		!code.redirectGiven && f.Has("redirect_uri") && f.Get("redirect_uri") != code.redirectURI:
		return nil, "", oauthErr("invalid_grant", "redirect_uri differs from the authorization request's")
	case verifier == "":
		return nil, "", oauthErr("invalid_request", "code_verifier is required (PKCE)")
	case !isVerifier(verifier):
		return nil, "", oauthErr("invalid_grant", "code_verifier is not 43 to 128 unreserved characters")
	}
	sum := sha256.Sum256([]byte(verifier))
	if subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(code.challenge)) != 1 {
		return nil, "", oauthErr("invalid_grant", "code_verifier does not match the code_challenge")
	}
	resource, oerr := a.checkResource(f["resource"], code.resource)
	if oerr != nil {
		return nil, "", oerr
	}
	return code.scopes, resource, nil
}

// redeemRefresh checks a refresh_token grant (RFC 6749 §6) and spends the
// refresh token: the response carries a new one (rotation). A narrower
// scope may be asked for, never a wider one. a.mu is held.
func (a *AuthServer) redeemRefresh(clientID string, f url.Values) ([]string, string, *oauthError) {
	rt, ok := a.refresh[f.Get("refresh_token")]
	switch {
	case f.Get("refresh_token") == "":
		return nil, "", oauthErr("invalid_request", "refresh_token is required")
	case !ok:
		return nil, "", oauthErr("invalid_grant", "the refresh token is unknown or already used")
	case rt.clientID != clientID:
		return nil, "", oauthErr("invalid_grant", "the refresh token was issued to another client")
	}
	scopes := rt.scopes
	if s := strings.Fields(f.Get("scope")); len(s) > 0 {
		for _, x := range s {
			if !slices.Contains(rt.scopes, x) {
				return nil, "", oauthErr("invalid_scope", "scope "+x+" was not granted")
			}
		}
		scopes = s
	}
	resource, oerr := a.checkResource(f["resource"], rt.resource)
	if oerr != nil {
		return nil, "", oerr
	}
	delete(a.refresh, f.Get("refresh_token"))
	return scopes, resource, nil
}

// prune drops the entries of m whose time has come.
func prune[T any](m map[string]T, now time.Time, expires func(T) time.Time) {
	for k, v := range m {
		if !now.Before(expires(v)) {
			delete(m, k)
		}
	}
}

// protect guards the demo's MCP endpoint as an MCP server guards itself
// (MCP authorization §Access Token Usage, RFC 6750 §3, RFC 9728 §5.1): no
// bearer token gets 401 with the resource metadata URL and the scope; an
// unknown, expired or other resource's token gets 401 invalid_token; one
// without demo:read gets 403 insufficient_scope.
func (a *AuthServer) protect(next http.Handler) http.Handler {
	prm := a.issuer + resourceMetadataPath
	challenge := func(w http.ResponseWriter, status int, code, desc string) {
		h := `Bearer resource_metadata="` + prm + `", scope="` + demoScope + `"`
		if code != "" {
			h = `Bearer error="` + code + `", resource_metadata="` + prm + `", scope="` + demoScope + `", error_description="` + desc + `"`
		}
		w.Header().Set("WWW-Authenticate", h)
		http.Error(w, http.StatusText(status), status)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		tok = strings.TrimSpace(tok)
		if !strings.EqualFold(scheme, "Bearer") || tok == "" {
			challenge(w, http.StatusUnauthorized, "", "") // no error code without credentials (RFC 6750 §3.1)
			return
		}
		a.mu.Lock()
		at, ok := a.access[tok]
		a.mu.Unlock()
		switch {
		case !ok || !time.Now().Before(at.expires):
			challenge(w, http.StatusUnauthorized, "invalid_token", "the access token is unknown or expired")
		case at.resource != a.resource:
			challenge(w, http.StatusUnauthorized, "invalid_token", "the access token is for another resource")
		case !slices.Contains(at.scopes, demoScope):
			challenge(w, http.StatusForbidden, "insufficient_scope", "the access token lacks "+demoScope)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// Browse plays the user's browser for the tour: it opens authorizeURL,
// which must be this server's authorization endpoint, and follows the
// redirect to the client's loopback redirect URI. It fails when the server
// refuses without redirecting or when the redirect URI answers an error.
// Its signature fits a bridge's "open the browser" hook.
func (a *AuthServer) Browse(ctx context.Context, authorizeURL string) error {
	if !strings.HasPrefix(authorizeURL, a.AuthorizeURL()+"?") {
		return fmt.Errorf("demo: %s is not the demo's authorization endpoint", authorizeURL)
	}
	redirects := 0
	client := &http.Client{
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
		Timeout:   30 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return errors.New("stopped after 5 redirects")
			}
			if !netrule.IsLoopback(req.URL.Hostname()) {
				return fmt.Errorf("refusing to follow a redirect off this machine: %s", req.URL.Redacted())
			}
			redirects++
			return nil
		},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authorizeURL, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("demo: the sign-in page: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	switch {
	case redirects == 0:
		return fmt.Errorf("demo: the authorization server did not approve: HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
	case resp.StatusCode >= 400:
		return fmt.Errorf("demo: the redirect URI answered HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return nil
}
