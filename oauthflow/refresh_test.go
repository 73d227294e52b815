package oauthflow

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"
)

// TestRefreshAsksForTheGrantedScope pins a bug found with oidc-provider:
// the refresh asked for the scopes requested at sign-in (offline_access
// included) instead of those granted, which the server refused with
// invalid_scope, forcing a browser sign-in at every expiry.
func TestRefreshAsksForTheGrantedScope(t *testing.T) {
	var scopes []string
	var hadScope []bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		scopes = append(scopes, r.PostForm.Get("scope"))
		hadScope = append(hadScope, r.PostForm.Has("scope"))
		w.Header().Set("Content-Type", "application/json")
		if r.PostForm.Get("scope") == "gone" {
			w.WriteHeader(400)
			_, _ = w.Write([]byte(`{"error":"invalid_scope"}`))
			return
		}
		_, _ = w.Write([]byte(`{"access_token":"new","token_type":"Bearer","expires_in":3600,"refresh_token":"r2"}`))
	}))
	defer srv.Close()
	server, _ := url.Parse("https://mcp.example/mcp")
	newFlow := func() *Flow { // each with an empty store: nothing to adopt
		f, err := New(Config{Server: server, HTTP: srv.Client(), Store: newMemStore()})
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	f := newFlow()
	rec := &record{Token: Token{AccessToken: "old", RefreshToken: "r1", Scope: "mcp:read"}, TokenEndpoint: srv.URL,
		Client: Client{ClientID: "c", AuthMethod: "none"}, Scopes: []string{"mcp:read", "offline_access"}}
	fresh, err := f.refresh(context.Background(), rec)
	if err != nil || scopes[0] != "mcp:read" || fresh.Token.Scope != "mcp:read" {
		t.Fatalf("refresh asked for %q (granted mcp:read); got %+v, %v", scopes, fresh, err)
	}
	// A server that refuses even that: once more without scope.
	rec2 := &record{Token: Token{AccessToken: "x", RefreshToken: "r2", Scope: "gone"}, TokenEndpoint: srv.URL, Client: Client{ClientID: "c"}}
	if _, err := newFlow().refresh(context.Background(), rec2); err != nil || len(hadScope) != 3 || hadScope[2] {
		t.Fatalf("after invalid_scope: %v; last request had a scope: %v", err, hadScope)
	}
}

func TestRefreshMargin(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		life time.Duration
		want time.Duration
	}{{time.Hour, time.Minute}, {20 * time.Second, 4 * time.Second}, {0, time.Minute}} {
		tok := Token{Issued: now, Expiry: now.Add(tc.life)}
		if tc.life == 0 {
			tok.Expiry = time.Time{}
		}
		if got := tok.refreshMargin(); got != tc.want {
			t.Errorf("lifetime %v: margin %v, want %v", tc.life, got, tc.want)
		}
	}
}
