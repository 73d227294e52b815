package oauthflow

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// metadataHost serves JSON documents at paths and records every GET.
type metadataHost struct {
	mu   sync.Mutex
	docs map[string]any
	seen []string
	srv  *httptest.Server
}

func newMetadataHost(t *testing.T) *metadataHost {
	h := &metadataHost{docs: map[string]any{}}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.seen = append(h.seen, r.URL.Path)
		doc, ok := h.docs[r.URL.Path]
		h.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(doc)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *metadataHost) set(path string, doc any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.docs[strings.ReplaceAll(path, "HOST", h.srv.URL)] = fixHost(doc, h.srv.URL)
}

// fixHost replaces HOST in every string of a document.
func fixHost(doc any, host string) any {
	b, _ := json.Marshal(doc)
	var out any
	_ = json.Unmarshal([]byte(strings.ReplaceAll(string(b), "HOST", host)), &out)
	return out
}

func (h *metadataHost) requests() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.seen...)
}

func TestResourceMetadataURLsOrder(t *testing.T) {
	u, _ := url.Parse("https://example.com/public/mcp")
	got := ResourceMetadataURLs(u, "https://meta.example.com/prm")
	want := []string{"https://meta.example.com/prm",
		"https://example.com/.well-known/oauth-protected-resource/public/mcp",
		"https://example.com/.well-known/oauth-protected-resource"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	root, _ := url.Parse("https://example.com")
	if got := ResourceMetadataURLs(root, ""); !reflect.DeepEqual(got, []string{"https://example.com/.well-known/oauth-protected-resource"}) {
		t.Errorf("server at the root: %q", got)
	}
}

func TestAuthServerMetadataURLsOrder(t *testing.T) {
	got, _ := AuthServerMetadataURLs("https://auth.example.com/tenant1")
	want := []string{"https://auth.example.com/.well-known/oauth-authorization-server/tenant1",
		"https://auth.example.com/.well-known/openid-configuration/tenant1",
		"https://auth.example.com/tenant1/.well-known/openid-configuration"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("with a path: got %q\nwant %q", got, want)
	}
	got, _ = AuthServerMetadataURLs("https://auth.example.com")
	want = []string{"https://auth.example.com/.well-known/oauth-authorization-server", "https://auth.example.com/.well-known/openid-configuration"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("without a path: got %q\nwant %q", got, want)
	}
	for _, bad := range []string{"auth.example.com", "https://a.example/?x=1", "https://a.example/#f"} {
		if _, err := AuthServerMetadataURLs(bad); err == nil {
			t.Errorf("%q accepted as an issuer", bad)
		}
	}
}

func TestResourceDiscovery(t *testing.T) {
	ctx := context.Background()
	prm := map[string]any{"resource": "HOST/mcp", "authorization_servers": []string{"HOST/auth"}, "scopes_supported": []string{"read"}}
	tests := []struct {
		name      string
		docs      map[string]any
		challenge string
		wantSeen  []string
		wantErr   error
	}{
		{"from the challenge", map[string]any{"/custom/prm": prm}, "HOST/custom/prm", []string{"/custom/prm"}, nil},
		{"challenge URL fails, then path-inserted", map[string]any{"/.well-known/oauth-protected-resource/mcp": prm}, "HOST/missing",
			[]string{"/missing", "/.well-known/oauth-protected-resource/mcp"}, nil},
		{"root last", map[string]any{"/.well-known/oauth-protected-resource": prm}, "",
			[]string{"/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"}, nil},
		{"origin as the resource is accepted", map[string]any{"/.well-known/oauth-protected-resource": map[string]any{
			"resource": "HOST", "authorization_servers": []string{"HOST/auth"}}}, "", nil, nil},
		{"another host's resource is refused", map[string]any{"/.well-known/oauth-protected-resource/mcp": map[string]any{
			"resource": "https://evil.example/mcp", "authorization_servers": []string{"HOST/auth"}}}, "", nil, ErrResourceMismatch},
		{"a sibling path is refused", map[string]any{"/.well-known/oauth-protected-resource/mcp": map[string]any{
			"resource": "HOST/mc", "authorization_servers": []string{"HOST/auth"}}}, "", nil, ErrResourceMismatch},
		{"no authorization server", map[string]any{"/.well-known/oauth-protected-resource/mcp": map[string]any{
			"resource": "HOST/mcp"}}, "", nil, errors.New("lists no authorization server")},
		{"nothing anywhere", map[string]any{}, "", nil, ErrNoMetadata},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newMetadataHost(t)
			for p, d := range tc.docs {
				h.set(p, d)
			}
			server, _ := url.Parse(h.srv.URL + "/mcp")
			got, err := (&Discoverer{}).Resource(ctx, server, strings.ReplaceAll(tc.challenge, "HOST", h.srv.URL))
			switch {
			case tc.wantErr == nil && err != nil:
				t.Fatalf("error %v", err)
			case tc.wantErr != nil && (err == nil || !(errors.Is(err, tc.wantErr) || strings.Contains(err.Error(), tc.wantErr.Error()))):
				t.Fatalf("error %v, want %v", err, tc.wantErr)
			case tc.wantErr == nil && len(got.AuthorizationServers) != 1:
				t.Fatalf("document %+v", got)
			}
			if tc.wantSeen != nil && !reflect.DeepEqual(h.requests(), tc.wantSeen) {
				t.Errorf("requests %q, want %q", h.requests(), tc.wantSeen)
			}
		})
	}
}

