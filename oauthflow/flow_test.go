package oauthflow_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpbridge/mcpbridge/bridge"
	"github.com/mcpbridge/mcpbridge/internal/fakeas"
	"github.com/mcpbridge/mcpbridge/internal/httpclient"
	"github.com/mcpbridge/mcpbridge/oauthflow"
	"github.com/mcpbridge/mcpbridge/tokencache"
)

// mcpEcho answers every JSON-RPC request with {"ok":true,"scopes":[...]}
// and notifications with 202: enough of an MCP server behind the guard.
func mcpEcho(as *fakeas.Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		_ = json.NewDecoder(r.Body).Decode(&m)
		if m.ID == nil {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{"ok":true,"method":%q}}`, m.ID, m.Method)
	})
}

// world is an authorization server and an MCP server it protects.
type world struct {
	as       *fakeas.Server
	mcp      *httptest.Server
	resource string
	dir      string
	// writeScope, when set, is demanded (403 insufficient_scope) for
	// tools/call, on top of mcp:read for everything.
	mu         sync.Mutex
	writeScope bool
}

func newWorld(t *testing.T, opts fakeas.Options) *world {
	t.Helper()
	return newWorldScoped(t, opts, "mcp:read")
}

// newWorldScoped is newWorld whose MCP server demands scopes (in its
// challenge) and names them in its protected resource metadata; with none,
// neither defines a scope.
func newWorldScoped(t *testing.T, opts fakeas.Options, scopes ...string) *world {
	t.Helper()
	w := &world{dir: t.TempDir()}
	w.as = fakeas.New(opts)
	t.Cleanup(w.as.Close)
	mux := http.NewServeMux()
	w.mcp = httptest.NewServer(mux)
	t.Cleanup(w.mcp.Close)
	w.resource = w.mcp.URL + "/mcp"
	prm := fakeas.ResourceMetadataURL(w.resource)
	inner := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.mu.Lock()
		needWrite := w.writeScope && strings.Contains(string(body), `"tools/call"`)
		w.mu.Unlock()
		if needWrite {
			scopes, _, _ := w.as.Validate(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
			if !slices.Contains(scopes, "mcp:write") {
				rw.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope", scope="mcp:read mcp:write", resource_metadata="`+prm+`"`)
				rw.WriteHeader(http.StatusForbidden)
				return
			}
		}
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		mcpEcho(w.as).ServeHTTP(rw, r)
	})
	mux.Handle("/mcp", w.as.ProtectResource(inner, w.resource, prm, scopes...))
	u, _ := url.Parse(prm)
	mux.Handle(u.Path, w.as.ProtectedResourceMetadata(w.resource, scopes))
	return w
}

