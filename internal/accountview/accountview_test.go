package accountview

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/ledger"
	"github.com/mcpbridge/mcpbridge/tokencache"
)

func TestStatusRows(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	server := "https://mcp.example/mcp?api_key=REDACTED"
	entries := []tokencache.Meta{
		{Kind: "tokens", Server: server, Issuer: "https://as.example", Scopes: []string{"mcp:read"}, Expiry: now.Add(time.Hour), Backend: "file"},
		{Kind: "tokens", Server: server, Account: "work", Issuer: "https://as.example\x1b[2J", Backend: "file"},
		{Kind: "client", Server: server, Issuer: "https://as.example"},
		{Kind: "tokens", Server: "https://other.example/mcp", Backend: "file"},
	}
	events := []ledger.Event{
		{Event: ledger.Granted, Server: "https://mcp.example/mcp", Time: now.Add(-2 * time.Hour)},
		{Event: ledger.Refreshed, Server: "https://mcp.example/mcp", Time: now.Add(-time.Hour)},
		{Event: ledger.Refused, Server: "https://mcp.example/mcp", Account: "work", Error: "invalid_grant", Time: now},
	}
	rows := StatusRows(entries, events, "https://mcp.example/mcp?api_key=SECRET", ledger.AnyAccount, now)
	if len(rows) != 2 {
		t.Fatalf("%d rows, want the two tokens entries of the server: %+v", len(rows), rows)
	}
	if !strings.HasPrefix(rows[0].LastEvent, "refreshed") || !strings.HasPrefix(rows[1].LastEvent, "refused (invalid_grant)") {
		t.Errorf("last events %q, %q", rows[0].LastEvent, rows[1].LastEvent)
	}
	if work := StatusRows(entries, events, "", "work", now); len(work) != 1 || work[0].Account != "work" {
		t.Errorf("account work: %+v", work)
	}
	if def := StatusRows(entries, events, "", "", now); len(def) != 2 {
		t.Errorf("the default account: %d rows, want 2", len(def))
	}
	var out bytes.Buffer
	if err := WriteStatus(&out, rows, false, "/cfg"); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "\x1b") || !strings.Contains(out.String(), "(account work)") || strings.Contains(out.String(), "SECRET") {
		t.Errorf("status table:\n%q", out.String())
	}
	out.Reset()
	if err := WriteStatus(&out, nil, false, "/cfg"); err != nil || !strings.Contains(out.String(), "Not signed in") {
		t.Errorf("nothing stored: %q, %v", out.String(), err)
	}
}

func TestWriteGrants(t *testing.T) {
	events := []ledger.Event{{Event: ledger.Granted, Server: "https://a.example/mcp"}, {Event: ledger.Granted, Server: "https://b.example/mcp"}}
	var out bytes.Buffer
	if err := WriteGrants(&out, events, ledger.Filter{Server: "https://b.example/mcp", Account: ledger.AnyAccount}, true, "/cfg"); err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	if err := json.Unmarshal(out.Bytes(), &got); err != nil || len(got) != 1 || got[0]["server"] != "https://b.example/mcp" {
		t.Errorf("--json: %s (%v)", out.String(), err)
	}
	out.Reset()
	if err := WriteGrants(&out, nil, ledger.Filter{Account: ledger.AnyAccount}, true, "/cfg"); err != nil || strings.TrimSpace(out.String()) != "[]" {
		t.Errorf("no events: %q, want []", out.String())
	}
	out.Reset()
	if err := WriteGrants(&out, nil, ledger.Filter{Account: ledger.AnyAccount}, false, "/cfg"); err != nil || !strings.Contains(out.String(), "No grants recorded") {
		t.Errorf("no events, as a table: %q", out.String())
	}
}

// nopLock is a ledger.Locker for one test process.
type nopLock struct{}

func (nopLock) Lock(context.Context, string) (func(), error) { return func() {}, nil }

// TestStatusAndGrantsReadTheConfigFolder: Status and Grants read the
// credentials index and the grant ledger in the folder they are given.
func TestStatusAndGrantsReadTheConfigFolder(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	var out bytes.Buffer
	if err := Status(&out, dir, "", ledger.AnyAccount, false, now); err != nil || !strings.Contains(out.String(), "Not signed in") || !strings.Contains(out.String(), dir) {
		t.Errorf("an empty folder: %q, %v", out.String(), err)
	}
	index, _ := json.Marshal(map[string]any{"version": 1, "entries": map[string]tokencache.Meta{
		"t": {Name: "t", Kind: "tokens", Server: "https://a.example/mcp", Backend: "file"},
	}})
	if err := os.WriteFile(filepath.Join(dir, "credentials.json"), index, 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := ledger.New(ledger.Options{Dir: dir, Lock: nopLock{}, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	for _, server := range []string{"https://a.example/mcp", "https://b.example/mcp"} {
		if err := l.Record(context.Background(), ledger.Event{Event: ledger.Granted, Server: server}); err != nil {
			t.Fatal(err)
		}
	}
	out.Reset()
	var rows []StatusRow
	if err := Status(&out, dir, "https://a.example/mcp", ledger.AnyAccount, true, now); err != nil || json.Unmarshal(out.Bytes(), &rows) != nil ||
		len(rows) != 1 || rows[0].Server != "https://a.example/mcp" || !strings.HasPrefix(rows[0].LastEvent, "granted") {
		t.Errorf("status of a.example: %s (%v)", out.String(), err)
	}
	out.Reset()
	var events []ledger.Event
	if err := Grants(&out, dir, ledger.Filter{Server: "https://b.example/mcp", Account: ledger.AnyAccount}, true); err != nil || json.Unmarshal(out.Bytes(), &events) != nil ||
		len(events) != 1 || events[0].Server != "https://b.example/mcp" {
		t.Errorf("grants of b.example: %s (%v)", out.String(), err)
	}
}
