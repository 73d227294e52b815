package fakeas_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/mcpbridge/mcpbridge/internal/fakeas"
)

// A protected MCP server and a sign-in against the fake, by hand: what an
// OAuth client under test does, in a few lines each.
func Example() {
	as := fakeas.New(fakeas.Options{RotateRefreshTokens: true})
	defer as.Close()

	// The MCP server: 401 with resource_metadata without a token.
	mux := http.NewServeMux()
	mcp := httptest.NewServer(mux)
	defer mcp.Close()
	resource := mcp.URL + "/mcp"
	prm := fakeas.ResourceMetadataURL(resource)
	mux.Handle("/mcp", as.ProtectResource(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "hello")
	}), resource, prm, "mcp:read"))
	mux.Handle("/.well-known/oauth-protected-resource/mcp", as.ProtectedResourceMetadata(resource, []string{"mcp:read"}))
	resp, _ := http.Get(resource)
	fmt.Println(resp.StatusCode, strings.Replace(resp.Header.Get("WWW-Authenticate"), prm, "<prm>", 1))

	// The client's loopback callback.
	codes := make(chan url.Values, 1)
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { codes <- r.URL.Query() }))
	defer cb.Close()

	// Registration (RFC 7591).
	reg, _ := json.Marshal(map[string]any{"redirect_uris": []string{cb.URL}, "token_endpoint_auth_method": "none"})
	resp, _ = http.Post(as.RegisterURL(), "application/json", bytes.NewReader(reg))
	var client struct {
		ClientID string `json:"client_id"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&client)

	// Authorization with PKCE; Browse plays the user.
	verifier := strings.Repeat("v", 43)
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"response_type": {"code"}, "client_id": {client.ClientID}, "redirect_uri": {cb.URL},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
		"state": {"s1"}, "scope": {"mcp:read"}, "resource": {resource}}
	if err := as.Browse(context.Background(), as.AuthorizeURL()+"?"+q.Encode()); err != nil {
		fmt.Println(err)
	}
	got := <-codes
	fmt.Println("state", got.Get("state"), "iss ok", got.Get("iss") == as.URL())

	// The token request.
	resp, _ = http.PostForm(as.TokenURL(), url.Values{"grant_type": {"authorization_code"}, "code": {got.Get("code")},
		"redirect_uri": {cb.URL}, "code_verifier": {verifier}, "client_id": {client.ClientID}, "resource": {resource}})
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	fmt.Println("token", resp.StatusCode, tok.ExpiresIn)

	req, _ := http.NewRequest(http.MethodPost, resource, nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, _ = http.DefaultClient.Do(req)
	fmt.Println("mcp", resp.StatusCode)

	st := as.Stats()
	fmt.Println("registered", st.ClientsRegistered, "codes", st.TokenRequests["authorization_code"], "refreshes", st.Refreshes)
	// Output:
	// 401 Bearer resource_metadata="<prm>", scope="mcp:read"
	// state s1 iss ok true
	// token 200 3600
	// mcp 200
	// registered 1 codes 1 refreshes 0
}