// flow is one "process": a Flow with its own store handle on the shared dir.
func (w *world) flow(t *testing.T, mutate func(*oauthflow.Config)) *oauthflow.Flow {
	t.Helper()
	u, _ := url.Parse(w.resource)
	cfg := oauthflow.Config{
		Server: u, HTTP: &http.Client{Timeout: 10 * time.Second}, Store: filesIn(t, w.dir),
		Open:          func(u string) error { go func() { _ = w.as.Browse(context.Background(), u) }(); return nil },
		CallbackPorts: []int{0},
		AuthTimeout:   5 * time.Second,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	f, err := oauthflow.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// filesIn is one "process"'s token store on dir, as the bridge opens it:
// in files, on first use.
func filesIn(t *testing.T, dir string) oauthflow.Store {
	t.Helper()
	st, err := tokencache.OpenLazily(tokencache.Options{Dir: dir, Mode: tokencache.File})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// host runs a bridge with auth and sends requests, returning each answer.
type host struct {
	in  io.WriteCloser
	out *bufio.Reader
}

func (w *world) bridge(t *testing.T, auth bridge.Authorizer) *host {
	t.Helper()
	u, _ := url.Parse(w.resource)
	client, _ := httpclient.New(httpclient.Options{})
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan struct{})
	go func() {
		_ = bridge.Run(context.Background(), bridge.Config{URL: u, HTTPClient: client, Auth: auth, ShutdownGrace: 100 * time.Millisecond}, inR, outW)
		close(done)
	}()
	t.Cleanup(func() { inW.Close(); <-done })
	return &host{in: inW, out: bufio.NewReader(outR)}
}

func (h *host) call(t *testing.T, id int, method string) map[string]any {
	t.Helper()
	fmt.Fprintf(h.in, `{"jsonrpc":"2.0","id":%d,"method":%q,"params":{}}`+"\n", id, method)
	got := make(chan string, 1)
	go func() { l, _ := h.out.ReadString('\n'); got <- l }()
	select {
	case l := <-got:
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("answer %q: %v", l, err)
		}
		return m
	case <-time.After(10 * time.Second):
		t.Fatalf("no answer to %s", method)
		return nil
	}
}

func ok(t *testing.T, m map[string]any) {
	t.Helper()
	if m["result"] == nil {
		t.Fatalf("want a result, got %v", m)
	}
}

// TestSignInThenReuseThenRefresh: the first request signs in (one
// registration, one browser visit); a second process reuses the stored
// token without a browser; an expired token is refreshed with the RFC 8707
// resource and scope.
func TestSignInThenReuseThenRefresh(t *testing.T) {
	w := newWorld(t, fakeas.Options{RequireResource: true, ScopesSupported: []string{"mcp:read", "offline_access"}})
	h := w.bridge(t, w.flow(t, nil))
	ok(t, h.call(t, 1, "initialize"))
	ok(t, h.call(t, 2, "tools/list"))
	st := w.as.Stats()
	if st.ClientsRegistered != 1 || st.AuthorizeRequests != 1 || st.TokenRequests["authorization_code"] != 1 {
		t.Fatalf("first run: %+v", st)
	}
	authz := w.as.AuthorizeRequests()[0]
	if !slices.Contains(strings.Fields(authz.Scope), "mcp:read") || !slices.Contains(strings.Fields(authz.Scope), "offline_access") {
		t.Errorf("authorize scope %q, want mcp:read and offline_access", authz.Scope)
	}

	h2 := w.bridge(t, w.flow(t, nil)) // another process, same store
	ok(t, h2.call(t, 1, "initialize"))
	if st := w.as.Stats(); st.AuthorizeRequests != 1 {
		t.Errorf("the second process signed in again: %+v", st)
	}

	w.as.ExpireAccessTokens()
	ok(t, h2.call(t, 2, "tools/list"))
	refreshes := w.as.Refreshes()
	if len(refreshes) != 1 || !slices.Equal(refreshes[0].Resource, []string{oauthflow.CanonicalResource(mustURL(w.resource))}) || !refreshes[0].HasScope {
		t.Fatalf("refreshes %+v, want one with the resource and scope", refreshes)
	}
}

// TestConcurrentRefreshWithRotation: several processes with the same
// expired token and a rotating-refresh-token server refresh once between
// them: no invalid_grant, and all keep working.
func TestConcurrentRefreshWithRotation(t *testing.T) {
	w := newWorld(t, fakeas.Options{RotateRefreshTokens: true})
	ok(t, w.bridge(t, w.flow(t, nil)).call(t, 1, "initialize"))
	w.as.ExpireAccessTokens()
	var hosts []*host
	for i := 0; i < 4; i++ {
		hosts = append(hosts, w.bridge(t, w.flow(t, nil)))
	}
	var wg sync.WaitGroup
	for i, h := range hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok(t, h.call(t, 10+i, "tools/list"))
		}()
	}
	wg.Wait()
	st := w.as.Stats()
	if st.Refreshes != 1 || st.InvalidGrants != 0 || st.AuthorizeRequests != 1 {
		t.Errorf("refreshes %d, invalid_grant %d, sign-ins %d; want 1, 0, 1", st.Refreshes, st.InvalidGrants, st.AuthorizeRequests)
	}
}

// TestStepUpOnInsufficientScope: a 403 insufficient_scope signs in again
// with the union of scopes and the call succeeds.
func TestStepUpOnInsufficientScope(t *testing.T) {
	w := newWorld(t, fakeas.Options{})
	h := w.bridge(t, w.flow(t, nil))
	ok(t, h.call(t, 1, "initialize"))
	w.mu.Lock()
	w.writeScope = true
	w.mu.Unlock()
	ok(t, h.call(t, 2, "tools/call"))
	reqs := w.as.AuthorizeRequests()
	if len(reqs) != 2 || !slices.Contains(strings.Fields(reqs[1].Scope), "mcp:write") || !slices.Contains(strings.Fields(reqs[1].Scope), "mcp:read") {
		t.Fatalf("authorize requests %+v, want a second one with mcp:read and mcp:write", reqs)
	}
	if st := w.as.Stats(); st.ClientsRegistered != 1 {
		t.Errorf("registered %d times, want the registration reused", st.ClientsRegistered)
	}
}

// TestFailedSignInAnswersAndRetries: a refused sign-in answers the request
// with a JSON-RPC error that says so; the next request tries again.
func TestFailedSignInAnswersAndRetries(t *testing.T) {
	w := newWorld(t, fakeas.Options{AuthorizeError: "access_denied"})
	h := w.bridge(t, w.flow(t, nil))
	m := h.call(t, 1, "initialize")
	e, _ := m["error"].(map[string]any)
	if msg, _ := e["message"].(string); !strings.Contains(msg, "sign-in") || !strings.Contains(msg, "access_denied") || !strings.Contains(msg, "mcpbridge login") {
		t.Fatalf("answer %v, want an error naming the refused sign-in and what to run", m)
	}
	w.as.Configure(func(o *fakeas.Options) { o.AuthorizeError = "" })
	ok(t, h.call(t, 2, "initialize"))
}

