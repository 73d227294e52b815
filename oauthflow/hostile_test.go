package oauthflow_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpbridge/mcpbridge/oauthflow"
)

// hostile is an MCP server and authorization server in one that says
// whatever a test makes it say: metadata fields, endpoint answers. Its
// authorization endpoint redirects back with a code, the right state and
// iss, unless authorizeQuery overrides them.
type hostile struct {
	srv *httptest.Server
	mu  sync.Mutex
	// prm and as are the metadata documents, merged over honest ones.
	prm, as map[string]any
	// token, register, device answer those endpoints (nil: honest).
	token, register, device http.HandlerFunc
	// authorizeQuery, when set, replaces parameters of the redirect.
	authorizeQuery url.Values
	// redirect, when set, is a path answered with a redirect to plain
	// http on another host.
	redirect       string
	redirectStatus int
	// noPRM: no protected resource metadata (a 2025-03-26 server).
	noPRM bool
	// got is every request's URL and form, as received.
	got []string
}

func newHostile(t *testing.T) *hostile {
	t.Helper()
	h := &hostile{}
	h.srv = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hostile) base() string { return h.srv.URL }

func (h *hostile) set(f func(h *hostile)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f(h)
}

func (h *hostile) serve(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	b := h.base()
	_ = r.ParseForm()
	h.got = append(h.got, r.URL.String()+" "+r.Form.Encode())
	if r.URL.Path == h.redirect {
		http.Redirect(w, r, "http://evil.example/steal", h.redirectStatus)
		return
	}
	switch r.URL.Path {
	case "/mcp":
		w.Header().Set("WWW-Authenticate", `Bearer resource_metadata="`+b+`/.well-known/oauth-protected-resource/mcp"`)
		w.WriteHeader(http.StatusUnauthorized)
	case "/.well-known/oauth-protected-resource/mcp":
		if h.noPRM {
			http.NotFound(w, r)
			return
		}
		writeDoc(w, map[string]any{"resource": b + "/mcp", "authorization_servers": []string{b}}, h.prm)
	case "/.well-known/oauth-authorization-server":
		writeDoc(w, map[string]any{"issuer": b, "authorization_endpoint": b + "/authorize", "token_endpoint": b + "/token",
			"registration_endpoint": b + "/register", "device_authorization_endpoint": b + "/device",
			"code_challenge_methods_supported": []string{"S256"}, "authorization_response_iss_parameter_supported": true,
			"token_endpoint_auth_methods_supported": []string{"none"}}, h.as)
	case "/authorize":
		q := r.URL.Query()
		back := url.Values{"code": {"c0de"}, "state": {q.Get("state")}, "iss": {b}}
		for k, v := range h.authorizeQuery {
			back[k] = v
		}
		http.Redirect(w, r, q.Get("redirect_uri")+"?"+back.Encode(), http.StatusFound)
	case "/register":
		orDefault(h.register, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(`{"client_id":"c1","token_endpoint_auth_method":"none"}`))
		})(w, r)
	case "/token":
		orDefault(h.token, func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"access_token":"at","token_type":"Bearer","expires_in":3600}`))
		})(w, r)
	case "/device":
		orDefault(h.device, func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"device_code":"dc","user_code":"UC","verification_uri":"` + b + `/verify"}`))
		})(w, r)
	default:
		http.NotFound(w, r)
	}
}

func orDefault(h, def http.HandlerFunc) http.HandlerFunc {
	if h != nil {
		return h
	}
	return def
}

func writeDoc(w http.ResponseWriter, doc, over map[string]any) {
	for k, v := range over {
		doc[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(doc)
}

// recorder remembers every request the flow's HTTP client made.
type recorder struct {
	mu   sync.Mutex
	urls []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.urls = append(r.urls, req.URL.String())
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

func (r *recorder) sentTo(host string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, u := range r.urls {
		if strings.Contains(u, host) {
			out = append(out, u)
		}
	}
	return out
}

// watched is a Flow against a hostile server with everything it says
// kept: notices, log records, requests, what was opened.
type watched struct {
	*oauthflow.Flow
	dir     string
	rec     *recorder
	mu      sync.Mutex
	notices []string
	opened  []string
	log     *bytes.Buffer
}

func (w *watched) lines() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.notices, "\n") + "\n" + w.log.String()
}

func (w *watched) noticeText() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.notices, "\n")
}

func (w *watched) openedURLs() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.opened...)
}

