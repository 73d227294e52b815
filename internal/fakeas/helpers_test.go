package fakeas

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The tests drive the server by hand with net/http, as an OAuth client
// would, so that they check the wire and not the fake's own helpers.

const (
	redirectURI = "http://127.0.0.1:33418/callback"
	mcpResource = "https://mcp.example.com/mcp"
)

func newServer(t *testing.T, o Options) *Server {
	t.Helper()
	s := New(o)
	t.Cleanup(s.Close)
	return s
}

// pkce returns a verifier and its S256 challenge (RFC 7636 §4.1, §4.2).
func pkce() (verifier, challenge string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	verifier = base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

type answer struct {
	Status int
	Header http.Header
	JSON   map[string]any
	Body   string
}

func (a answer) str(k string) string { s, _ := a.JSON[k].(string); return s }

func do(t *testing.T, req *http.Request) answer {
	t.Helper()
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(b, &a.JSON); err != nil {
			t.Fatalf("%s: bad JSON %q: %v", req.URL, b, err)
		}
	}
	return a
}

func get(t *testing.T, u string) answer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	return do(t, req)
}

func postJSON(t *testing.T, u string, v any) answer {
	t.Helper()
	b, _ := json.Marshal(v)
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	return do(t, req)
}

// postForm posts a form; basic, when set, is "id:secret" for HTTP Basic.
func postForm(t *testing.T, u string, f url.Values, basic ...string) answer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if len(basic) > 0 {
		id, secret, _ := strings.Cut(basic[0], ":")
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	return do(t, req)
}

// register registers a public client with redirectURI.
func register(t *testing.T, s *Server, extra map[string]any) answer {
	t.Helper()
	md := map[string]any{
		"client_name":                "test",
		"redirect_uris":              []string{redirectURI},
		"token_endpoint_auth_method": "none",
		"grant_types":                []string{"authorization_code", "refresh_token"},
		"application_type":           "native",
	}
	for k, v := range extra {
		if v == nil {
			delete(md, k)
		} else {
			md[k] = v
		}
	}
	return postJSON(t, s.RegisterURL(), md)
}

func publicClient(t *testing.T, s *Server) string {
	t.Helper()
	a := register(t, s, nil)
	if a.Status != http.StatusCreated {
		t.Fatalf("register: %d %s", a.Status, a.Body)
	}
	return a.str("client_id")
}

// authRequest builds authorization request parameters; overrides with an
// empty value delete the parameter.
func authRequest(clientID, challenge string, over url.Values) url.Values {
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {clientID},
		"redirect_uri":          {redirectURI},
		"code_challenge":        {challenge},
		"code_challenge_method": {"S256"},
		"state":                 {"xyz"},
		"scope":                 {"mcp:read offline_access"},
		"resource":              {mcpResource},
	}
	return apply(q, over)
}

// authorize sends the request and returns the answer and, when it
// redirected, the redirect's query.
func authorize(t *testing.T, s *Server, q url.Values) (answer, url.Values) {
	t.Helper()
	a := get(t, s.AuthorizeURL()+"?"+q.Encode())
	if a.Status != http.StatusFound {
		return a, nil
	}
	loc, err := url.Parse(a.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return a, loc.Query()
}

// code runs an authorization request that must succeed and returns the
// code.
func code(t *testing.T, s *Server, clientID, challenge string, over url.Values) string {
	t.Helper()
	a, q := authorize(t, s, authRequest(clientID, challenge, over))
	if q == nil || q.Get("code") == "" {
		t.Fatalf("authorize: %d %s %v", a.Status, a.Body, q)
	}
	return q.Get("code")
}

func exchange(clientID, code, verifier string, over url.Values) url.Values {
	f := url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {redirectURI},
		"code_verifier": {verifier},
		"client_id":     {clientID},
		"resource":      {mcpResource},
	}
	return apply(f, over)
}

// apply sets over's values in f; an empty value deletes the parameter.
func apply(f, over url.Values) url.Values {
	for k, v := range over {
		f[k] = v
	}
	for k, v := range f {
		if len(v) == 0 || v[0] == "" {
			f.Del(k)
		}
	}
	return f
}

func refreshForm(clientID, rt string, over url.Values) url.Values {
	f := url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {rt},
		"client_id":     {clientID},
		"resource":      {mcpResource},
	}
	return apply(f, over)
}

// signIn runs registration, authorization and code exchange for a public
// client and returns the client ID and the token response.
func signIn(t *testing.T, s *Server) (string, answer) {
	t.Helper()
	id := publicClient(t, s)
	v, c := pkce()
	a := postForm(t, s.TokenURL(), exchange(id, code(t, s, id, c, nil), v, nil))
	if a.Status != http.StatusOK {
		t.Fatalf("token: %d %s", a.Status, a.Body)
	}
	return id, a
}

func wantError(t *testing.T, what string, a answer, status int, code string) {
	t.Helper()
	if a.Status != status || a.str("error") != code {
		t.Errorf("%s: got %d %s, want %d %s", what, a.Status, a.Body, status, code)
	}
}