// TestPreRegisteredClientAndRefusals: --static-oauth-client-info skips
// registration; a server without S256 or with a wrong issuer is refused.
func TestPreRegisteredClientAndRefusals(t *testing.T) {
	w := newWorld(t, fakeas.Options{NoRegistration: true, Clients: []fakeas.Client{{ID: "pre", Secret: "s3", AuthMethod: "client_secret_basic"}}})
	f := w.flow(t, func(c *oauthflow.Config) {
		c.StaticClient = map[string]any{"client_id": "pre", "client_secret": "s3"}
	})
	ok(t, w.bridge(t, f).call(t, 1, "initialize"))
	if st := w.as.Stats(); st.RegisterRequests != 0 {
		t.Errorf("registered despite a pre-registered client: %+v", st)
	}

	for name, opts := range map[string]fakeas.Options{
		"no S256":      {CodeChallengeMethods: []string{"plain"}},
		"wrong issuer": {WrongIssuer: "https://honest.example"},
	} {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t, opts)
			m := w.bridge(t, w.flow(t, nil)).call(t, 1, "initialize")
			if m["error"] == nil {
				t.Fatalf("signed in against a server with %s: %v", name, m)
			}
			if st := w.as.Stats(); st.AuthorizeRequests != 0 {
				t.Errorf("the browser was sent to a server with %s", name)
			}
		})
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// TestClientMetadataDocument: with --client-metadata-url and a server that
// supports Client ID Metadata Documents, the URL is the client_id and
// nothing is registered; without support, registration happens.
func TestClientMetadataDocument(t *testing.T) {
	const doc = "https://client.example/mcpbridge.json"
	for _, supported := range []bool{true, false} {
		t.Run(fmt.Sprint("supported=", supported), func(t *testing.T) {
			w := newWorld(t, fakeas.Options{CIMD: supported})
			f := w.flow(t, func(c *oauthflow.Config) { c.ClientMetadataURL = doc })
			ok(t, w.bridge(t, f).call(t, 1, "initialize"))
			reqs := w.as.AuthorizeRequests()
			st := w.as.Stats()
			if supported && (reqs[0].ClientID != doc || st.RegisterRequests != 0) {
				t.Errorf("client_id %q, registrations %d; want the document URL and none", reqs[0].ClientID, st.RegisterRequests)
			}
			if !supported && (reqs[0].ClientID == doc || st.ClientsRegistered != 1) {
				t.Errorf("client_id %q, registrations %d; want a registered client", reqs[0].ClientID, st.ClientsRegistered)
			}
		})
	}
}

// TestUseIDToken: --use-id-token presents the id token, and says so
// clearly when the server issued none.
func TestUseIDToken(t *testing.T) {
	w := newWorld(t, fakeas.Options{})
	f := w.flow(t, func(c *oauthflow.Config) { c.UseIDToken = true })
	m := w.bridge(t, f).call(t, 1, "initialize")
	e, _ := m["error"].(map[string]any)
	if msg, _ := e["message"].(string); !strings.Contains(msg, "id token") {
		t.Fatalf("answer %v, want an error about the missing id token", m)
	}
}

// TestStaticMetadataScopeWins: a scope in --static-oauth-client-metadata is
// the one asked for (as in mcp-remote), and a step-up adds to it.
func TestStaticMetadataScopeWins(t *testing.T) {
	w := newWorld(t, fakeas.Options{})
	f := w.flow(t, func(c *oauthflow.Config) { c.ClientMetadata = map[string]any{"scope": "mcp:read custom:x"} })
	h := w.bridge(t, f)
	ok(t, h.call(t, 1, "initialize"))
	// offline_access may join: this server advertises it.
	if got := strings.Fields(w.as.AuthorizeRequests()[0].Scope); !slices.Contains(got, "custom:x") || !slices.Contains(got, "mcp:read") {
		t.Errorf("scope %q, want the static metadata's", got)
	}
	w.mu.Lock()
	w.writeScope = true
	w.mu.Unlock()
	ok(t, h.call(t, 2, "tools/call"))
	reqs := w.as.AuthorizeRequests()
	if got := strings.Fields(reqs[len(reqs)-1].Scope); !slices.Contains(got, "custom:x") || !slices.Contains(got, "mcp:write") {
		t.Errorf("step-up scope %q, want the static scope and mcp:write", got)
	}
}
