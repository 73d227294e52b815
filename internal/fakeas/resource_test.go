package fakeas

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// mcpServer is a protected MCP server for the tests: PRM at its
// well-known URI, the endpoint at /mcp behind Protect or ProtectResource.
func mcpServer(t *testing.T, s *Server, audience bool, scopes ...string) (*httptest.Server, string) {
	t.Helper()
	mux := http.NewServeMux()
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	resource := ts.URL + "/mcp"
	prm := ResourceMetadataURL(resource)
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ti, _ := TokenInfoFrom(r.Context())
		w.Header().Set("X-Resource", ti.Resource)
		_, _ = w.Write([]byte("hello"))
	})
	if audience {
		mux.Handle("/mcp", s.ProtectResource(ok, resource, prm, scopes...))
	} else {
		mux.Handle("/mcp", s.Protect(ok, prm, scopes...))
	}
	mux.Handle("/.well-known/oauth-protected-resource/mcp", s.ProtectedResourceMetadata(resource, scopes))
	return ts, resource
}

func bearer(t *testing.T, u, token string) answer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return do(t, req)
}

func TestProtect(t *testing.T) {
	s := newServer(t, Options{})
	ts, resource := mcpServer(t, s, false, "mcp:read")
	prm := ts.URL + "/.well-known/oauth-protected-resource/mcp"

	a := bearer(t, resource, "")
	if want := `Bearer resource_metadata="` + prm + `", scope="mcp:read"`; a.Status != 401 || a.Header.Get("WWW-Authenticate") != want {
		t.Errorf("no token: %d %q, want 401 %q", a.Status, a.Header.Get("WWW-Authenticate"), want)
	}
	a = bearer(t, resource, "forged")
	if a.Status != 401 || !hasParams(a, "error", "invalid_token", "resource_metadata", prm, "scope", "mcp:read") {
		t.Errorf("bad token: %d %q", a.Status, a.Header.Get("WWW-Authenticate"))
	}

	// A token with other scopes: 403 insufficient_scope.
	id := publicClient(t, s)
	at, _, err := s.Grant(id, []string{"mcp:write"}, resource)
	if err != nil {
		t.Fatal(err)
	}
	a = bearer(t, resource, at)
	if a.Status != 403 || !hasParams(a, "error", "insufficient_scope", "scope", "mcp:read", "resource_metadata", prm) {
		t.Errorf("insufficient scope: %d %q", a.Status, a.Header.Get("WWW-Authenticate"))
	}

	// A signed-in client's token: through, with its audience.
	_, tok := signIn(t, s)
	if a := bearer(t, resource, tok.str("access_token")); a.Status != 200 || a.Body != "hello" || a.Header.Get("X-Resource") != mcpResource {
		t.Errorf("good token: %d %q %q", a.Status, a.Body, a.Header.Get("X-Resource"))
	}
	// Protect does not check the audience; ProtectResource does.
	_, resource2 := mcpServer(t, s, true, "mcp:read")
	if a := bearer(t, resource2, tok.str("access_token")); a.Status != 401 || !hasParams(a, "error", "invalid_token") {
		t.Errorf("token for another resource: %d %q", a.Status, a.Header.Get("WWW-Authenticate"))
	}
	at2, _, _ := s.Grant(id, []string{"mcp:read"}, resource2)
	if a := bearer(t, resource2, at2); a.Status != 200 {
		t.Errorf("token for this resource: %d %s", a.Status, a.Body)
	}

	// Expired: 401 again.
	s.ExpireAccessTokens()
	if a := bearer(t, resource2, at2); a.Status != 401 || !hasParams(a, "error", "invalid_token") {
		t.Errorf("expired token: %d", a.Status)
	}

	// Tokens in the query string are not looked at.
	if a := get(t, resource+"?access_token="+tok.str("access_token")); a.Status != 401 {
		t.Errorf("token in query: %d", a.Status)
	}

	// The metadata names the resource and this server.
	doc := get(t, ResourceMetadataURL(resource2))
	if doc.Status != 200 || doc.str("resource") != resource2 {
		t.Fatalf("PRM: %d %s", doc.Status, doc.Body)
	}
	if as, _ := stringList(doc.JSON["authorization_servers"]); !slices.Equal(as, []string{s.URL()}) {
		t.Errorf("authorization_servers %v", doc.JSON["authorization_servers"])
	}
	if sc, _ := stringList(doc.JSON["scopes_supported"]); !slices.Equal(sc, []string{"mcp:read"}) {
		t.Errorf("scopes_supported %v", doc.JSON["scopes_supported"])
	}
}

func TestProtectWithoutScopes(t *testing.T) {
	s := newServer(t, Options{})
	_, resource := mcpServer(t, s, false)
	a := bearer(t, resource, "")
	if want := `Bearer resource_metadata="` + ResourceMetadataURL(resource) + `"`; a.Header.Get("WWW-Authenticate") != want {
		t.Errorf("%q, want %q", a.Header.Get("WWW-Authenticate"), want)
	}
}

func TestResourceMetadataURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://mcp.example.com/mcp":        "https://mcp.example.com/.well-known/oauth-protected-resource/mcp",
		"https://mcp.example.com":            "https://mcp.example.com/.well-known/oauth-protected-resource",
		"https://mcp.example.com/":           "https://mcp.example.com/.well-known/oauth-protected-resource",
		"http://127.0.0.1:8080/a/b":          "http://127.0.0.1:8080/.well-known/oauth-protected-resource/a/b",
		"https://mcp.example.com:8443/x/mcp": "https://mcp.example.com:8443/.well-known/oauth-protected-resource/x/mcp",
	} {
		if got := ResourceMetadataURL(in); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}

// hasParams checks WWW-Authenticate parameters (name, value pairs) by a
// simple parse: these headers have quoted values without commas.
func hasParams(a answer, kv ...string) bool {
	h := a.Header.Get("WWW-Authenticate")
	for i := 0; i < len(kv); i += 2 {
		if !strings.Contains(h, kv[i]+`="`+kv[i+1]+`"`) {
			return false
		}
	}
	return strings.HasPrefix(h, "Bearer ")
}