// watch builds the Flow for server. Its browser follows the authorization
// URL's redirects, as a browser would.
func watch(t *testing.T, server string, mutate func(*oauthflow.Config)) *watched {
	t.Helper()
	w := &watched{dir: t.TempDir(), rec: &recorder{}, log: &bytes.Buffer{}}
	var logMu sync.Mutex
	u, err := url.Parse(server)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: w.rec, Timeout: 5 * time.Second}
	cfg := oauthflow.Config{
		Server: u, HTTP: hc, Store: filesIn(t, w.dir),
		Log:    slog.New(slog.NewTextHandler(lockedWriter{&logMu, w.log}, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Notify: func(msg string) { w.mu.Lock(); w.notices = append(w.notices, msg); w.mu.Unlock() },
		Open: func(target string) error {
			w.mu.Lock()
			w.opened = append(w.opened, target)
			w.mu.Unlock()
			go func() {
				if resp, err := http.Get(target); err == nil {
					resp.Body.Close()
				}
			}()
			return nil
		},
		CallbackPorts: []int{0},
		AuthTimeout:   5 * time.Second,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	w.Flow, err = oauthflow.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// TestHostileURLsAreRefusedByField: a URL in a metadata document, a
// challenge or a device authorization answer that breaks the network rule
// refuses the sign-in, with an error naming the field, before anything is
// opened, printed or sent there.
func TestHostileURLsAreRefusedByField(t *testing.T) {
	const evil = "evil.example"
	tests := []struct {
		name, field string
		device      bool
		setup       func(h *hostile)
	}{
		{"authorization_endpoint javascript:", "authorization_endpoint", false, func(h *hostile) {
			h.as = map[string]any{"authorization_endpoint": "javascript:alert(1)//"}
		}},
		{"authorization_endpoint file:", "authorization_endpoint", false, func(h *hostile) {
			h.as = map[string]any{"authorization_endpoint": "file:///etc/passwd"}
		}},
		{"authorization_endpoint UNC", "authorization_endpoint", false, func(h *hostile) {
			h.as = map[string]any{"authorization_endpoint": `\\evil.example\share\x.exe`}
		}},
		{"token_endpoint in clear text", "token_endpoint", false, func(h *hostile) {
			h.as = map[string]any{"token_endpoint": "http://" + evil + "/token"}
		}},
		{"registration_endpoint in clear text", "registration_endpoint", false, func(h *hostile) {
			h.as = map[string]any{"registration_endpoint": "http://" + evil + "/register"}
		}},
		{"revocation_endpoint with user info", "revocation_endpoint", false, func(h *hostile) {
			h.as = map[string]any{"revocation_endpoint": "https://u:p@" + evil + "/revoke"}
		}},
		{"device_authorization_endpoint", "device_authorization_endpoint", true, func(h *hostile) {
			h.as = map[string]any{"device_authorization_endpoint": "http://" + evil + "/device"}
		}},
		{"authorization_servers", "authorization_servers", false, func(h *hostile) {
			h.prm = map[string]any{"authorization_servers": []string{"http://" + evil}}
		}},
		{"resource", "resource", false, func(h *hostile) {
			h.prm = map[string]any{"resource": h.base() + "/mcp#x"}
		}},
		{"verification_uri", "verification_uri", true, func(h *hostile) {
			h.device = func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(`{"device_code":"dc","user_code":"UC","verification_uri":"javascript:alert(1)"}`))
			}
		}},
		{"verification_uri_complete", "verification_uri_complete", true, func(h *hostile) {
			h.device = func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(`{"device_code":"dc","user_code":"UC","verification_uri":"` + h.base() + `/v","verification_uri_complete":"http://` + evil + `/v?c=UC"}`))
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHostile(t)
			h.set(tt.setup)
			w := watch(t, h.base()+"/mcp", func(c *oauthflow.Config) { c.DeviceCode = tt.device })
			err := w.Login(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.field) {
				t.Fatalf("sign-in error %v, want one naming %s", err, tt.field)
			}
			if o := w.openedURLs(); len(o) != 0 {
				t.Errorf("opened %q", o)
			}
			if sent := w.rec.sentTo(evil); len(sent) != 0 {
				t.Errorf("sent to the hostile host: %q", sent)
			}
			if n := w.noticeText(); strings.Contains(n, "javascript:") || strings.Contains(n, evil) {
				t.Errorf("the hostile URL was shown as a link: %s", n)
			}
		})
	}
}

