package oauthflow

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// bodyTransport answers every request with the same status and body: the
// fuzzer's bytes as whatever document the client asked for.
type bodyTransport struct {
	status int
	body   []byte
}

func (b bodyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: b.status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(string(b.body))), Request: r}, nil
}

// FuzzMetadataAndResponses: any document an authorization server or MCP
// server sends as protected resource metadata, authorization server
// metadata, a registration answer or a token answer is either refused or
// holds what the checks promise: never a panic, never a wrong issuer, a
// foreign resource, an empty client id or an empty access token.
func FuzzMetadataAndResponses(f *testing.F) {
	for _, s := range []string{
		`{"resource":"https://mcp.example/mcp","authorization_servers":["https://as.example"]}`,
		`{"resource":"https://evil.example/mcp","authorization_servers":["https://as.example"]}`,
		`{"issuer":"https://as.example","authorization_endpoint":"https://as.example/a","token_endpoint":"https://as.example/t","code_challenge_methods_supported":["S256"]}`,
		`{"issuer":"https://as.example/","authorization_endpoint":1}`,
		`{"client_id":"c1","client_secret":"s","token_endpoint_auth_method":"client_secret_post"}`,
		`{"access_token":"at","token_type":"Bearer","expires_in":"3600","refresh_token":"rt"}`,
		`{"access_token":"at","token_type":"DPoP"}`, `{"error":"invalid_grant"}`, `[]`, `null`, `{"expires_in":1e999}`, "\xff",
	} {
		f.Add(s, 200)
		f.Add(s, 400)
	}
	server, _ := url.Parse("https://mcp.example/mcp")
	f.Fuzz(func(t *testing.T, body string, status int) {
		hc := &http.Client{Transport: bodyTransport{status: status, body: []byte(body)}}
		ctx := context.Background()
		d := &Discoverer{HTTP: hc}
		if prm, err := d.Resource(ctx, server, ""); err == nil {
			if len(prm.AuthorizationServers) == 0 || prm.check(server) != nil {
				t.Fatalf("accepted resource metadata that fails its own check: %+v", prm)
			}
		}
		if as, err := d.AuthServer(ctx, "https://as.example"); err == nil && as.Issuer != "https://as.example" {
			t.Fatalf("accepted metadata for issuer %q", as.Issuer)
		}
		as := &AuthServer{Issuer: "https://as.example", RegistrationEndpoint: "https://as.example/r", TokenEndpoint: "https://as.example/t"}
		if c, err := Register(ctx, hc, as, "http://localhost:1/cb", nil); err == nil && c.ClientID == "" {
			t.Fatal("accepted a registration without a client_id")
		}
		if tok, err := tokenRequest(ctx, hc, as.TokenEndpoint, &Client{ClientID: "c"}, url.Values{}, time.Now); err == nil && tok.AccessToken == "" {
			t.Fatal("accepted a token answer without an access token")
		}
	})
}
