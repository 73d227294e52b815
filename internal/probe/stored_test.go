package probe

import (
	"context"
	"testing"
	"time"

	"github.com/mcpbridge/mcpbridge/tokencache"
)

// TestStoredFor: the server's tokens entries only (matched redacted, as
// the index stores them), newest first, signed in while the token is good
// or can be refreshed.
func TestStoredFor(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := tokencache.Open(ctx, tokencache.Options{Dir: dir, Mode: tokencache.File})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	updated := now.Add(-time.Minute)
	put := func(name, kind, server string, expiry time.Time, refreshable bool) {
		t.Helper()
		updated = updated.Add(time.Second) // each entry newer than the one before
		m := tokencache.Meta{Kind: kind, Server: server, Issuer: "https://as.example", Expiry: expiry, Refreshable: refreshable, Updated: updated}
		if err := st.Put(ctx, name, []byte("{}"), m); err != nil {
			t.Fatal(err)
		}
	}
	put("tokens-old", "tokens", "https://mcp.example/mcp?key=REDACTED", now.Add(-time.Hour), false)
	put("client-x", "client", "https://mcp.example/mcp", time.Time{}, false)
	put("tokens-other", "tokens", "https://other.example/mcp", time.Time{}, false)
	put("tokens-new", "tokens", "https://mcp.example/mcp?key=REDACTED", now.Add(-time.Hour), true)

	got := StoredFor(dir, "https://mcp.example/mcp?key=sk-1")
	if len(got) != 2 {
		t.Fatalf("got %d sign-ins, want 2: %+v", len(got), got)
	}
	if !got[0].SignedIn || got[1].SignedIn {
		t.Errorf("newest first, refreshable signed in, expired not: %+v", got)
	}
	if StoredFor(t.TempDir(), "https://mcp.example/mcp") != nil {
		t.Error("an empty folder holds sign-ins")
	}
}
