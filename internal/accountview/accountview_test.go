package accountview

import (
	"bytes"
	"encoding/json"
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
