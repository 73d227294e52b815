package oauthflow_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/mcpbridge/mcpbridge/internal/fakeas"
	"github.com/mcpbridge/mcpbridge/oauthflow"
)

// noPRMWorld is an MCP server guarded by as that publishes no protected
// resource metadata and names none in its challenge: discovery can only
// guess its own origin, where no authorization server is.
func noPRMWorld(t *testing.T, opts fakeas.Options) *world {
	t.Helper()
	w := &world{dir: t.TempDir(), as: fakeas.New(opts)}
	t.Cleanup(w.as.Close)
	w.mcp = httptest.NewServer(w.as.Protect(mcpEcho(w.as), "", "mcp:read"))
	t.Cleanup(w.mcp.Close)
	w.resource = w.mcp.URL + "/mcp"
	return w
}

// TestAuthServerMetadataURL: a server with no protected resource metadata
// signs in through the metadata URL given; without it, it cannot.
func TestAuthServerMetadataURL(t *testing.T) {
	w := noPRMWorld(t, fakeas.Options{})
	if m := w.bridge(t, w.flow(t, nil)).call(t, 1, "initialize"); m["error"] == nil {
		t.Fatalf("signed in with no way to find the authorization server: %v", m)
	}
	f := w.flow(t, func(c *oauthflow.Config) { c.AuthServerMetadataURL = w.as.MetadataURL() })
	ok(t, w.bridge(t, f).call(t, 1, "initialize"))
	if st := w.as.Stats(); st.AuthorizeRequests != 1 || st.ClientsRegistered != 1 {
		t.Fatalf("stats %+v, want one registration and one sign-in at the authorization server", st)
	}
	if had, err := f.Logout(t.Context()); !had || err != nil || len(w.as.Revocations()) == 0 {
		t.Errorf("logout through the metadata URL: %v, %v, %d revocations", had, err, len(w.as.Revocations()))
	}
}

// TestAuthServerMetadataURLRules: the URL is held to the https-or-loopback
// rule at start; a well-known URL's document must name the issuer it was
// formed from (RFC 8414 §3.3); a URL of another form is taken with any
// issuer that is an issuer identifier; endpoints are checked as ever.
func TestAuthServerMetadataURLRules(t *testing.T) {
	u, _ := url.Parse("https://mcp.example/mcp")
	if _, err := oauthflow.New(oauthflow.Config{Server: u, HTTP: http.DefaultClient, Store: filesIn(t, t.TempDir()),
		AuthServerMetadataURL: "http://as.example/.well-known/oauth-authorization-server"}); err == nil {
		t.Error("took a plain-http metadata URL to another host")
	}

	wrong := fakeas.New(fakeas.Options{WrongIssuer: "https://honest.example"})
	t.Cleanup(wrong.Close)
	d := &oauthflow.Discoverer{}
	if _, err := d.AuthServerAt(t.Context(), wrong.MetadataURL()); !errors.Is(err, oauthflow.ErrIssuerMismatch) {
		t.Errorf("a document naming another issuer: %v, want ErrIssuerMismatch", err)
	}

	as := fakeas.New(fakeas.Options{})
	t.Cleanup(as.Close)
	serve := func(doc map[string]any) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _ = json.NewEncoder(w).Encode(doc) }))
		t.Cleanup(srv.Close)
		return srv.URL + "/custom/as.json"
	}
	got, err := d.AuthServerAt(t.Context(), serve(as.Metadata()))
	if err != nil || got.Issuer != as.URL() || got.TokenEndpoint != as.TokenURL() {
		t.Errorf("a custom URL: %+v, %v", got, err)
	}
	bad := as.Metadata()
	bad["token_endpoint"] = "http://evil.example/token"
	if _, err := d.AuthServerAt(t.Context(), serve(bad)); err == nil || !strings.Contains(err.Error(), "token_endpoint") {
		t.Errorf("a plain-http token endpoint: %v", err)
	}
	bad = as.Metadata()
	bad["issuer"] = "https://as.example/?tenant=x"
	if _, err := d.AuthServerAt(t.Context(), serve(bad)); err == nil {
		t.Error("took an issuer with a query")
	}
}

func TestIssuerOfMetadataURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://as.example/.well-known/oauth-authorization-server":         "https://as.example",
		"https://as.example/.well-known/oauth-authorization-server/tenant1": "https://as.example/tenant1",
		"https://as.example/.well-known/openid-configuration/tenant1":       "https://as.example/tenant1",
		"https://as.example/tenant1/.well-known/openid-configuration":       "https://as.example/tenant1",
		"https://as.example/custom/as.json":                                 "",
		"https://as.example/.well-known/oauth-authorization-servers":        "",
	} {
		u, _ := url.Parse(in)
		got, ok := oauthflow.IssuerOfMetadataURL(u)
		if got != want || ok != (want != "") {
			t.Errorf("IssuerOfMetadataURL(%s) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
