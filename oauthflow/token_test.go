package oauthflow

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/testwait"
)

// tokenEndpoint records one token request and answers with status and body.
func tokenEndpoint(t *testing.T, status int, body string) (*httptest.Server, *http.Request, url.Values) {
	t.Helper()
	var got *http.Request
	form := url.Values{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		got = r.Clone(context.Background())
		for k, v := range r.PostForm {
			form[k] = v
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv, got, form
}

func TestTokenRequestClientAuthentication(t *testing.T) {
	for _, method := range []string{"none", "client_secret_post", "client_secret_basic"} {
		t.Run(method, func(t *testing.T) {
			var user, pass string
			var basic bool
			var form url.Values
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_ = r.ParseForm()
				form = r.PostForm
				user, pass, basic = r.BasicAuth()
				_, _ = w.Write([]byte(`{"access_token":"at","token_type":"Bearer","expires_in":60,"refresh_token":"rt"}`))
			}))
			defer srv.Close()
			c := &Client{ClientID: "id:1", ClientSecret: "s&cret", AuthMethod: method}
			tok, err := tokenRequest(context.Background(), srv.Client(), srv.URL, c, url.Values{"grant_type": {"refresh_token"}, "resource": {"https://mcp.example/mcp"}}, time.Now)
			if err != nil || tok.AccessToken != "at" || tok.RefreshToken != "rt" || time.Until(tok.Expiry) < 50*time.Second {
				t.Fatalf("token %+v, %v", tok, err)
			}
			if form.Get("resource") != "https://mcp.example/mcp" {
				t.Errorf("resource %q not sent", form.Get("resource"))
			}
			switch method {
			case "none":
				if form.Get("client_id") != "id:1" || form.Has("client_secret") || basic {
					t.Errorf("public client: form %v basic %v", form, basic)
				}
			case "client_secret_post":
				if form.Get("client_id") != "id:1" || form.Get("client_secret") != "s&cret" || basic {
					t.Errorf("post: form %v", form)
				}
			case "client_secret_basic":
				// RFC 6749 §2.3.1: form-urlencoded before Basic.
				if !basic || user != "id%3A1" || pass != "s%26cret" || form.Has("client_secret") {
					t.Errorf("basic: %q %q %v, form %v", user, pass, basic, form)
				}
			}
		})
	}
}

func TestTokenRequestErrors(t *testing.T) {
	tests := []struct {
		status int
		body   string
		code   string
	}{
		{400, `{"error":"invalid_grant","error_description":"used twice"}`, "invalid_grant"},
		{401, `{"error":"invalid_client"}`, "invalid_client"},
		{500, `<html>oops</html>`, "no_error_code"},
	}
	for _, tc := range tests {
		srv, _, _ := tokenEndpoint(t, tc.status, tc.body)
		_, err := tokenRequest(context.Background(), srv.Client(), srv.URL, &Client{ClientID: "c"}, url.Values{}, time.Now)
		if !isTokenError(err, tc.code) {
			t.Errorf("HTTP %d %s: %v, want %s", tc.status, tc.body, err, tc.code)
		}
	}
	for _, body := range []string{`{}`, `{"access_token":"x","token_type":"mac"}`, `not json`} {
		srv, _, _ := tokenEndpoint(t, 200, body)
		if _, err := tokenRequest(context.Background(), srv.Client(), srv.URL, &Client{ClientID: "c"}, url.Values{}, time.Now); err == nil {
			t.Errorf("200 with %s accepted", body)
		}
	}
}

