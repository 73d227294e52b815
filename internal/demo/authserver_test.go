package demo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// oauthDemo is a running ServeOAuth with helpers that play the client.
type oauthDemo struct {
	t        *testing.T
	mcp      string // the MCP endpoint
	as       *AuthServer
	redirect string // the test client's registered redirect URI
}

func startOAuth(t *testing.T) *oauthDemo {
	t.Helper()
	mcp, as, stop, err := ServeOAuth()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return &oauthDemo{t: t, mcp: mcp, as: as, redirect: "http://127.0.0.1:7777/callback"}
}

type reply struct {
	Status int
	Header http.Header
	Body   string
	JSON   map[string]any
}

// noRedirect does not follow redirects, so the authorization response's
// Location can be read.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func (d *oauthDemo) do(req *http.Request) reply {
	d.t.Helper()
	resp, err := noRedirect.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := reply{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
	_ = json.Unmarshal(b, &r.JSON)
	return r
}

func (d *oauthDemo) get(u string) reply {
	d.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	return d.do(req)
}

func (d *oauthDemo) postJSON(u string, v any) reply {
	d.t.Helper()
	b, _ := json.Marshal(v)
	req, _ := http.NewRequest(http.MethodPost, u, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	return d.do(req)
}

func (d *oauthDemo) postForm(u string, form url.Values) reply {
	d.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return d.do(req)
}

// mcpCall POSTs initialize to the MCP endpoint with token ("" for none).
func (d *oauthDemo) mcpCall(token string) reply {
	d.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, d.mcp, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}`))
	req.Header.Set("Accept", "application/json, text/event-stream")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return d.do(req)
}

func (d *oauthDemo) register(meta map[string]any) string {
	d.t.Helper()
	if meta == nil {
		meta = map[string]any{"redirect_uris": []string{d.redirect}, "grant_types": []string{"authorization_code", "refresh_token"},
			"token_endpoint_auth_method": "none", "client_name": "test"}
	}
	r := d.postJSON(d.as.issuer+"/register", meta)
	if r.Status != http.StatusCreated {
		d.t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	return r.JSON["client_id"].(string)
}

func pkce(verifier string) (string, string) {
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

var verifier, challenge = pkce(strings.Repeat("v", 43))

func (d *oauthDemo) authQuery(clientID string, extra url.Values) url.Values {
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {d.redirect},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"}, "state": {"st-1"},
		"scope": {"demo:read offline_access"}, "resource": {d.mcp}}
	for k, v := range extra {
		if v == nil {
			q.Del(k)
		} else {
			q[k] = v
		}
	}
	return q
}

// authorize sends an authorization request and returns the reply and, for
// a redirect, the query it carries.
func (d *oauthDemo) authorize(q url.Values) (reply, url.Values) {
	d.t.Helper()
	r := d.get(d.as.AuthorizeURL() + "?" + q.Encode())
	if r.Status != http.StatusFound {
		return r, nil
	}
	loc, err := url.Parse(r.Header.Get("Location"))
	if err != nil {
		d.t.Fatal(err)
	}
	return r, loc.Query()
}

func (d *oauthDemo) code(clientID string) string {
	d.t.Helper()
	_, cb := d.authorize(d.authQuery(clientID, nil))
	if cb.Get("code") == "" {
		d.t.Fatalf("no code: %v", cb)
	}
	return cb.Get("code")
}

func (d *oauthDemo) exchange(clientID, code, verifier string) reply {
	d.t.Helper()
	return d.postForm(d.as.issuer+"/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {d.redirect}, "code_verifier": {verifier}, "client_id": {clientID}, "resource": {d.mcp}})
}

// TestOAuthDemoSignIn is the whole sign-in by hand, as mcpbridge does it:
// 401, both metadata documents, registration, authorization with PKCE,
// the code exchange, the bearer check, a rotating refresh.
func TestOAuthDemoSignIn(t *testing.T) {
	d := startOAuth(t)
	base := strings.TrimSuffix(d.mcp, "/mcp")

	r := d.mcpCall("")
	prm := base + "/.well-known/oauth-protected-resource/mcp"
	if r.Status != http.StatusUnauthorized || r.Header.Get("WWW-Authenticate") != `Bearer resource_metadata="`+prm+`", scope="demo:read"` {
		t.Fatalf("no token: %d %q", r.Status, r.Header.Get("WWW-Authenticate"))
	}
	r = d.get(prm)
	if r.Status != 200 || r.JSON["resource"] != d.mcp || !sameList(r.JSON["authorization_servers"], base) {
		t.Fatalf("resource metadata: %d %s", r.Status, r.Body)
	}
	r = d.get(base + "/.well-known/oauth-authorization-server")
	if r.Status != 200 || r.JSON["issuer"] != base || r.JSON["token_endpoint"] != base+"/token" ||
		r.JSON["registration_endpoint"] != base+"/register" || r.JSON["authorization_endpoint"] != d.as.AuthorizeURL() ||
		!sameList(r.JSON["code_challenge_methods_supported"], "S256") || r.JSON["authorization_response_iss_parameter_supported"] != true {
		t.Fatalf("metadata: %d %s", r.Status, r.Body)
	}

	id := d.register(nil)
	resp, cb := d.authorize(d.authQuery(id, nil))
	if resp.Status != http.StatusFound || cb.Get("state") != "st-1" || cb.Get("iss") != base || cb.Get("code") == "" {
		t.Fatalf("authorize: %d %s %v", resp.Status, resp.Header.Get("Location"), cb)
	}
	if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, d.redirect+"?") {
		t.Errorf("redirected to %s, want the registered redirect URI", loc)
	}

	// A wrong verifier fails, and spends the code.
	if r := d.exchange(id, cb.Get("code"), strings.Repeat("w", 43)); r.Status != 400 || r.JSON["error"] != "invalid_grant" {
		t.Errorf("wrong verifier: %d %s", r.Status, r.Body)
	}
	if r := d.exchange(id, cb.Get("code"), verifier); r.Status != 400 || r.JSON["error"] != "invalid_grant" {
		t.Errorf("a spent code: %d %s", r.Status, r.Body)
	}

	code := d.code(id)
	tok := d.exchange(id, code, verifier)
	if tok.Status != 200 || tok.JSON["token_type"] != "Bearer" || tok.JSON["expires_in"] != float64(3600) ||
		tok.JSON["scope"] != "demo:read offline_access" || tok.JSON["refresh_token"] == nil || tok.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("token: %d %s", tok.Status, tok.Body)
	}
	if r := d.exchange(id, code, verifier); r.Status != 400 || r.JSON["error"] != "invalid_grant" {
		t.Errorf("a code used twice: %d %s", r.Status, r.Body)
	}
	at, rt := tok.JSON["access_token"].(string), tok.JSON["refresh_token"].(string)
	if r := d.mcpCall(at); r.Status != 200 || !strings.Contains(r.Body, "mcpbridge-demo") {
		t.Fatalf("initialize with the token: %d %s", r.Status, r.Body)
	}
	if r := d.mcpCall(at + "x"); r.Status != 401 || !strings.Contains(r.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Errorf("a wrong token: %d %q", r.Status, r.Header.Get("WWW-Authenticate"))
	}

	refresh := func(rt string, extra url.Values) reply {
		f := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {id}}
		for k, v := range extra {
			f[k] = v
		}
		return d.postForm(base+"/token", f)
	}
	if r := refresh(rt, url.Values{"scope": {"demo:read demo:write"}}); r.Status != 400 || r.JSON["error"] != "invalid_scope" {
		t.Errorf("a wider scope on refresh: %d %s", r.Status, r.Body)
	}
	if r := refresh(rt, url.Values{"resource": {"http://127.0.0.1:1/other"}}); r.Status != 400 || r.JSON["error"] != "invalid_target" {
		t.Errorf("another resource on refresh: %d %s", r.Status, r.Body)
	}
	r = refresh(rt, nil)
	if r.Status != 200 || r.JSON["refresh_token"] == nil || r.JSON["refresh_token"] == rt {
		t.Fatalf("refresh: %d %s", r.Status, r.Body)
	}
	if r := d.mcpCall(r.JSON["access_token"].(string)); r.Status != 200 {
		t.Errorf("the refreshed token: %d %s", r.Status, r.Body)
	}
	if r := refresh(rt, nil); r.Status != 400 || r.JSON["error"] != "invalid_grant" {
		t.Errorf("a rotated-out refresh token: %d %s", r.Status, r.Body)
	}
}

func sameList(v any, want ...string) bool {
	l, ok := v.([]any)
	if !ok || len(l) != len(want) {
		return false
	}
	for i := range l {
		if l[i] != want[i] {
			return false
		}
	}
	return true
}

// TestOAuthDemoAuthorizeRefuses: before client and redirect URI are known
// good the user gets a page; after, the client gets the error by redirect.
func TestOAuthDemoAuthorizeRefuses(t *testing.T) {
	d := startOAuth(t)
	id := d.register(nil)
	page := map[string]url.Values{
		"unknown client":        {"client_id": {"nobody"}},
		"unregistered redirect": {"redirect_uri": {"http://127.0.0.1:7777/elsewhere"}},
		"non-loopback redirect": {"redirect_uri": {"https://evil.example/callback"}},
		"repeated client_id":    {"client_id": {id, id}},
	}
	for name, extra := range page {
		if r, _ := d.authorize(d.authQuery(id, extra)); r.Status != http.StatusBadRequest || r.Header.Get("Location") != "" {
			t.Errorf("%s: %d, Location %q; want a 400 page", name, r.Status, r.Header.Get("Location"))
		}
	}
	redirected := map[string]struct {
		extra url.Values
		err   string
	}{
		"no PKCE":           {url.Values{"code_challenge": nil, "code_challenge_method": nil}, "invalid_request"},
		"plain PKCE":        {url.Values{"code_challenge_method": {"plain"}}, "invalid_request"},
		"short challenge":   {url.Values{"code_challenge": {"abc"}}, "invalid_request"},
		"token response":    {url.Values{"response_type": {"token"}}, "unsupported_response_type"},
		"unknown scope":     {url.Values{"scope": {"demo:read admin"}}, "invalid_scope"},
		"another resource":  {url.Values{"resource": {"http://127.0.0.1:1/mcp"}}, "invalid_target"},
		"two resources":     {url.Values{"resource": {d.mcp, d.mcp}}, "invalid_target"},
		"repeated state":    {url.Values{"state": {"a", "b"}}, "invalid_request"},
		"another port (ok)": {url.Values{"redirect_uri": {"http://127.0.0.1:8888/callback"}}, ""},
		"no redirect (ok)":  {url.Values{"redirect_uri": nil}, ""},
	}
	for name, tc := range redirected {
		r, cb := d.authorize(d.authQuery(id, tc.extra))
		if r.Status != http.StatusFound || cb.Get("error") != tc.err || (tc.err == "") != (cb.Get("code") != "") {
			t.Errorf("%s: %d %s, want error %q", name, r.Status, r.Header.Get("Location"), tc.err)
		}
	}
	// The redirect URI's port may differ (RFC 8252 §7.3), but the token
	// request must repeat the one the authorization request used.
	_, cb := d.authorize(d.authQuery(id, url.Values{"redirect_uri": {"http://127.0.0.1:8888/callback"}}))
	if r := d.exchange(id, cb.Get("code"), verifier); r.Status != 400 || r.JSON["error"] != "invalid_grant" {
		t.Errorf("a token request with another redirect_uri: %d %s", r.Status, r.Body)
	}
	// A code is bound to its client.
	other := d.register(nil)
	if r := d.exchange(other, d.code(id), verifier); r.Status != 400 || r.JSON["error"] != "invalid_grant" {
		t.Errorf("another client's code: %d %s", r.Status, r.Body)
	}
}

func TestOAuthDemoRegistration(t *testing.T) {
	d := startOAuth(t)
	bad := map[string]map[string]any{
		"no redirect":       {"client_name": "x"},
		"https redirect":    {"redirect_uris": []string{"https://app.example/cb"}},
		"fragment":          {"redirect_uris": []string{"http://127.0.0.1:1/cb#x"}},
		"implicit grant":    {"redirect_uris": []string{d.redirect}, "grant_types": []string{"implicit"}},
		"refresh only":      {"redirect_uris": []string{d.redirect}, "grant_types": []string{"refresh_token"}},
		"token response":    {"redirect_uris": []string{d.redirect}, "response_types": []string{"token"}},
		"redirects as text": {"redirect_uris": d.redirect},
	}
	for name, meta := range bad {
		if r := d.postJSON(d.as.issuer+"/register", meta); r.Status != 400 || r.JSON["error"] == nil {
			t.Errorf("%s: %d %s", name, r.Status, r.Body)
		}
	}
	// A client that asks for a secret is registered public (RFC 7591
	// §3.2.1: the server may replace a value), and without the
	// refresh_token grant gets no refresh token.
	r := d.postJSON(d.as.issuer+"/register", map[string]any{"redirect_uris": []string{"http://localhost:9/cb"}, "token_endpoint_auth_method": "client_secret_basic"})
	if r.Status != 201 || r.JSON["token_endpoint_auth_method"] != "none" || r.JSON["client_secret"] != nil || !sameList(r.JSON["grant_types"], "authorization_code") {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	id := r.JSON["client_id"].(string)
	d.redirect = "http://localhost:9/cb"
	tok := d.exchange(id, d.code(id), verifier)
	if tok.Status != 200 || tok.JSON["refresh_token"] != nil {
		t.Errorf("token without the refresh grant: %d %s", tok.Status, tok.Body)
	}
	f := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}, "client_id": {id}}
	if r := d.postForm(d.as.issuer+"/token", f); r.JSON["error"] != "unauthorized_client" {
		t.Errorf("refresh without the grant: %d %s", r.Status, r.Body)
	}
	if r := d.postForm(d.as.issuer+"/token", url.Values{"grant_type": {"password"}, "client_id": {id}}); r.JSON["error"] != "unsupported_grant_type" {
		t.Errorf("password grant: %d %s", r.Status, r.Body)
	}
	if r := d.postForm(d.as.issuer+"/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {"nobody"}}); r.Status != 401 || r.JSON["error"] != "invalid_client" {
		t.Errorf("unknown client: %d %s", r.Status, r.Body)
	}
}

// TestOAuthDemoScopeCheck: a token without demo:read gets 403
// insufficient_scope, which tells the client what to ask for.
func TestOAuthDemoScopeCheck(t *testing.T) {
	d := startOAuth(t)
	id := d.register(nil)
	_, cb := d.authorize(d.authQuery(id, url.Values{"scope": {"offline_access"}}))
	tok := d.exchange(id, cb.Get("code"), verifier)
	if tok.Status != 200 {
		t.Fatalf("token: %d %s", tok.Status, tok.Body)
	}
	r := d.mcpCall(tok.JSON["access_token"].(string))
	if h := r.Header.Get("WWW-Authenticate"); r.Status != 403 || !strings.Contains(h, `error="insufficient_scope"`) || !strings.Contains(h, `scope="demo:read"`) {
		t.Errorf("a token without demo:read: %d %q", r.Status, h)
	}
}

// TestOAuthDemoBrowse: Browse follows the approval to the client's
// redirect URI, and opens nothing but the demo's authorization endpoint.
func TestOAuthDemoBrowse(t *testing.T) {
	d := startOAuth(t)
	got := make(chan url.Values, 1)
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.URL.Query()
		_, _ = io.WriteString(w, "Signed in")
	}))
	defer cb.Close()
	d.redirect = cb.URL + "/callback"
	id := d.register(nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.as.Browse(ctx, d.as.AuthorizeURL()+"?"+d.authQuery(id, nil).Encode()); err != nil {
		t.Fatal(err)
	}
	if q := <-got; q.Get("code") == "" || q.Get("state") != "st-1" {
		t.Errorf("the callback got %v", q)
	}
	if err := d.as.Browse(ctx, d.as.AuthorizeURL()+"?"+d.authQuery("nobody", nil).Encode()); err == nil || !strings.Contains(err.Error(), "invalid_client") {
		t.Errorf("an unknown client: %v", err)
	}
	if err := d.as.Browse(ctx, "http://127.0.0.1:1/authorize?x=1"); err == nil {
		t.Error("Browse opened another server's page")
	}
}