func TestAuthServerDiscovery(t *testing.T) {
	ctx := context.Background()
	doc := func(issuer string) map[string]any {
		return map[string]any{"issuer": issuer, "authorization_endpoint": "HOST/authorize", "token_endpoint": "HOST/token",
			"code_challenge_methods_supported": []string{"S256"}}
	}
	tests := []struct {
		name     string
		issuer   string
		docs     map[string]any
		wantSeen []string
		wantErr  error
	}{
		{"OAuth with path insertion first", "HOST/tenant1", map[string]any{
			"/.well-known/oauth-authorization-server/tenant1": doc("HOST/tenant1"),
			"/.well-known/openid-configuration/tenant1":       doc("HOST/tenant1")},
			[]string{"/.well-known/oauth-authorization-server/tenant1"}, nil},
		{"OIDC with path insertion second", "HOST/tenant1", map[string]any{
			"/.well-known/openid-configuration/tenant1": doc("HOST/tenant1")},
			[]string{"/.well-known/oauth-authorization-server/tenant1", "/.well-known/openid-configuration/tenant1"}, nil},
		{"OIDC with the path appended last", "HOST/tenant1", map[string]any{
			"/tenant1/.well-known/openid-configuration": doc("HOST/tenant1")},
			[]string{"/.well-known/oauth-authorization-server/tenant1", "/.well-known/openid-configuration/tenant1", "/tenant1/.well-known/openid-configuration"}, nil},
		{"root issuer: OIDC after OAuth", "HOST", map[string]any{
			"/.well-known/openid-configuration": doc("HOST")},
			[]string{"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"}, nil},
		{"issuer mismatch refused, not skipped", "HOST", map[string]any{
			"/.well-known/oauth-authorization-server": doc("https://honest.example"),
			"/.well-known/openid-configuration":       doc("HOST")},
			[]string{"/.well-known/oauth-authorization-server"}, ErrIssuerMismatch},
		{"trailing slash is a different issuer", "HOST", map[string]any{
			"/.well-known/oauth-authorization-server": doc("HOST/")}, nil, ErrIssuerMismatch},
		{"none found", "HOST", map[string]any{}, nil, ErrNoMetadata},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newMetadataHost(t)
			for p, d := range tc.docs {
				h.set(p, d)
			}
			issuer := strings.ReplaceAll(tc.issuer, "HOST", h.srv.URL)
			as, err := (&Discoverer{}).AuthServer(ctx, issuer)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("error %v, want %v", err, tc.wantErr)
				}
			} else if err != nil || as.Issuer != issuer || as.CheckPKCE() != nil {
				t.Fatalf("got %+v, %v", as, err)
			}
			if tc.wantSeen != nil && !reflect.DeepEqual(h.requests(), tc.wantSeen) {
				t.Errorf("requests %q, want %q", h.requests(), tc.wantSeen)
			}
		})
	}
}

func TestCheckPKCE(t *testing.T) {
	for methods, ok := range map[string]bool{"": false, "plain": false, "plain S256": true, "S256": true} {
		as := &AuthServer{CodeChallengeMethodsSupported: strings.Fields(methods)}
		if err := as.CheckPKCE(); (err == nil) != ok || (err != nil && !errors.Is(err, ErrNoPKCE)) {
			t.Errorf("methods %q: %v", methods, err)
		}
	}
}

func TestMetadataOnlyOverHTTPSOrLoopback(t *testing.T) {
	var v any
	err := (&Discoverer{}).fetch(context.Background(), "http://example.com/.well-known/oauth-authorization-server", &v)
	if err == nil || !strings.Contains(err.Error(), "refusing") {
		t.Errorf("plain http to a remote host: %v", err)
	}
}

func TestLegacyAuthServer(t *testing.T) {
	ctx := context.Background()
	t.Run("metadata at the origin", func(t *testing.T) {
		h := newMetadataHost(t)
		h.set("/.well-known/oauth-authorization-server", map[string]any{"issuer": "HOST", "authorization_endpoint": "HOST/a",
			"token_endpoint": "HOST/t", "code_challenge_methods_supported": []string{"S256"}})
		server, _ := url.Parse(h.srv.URL + "/some/mcp")
		as, err := (&Discoverer{}).LegacyAuthServer(ctx, server)
		if err != nil || as.AuthorizationEndpoint != h.srv.URL+"/a" {
			t.Fatalf("got %+v, %v", as, err)
		}
	})
	t.Run("the issuer check still holds", func(t *testing.T) {
		h := newMetadataHost(t)
		h.set("/.well-known/oauth-authorization-server", map[string]any{"issuer": "https://elsewhere.example", "authorization_endpoint": "HOST/a"})
		server, _ := url.Parse(h.srv.URL + "/mcp")
		if _, err := (&Discoverer{}).LegacyAuthServer(ctx, server); !errors.Is(err, ErrIssuerMismatch) {
			t.Fatalf("err %v, want ErrIssuerMismatch", err)
		}
	})
	t.Run("default endpoints without metadata", func(t *testing.T) {
		h := newMetadataHost(t)
		server, _ := url.Parse(h.srv.URL + "/mcp")
		as, err := (&Discoverer{}).LegacyAuthServer(ctx, server)
		if err != nil || as.Issuer != h.srv.URL || as.AuthorizationEndpoint != h.srv.URL+"/authorize" ||
			as.TokenEndpoint != h.srv.URL+"/token" || as.RegistrationEndpoint != h.srv.URL+"/register" {
			t.Fatalf("got %+v, %v", as, err)
		}
	})
}
