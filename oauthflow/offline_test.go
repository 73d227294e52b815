package oauthflow_test

import (
	"testing"

	"github.com/mcpbridge/mcpbridge/internal/fakeas"
	"github.com/mcpbridge/mcpbridge/tokencache"
)

// TestOfflineAccessAloneWhenNoScopeIsDefined: with neither the challenge
// nor the protected resource metadata defining a scope, the authorization
// request asks for offline_access alone when the authorization server
// lists it (MCP authorization §Refresh Tokens), and for no scope at all
// when it does not (§Scope Selection Strategy: omit the scope).
func TestOfflineAccessAloneWhenNoScopeIsDefined(t *testing.T) {
	for _, tc := range []struct {
		name      string
		supported []string
		want      string
		hasScope  bool
	}{
		{"listed", []string{"mcp:read", "offline_access"}, "offline_access", true},
		{"not listed", []string{"mcp:read"}, "", false},
		{"no scopes_supported", []string{}, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorldScoped(t, fakeas.Options{ScopesSupported: tc.supported, RefreshNeedsOfflineAccess: true})
			ok(t, w.bridge(t, w.flow(t, nil)).call(t, 1, "initialize"))
			reqs := w.as.AuthorizeRequests()
			if len(reqs) != 1 {
				t.Fatalf("%d authorization requests, want 1", len(reqs))
			}
			if got := reqs[0].Scope; got != tc.want || reqs[0].Params.Has("scope") != tc.hasScope {
				t.Errorf("scope %q (sent: %v), want %q (sent: %v)", got, reqs[0].Params.Has("scope"), tc.want, tc.hasScope)
			}
			// This server issues a refresh token only for offline_access.
			if got := storedTokens(t, w.dir); got.Refreshable != tc.hasScope {
				t.Errorf("stored refreshable %v, want %v", got.Refreshable, tc.hasScope)
			}
		})
	}
}

// storedTokens is the index entry of the one tokens record in dir (what
// mcpbridge status shows).
func storedTokens(t *testing.T, dir string) tokencache.Meta {
	t.Helper()
	entries, err := tokencache.List(dir)
	if err != nil {
		t.Fatal(err)
	}
	var found []tokencache.Meta
	for _, e := range entries {
		if e.Kind == "tokens" {
			found = append(found, e)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d tokens entries in the index, want 1: %+v", len(found), entries)
	}
	return found[0]
}
