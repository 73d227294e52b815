package oauthflow_test

import (
	"context"
	"testing"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/fakeas"
	"github.com/mcpbridge/mcpbridge/oauthflow"
)

// TestAdoptThenUseAndRefresh: a sign-in another client made is kept as
// this server's, found by its issuer or by discovery: the bridge uses it
// without a browser and refreshes it as the client it was issued to.
func TestAdoptThenUseAndRefresh(t *testing.T) {
	for _, byIssuer := range []bool{true, false} {
		w := newWorld(t, fakeas.Options{Clients: []fakeas.Client{{ID: "other-client"}}})
		at, rt, err := w.as.Grant("other-client", []string{"mcp:read"}, w.resource)
		if err != nil {
			t.Fatal(err)
		}
		a := oauthflow.Adopted{AccessToken: at, TokenType: "Bearer", RefreshToken: rt, ExpiresAt: time.Now().Add(time.Hour),
			GrantedScope: "mcp:read", Scopes: []string{"mcp:read"}, ClientID: "other-client"}
		if byIssuer {
			a.Issuer = w.as.URL()
		}
		if err := w.flow(t, nil).Adopt(context.Background(), a); err != nil {
			t.Fatalf("Adopt (by issuer %v): %v", byIssuer, err)
		}
		h := w.bridge(t, w.flow(t, nil)) // another process reads it back
		ok(t, h.call(t, 1, "initialize"))
		w.as.ExpireAccessTokens()
		ok(t, h.call(t, 2, "tools/list"))
		if st := w.as.Stats(); st.AuthorizeRequests != 0 || st.ClientsRegistered != 0 || len(w.as.Refreshes()) != 1 {
			t.Errorf("by issuer %v: %+v, %d refreshes; want no sign-in, no registration, one refresh", byIssuer, st, len(w.as.Refreshes()))
		}
	}
}

func TestAdoptRefusesAnIncompleteSignIn(t *testing.T) {
	w := newWorld(t, fakeas.Options{})
	for _, a := range []oauthflow.Adopted{{ClientID: "c"}, {AccessToken: "at"}} {
		if err := w.flow(t, nil).Adopt(context.Background(), a); err == nil {
			t.Errorf("Adopt(%+v) = nil", a)
		}
	}
}