// TestHostileChallengeResourceMetadata: a WWW-Authenticate challenge
// naming resource_metadata in clear text to another host is refused by
// name, and nothing is fetched from there.
func TestHostileChallengeResourceMetadata(t *testing.T) {
	h := newHostile(t)
	w := watch(t, h.base()+"/mcp", nil)
	resp := &http.Response{StatusCode: http.StatusUnauthorized, Header: http.Header{
		"Www-Authenticate": {`Bearer resource_metadata="http://evil.example/.well-known/oauth-protected-resource"`}}}
	err := w.Refused(context.Background(), resp)
	if err == nil || !strings.Contains(err.Error(), "resource_metadata") {
		t.Fatalf("error %v, want one naming resource_metadata", err)
	}
	if sent := w.rec.sentTo("evil.example"); len(sent) != 0 || len(w.openedURLs()) != 0 {
		t.Errorf("fetched %q, opened %q", sent, w.openedURLs())
	}
}

// TestHostileAuthorizeURLIsReserialized: the link opened and printed is
// the re-serialized authorization endpoint with its own query kept.
func TestHostileAuthorizeURLIsReserialized(t *testing.T) {
	h := newHostile(t)
	h.set(func(h *hostile) { h.as = map[string]any{"authorization_endpoint": h.base() + "/authorize?tenant=a"} })
	w := watch(t, h.base()+"/mcp", nil)
	if err := w.Login(context.Background()); err != nil {
		t.Fatal(err)
	}
	o := w.openedURLs()
	if len(o) != 1 || !strings.HasPrefix(o[0], h.base()+"/authorize?tenant=a&") {
		t.Fatalf("opened %q", o)
	}
	if !strings.Contains(w.lines(), o[0]) {
		t.Errorf("the printed link is not the opened one: %s", w.lines())
	}
}

// TestForgedCallbackDoesNotEndTheSignIn: a page that fires a callback
// with another state at the redirect URI before the user comes back gets
// 400, and the sign-in completes with the real response; with the right
// state and a wrong iss it fails (RFC 9207).
func TestForgedCallbackDoesNotEndTheSignIn(t *testing.T) {
	h := newHostile(t)
	var forged []int
	forge := func(target, state string) {
		u, _ := url.Parse(target)
		redirect := u.Query().Get("redirect_uri")
		for _, q := range []string{"?code=evil&state=" + state, "?code=evil"} {
			resp, err := http.Get(strings.Replace(redirect, "localhost", "127.0.0.1", 1) + q)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			forged = append(forged, resp.StatusCode)
		}
	}
	w := watch(t, h.base()+"/mcp", func(c *oauthflow.Config) {
		c.Open = func(target string) error {
			forge(target, "not-the-state")
			go func() {
				if resp, err := http.Get(target); err == nil {
					resp.Body.Close()
				}
			}()
			return nil
		}
	})
	if err := w.Login(context.Background()); err != nil {
		t.Fatalf("a forged callback ended the sign-in: %v", err)
	}
	if len(forged) != 2 || forged[0] != http.StatusBadRequest || forged[1] != http.StatusBadRequest {
		t.Errorf("forged callbacks answered %v, want 400s", forged)
	}
	h.set(func(h *hostile) { h.authorizeQuery = url.Values{"iss": {"https://other.example"}} })
	if err := w.Login(context.Background()); !errors.Is(err, oauthflow.ErrIssMismatch) {
		t.Errorf("right state, wrong iss: %v, want ErrIssMismatch", err)
	}
}

// TestHostileRedirectsAreNotFollowed: a metadata document or an endpoint
// that redirects to plain http elsewhere is refused, and nothing is sent
// there.
func TestHostileRedirectsAreNotFollowed(t *testing.T) {
	for _, path := range []string{"/.well-known/oauth-authorization-server", "/register", "/token"} {
		for _, status := range []int{http.StatusFound, http.StatusTemporaryRedirect} {
			t.Run(fmt.Sprint(path, status), func(t *testing.T) {
				h := newHostile(t)
				h.set(func(h *hostile) { h.redirect, h.redirectStatus = path, status })
				w := watch(t, h.base()+"/mcp", nil)
				err := w.Login(context.Background())
				// A 307 with a body is not even tried by net/http (the body
				// cannot be sent again); a 302 reaches the rule.
				if err == nil || status == http.StatusFound && !strings.Contains(err.Error(), "refusing redirect") {
					t.Fatalf("err %v, want the redirect refused", err)
				}
				if sent := w.rec.sentTo("evil.example"); len(sent) != 0 {
					t.Errorf("followed to %q", sent)
				}
			})
		}
	}
}