func TestRegister(t *testing.T) {
	var meta map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewDecoder(r.Body).Decode(&meta)
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"client_id":"new-client","client_secret":"sec","token_endpoint_auth_method":"client_secret_post"}`))
	}))
	defer srv.Close()
	as := &AuthServer{Issuer: "https://as", RegistrationEndpoint: srv.URL, TokenEndpointAuthMethodsSupported: []string{"client_secret_basic", "client_secret_post"}}
	c, err := Register(context.Background(), srv.Client(), as, "http://localhost:3000/oauth/callback", map[string]any{"client_name": "My Host", "scope": "a b"})
	if err != nil || c.ClientID != "new-client" || c.AuthMethod != "client_secret_post" || c.Issuer != "https://as" {
		t.Fatalf("client %+v, %v", c, err)
	}
	if meta["application_type"] != "native" || meta["token_endpoint_auth_method"] != "client_secret_post" ||
		meta["client_name"] != "My Host" || meta["scope"] != "a b" {
		t.Errorf("registration body %v", meta)
	}
	grants, _ := meta["grant_types"].([]any)
	if len(grants) != 2 || grants[1] != "refresh_token" {
		t.Errorf("grant_types %v", meta["grant_types"])
	}
	if _, err := Register(context.Background(), srv.Client(), &AuthServer{}, "http://localhost/cb", nil); err == nil || !strings.Contains(err.Error(), "--static-oauth-client-info") {
		t.Errorf("no registration endpoint: %v", err)
	}
}

func TestChooseAuthMethod(t *testing.T) {
	for in, want := range map[string]string{"": "client_secret_basic", "client_secret_basic none": "none",
		"client_secret_basic client_secret_post": "client_secret_post", "private_key_jwt": "private_key_jwt"} {
		if got := chooseAuthMethod(&AuthServer{TokenEndpointAuthMethodsSupported: strings.Fields(in)}); got != want {
			t.Errorf("%q: %s, want %s", in, got, want)
		}
	}
}

func TestStaticClientAndJSONArgs(t *testing.T) {
	t.Setenv("MY_SECRET", `s"1`)
	file := filepath.Join(t.TempDir(), "client.json")
	_ = os.WriteFile(file, []byte(`{"client_id":"abc","client_secret":"${MY_SECRET}"}`), 0o600)
	for _, arg := range []string{`{"client_id":"abc","client_secret":"${MY_SECRET}"}`, "@" + file} {
		m, err := ReadJSONArg(arg)
		if err != nil {
			t.Fatalf("%s: %v", arg, err)
		}
		c, err := StaticClient(m, "https://as")
		if err != nil || c.ClientID != "abc" || c.ClientSecret != `s"1` || c.AuthMethod != "client_secret_basic" {
			t.Errorf("%s: %+v, %v", arg, c, err)
		}
	}
	if _, err := ReadJSONArg("not json"); err == nil {
		t.Error("invalid JSON accepted")
	}
	if _, err := StaticClient(map[string]any{}, "x"); err == nil {
		t.Error("a client without client_id accepted")
	}
}

// TestReadClientArgs: each flag given fills its field, one not given
// leaves it nil, and an error names the flag.
func TestReadClientArgs(t *testing.T) {
	var cfg Config
	if err := ReadClientArgs(&cfg, `{"client_id":"abc"}`, "", `{"client_id":"idp"}`); err != nil {
		t.Fatal(err)
	}
	if cfg.StaticClient["client_id"] != "abc" || cfg.ClientMetadata != nil || cfg.IdPClient["client_id"] != "idp" {
		t.Errorf("config %+v", cfg)
	}
	if err := ReadClientArgs(&cfg, "", "not json", ""); err == nil || !strings.HasPrefix(err.Error(), "--static-oauth-client-metadata: ") {
		t.Errorf("bad metadata: %v, want an error naming the flag", err)
	}
}

func TestCanonicalResource(t *testing.T) {
	for in, want := range map[string]string{"HTTPS://MCP.Example.com/mcp/": "https://mcp.example.com/mcp",
		"https://mcp.example.com/": "https://mcp.example.com", "https://mcp.example.com/mcp#frag": "https://mcp.example.com/mcp",
		"https://mcp.example.com/mcp?api_key=SECRET": "https://mcp.example.com/mcp"} {
		u, _ := url.Parse(in)
		if got := CanonicalResource(u); got != want {
			t.Errorf("%s → %s, want %s", in, got, want)
		}
	}
}

func TestOpenBrowserHonoursBROWSER(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "opened")
	script := filepath.Join(dir, "browser.sh")
	_ = os.WriteFile(script, []byte("#!/bin/sh\necho \"$1\" > "+out+"\n"), 0o700)
	t.Setenv("BROWSER", "/nonexistent-browser:"+script+" %s")
	if err := OpenBrowser("https://as.example/authorize?x=1"); err != nil {
		t.Fatal(err)
	}
	// OpenBrowser does not wait for the command: wait for its file.
	got := func() bool {
		b, err := os.ReadFile(out)
		return err == nil && strings.TrimSpace(string(b)) == "https://as.example/authorize?x=1"
	}
	if !testwait.Until(5*time.Second, got) {
		t.Error("the $BROWSER command did not get the URL")
	}
}
