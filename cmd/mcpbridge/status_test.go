package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/fakeas"
)

// statusJSON is what status --json prints for one server, as a script
// reads it.
type statusJSON struct {
	Server   string    `json:"server"`
	SignedIn bool      `json:"signed_in"`
	Expiry   time.Time `json:"expiry"`
	Refresh  bool      `json:"refresh"`
}

func statusRows(t *testing.T, dir string) map[string]statusJSON {
	t.Helper()
	code, out, errOut := runIn(t, dir, "", "status", "--json")
	var rows []statusJSON
	if err := json.Unmarshal([]byte(out), &rows); code != 0 || err != nil {
		t.Fatalf("status --json: exit %d, %v:\n%s%s", code, err, out, errOut)
	}
	bySrv := map[string]statusJSON{}
	for _, r := range rows {
		bySrv[r.Server] = r
	}
	return bySrv
}

// statusLine returns the line of status's table that names server.
func statusLine(t *testing.T, dir, server string) string {
	t.Helper()
	code, out, errOut := runIn(t, dir, "", "status")
	if code != 0 || !strings.Contains(out, "REFRESH") {
		t.Fatalf("status: exit %d, no REFRESH column:\n%s%s", code, out, errOut)
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, server+" ") {
			return l
		}
	}
	t.Fatalf("status names no %s:\n%s", server, out)
	return ""
}

// TestStatusShowsRefreshAndExpiry: signed in to a server whose
// authorization server issues no refresh token, login says so on stderr
// with the time the next sign-in will be needed, and status (text and
// --json) shows refresh no and the expiry; next to a server that issues
// one, refresh yes.
func TestStatusShowsRefreshAndExpiry(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("MCPBRIDGE_TEST_BROWSER", "1")
	t.Setenv("BROWSER", os.Args[0]+" -test.run=^TestHelperBrowser$ %s")
	_, once := protectedServer(t, fakeas.Options{NoRefreshTokens: true, AccessTokenTTL: time.Hour})
	_, renewed := protectedServer(t, fakeas.Options{})

	start := time.Now()
	code, _, errOut := runIn(t, dir, "", "login", once, "--token-store", "file")
	notice := regexp.MustCompile(`issued no refresh token: this sign-in lasts until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d`)
	if code != 0 || !notice.MatchString(errOut) {
		t.Fatalf("login: exit %d; stderr lacks the notice of no refresh token:\n%s", code, errOut)
	}
	if strings.Count(errOut, "no refresh token") != 1 {
		t.Errorf("the notice comes more than once:\n%s", errOut)
	}
	if code, _, errOut := runIn(t, dir, "", "login", renewed, "--token-store", "file"); code != 0 || strings.Contains(errOut, "no refresh token") {
		t.Fatalf("login with refresh tokens: exit %d:\n%s", code, errOut)
	}

	rows := statusRows(t, dir)
	o, r := rows[once], rows[renewed]
	if !o.SignedIn || o.Refresh || o.Expiry.Before(start.Add(59*time.Minute)) || o.Expiry.After(time.Now().Add(time.Hour)) {
		t.Errorf("status --json for the server without refresh tokens: %+v, want signed in, refresh false, expiry in an hour", o)
	}
	if !r.SignedIn || !r.Refresh {
		t.Errorf("status --json for the server with refresh tokens: %+v, want signed in, refresh true", r)
	}
	if l := statusLine(t, dir, once); !regexp.MustCompile(`\s+yes\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+no\s+mcp:read`).MatchString(l) {
		t.Errorf("status line %q, want signed in yes, the expiry, refresh no", l)
	}
	if l := statusLine(t, dir, renewed); !regexp.MustCompile(`\s+yes\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+yes\s+mcp:read`).MatchString(l) {
		t.Errorf("status line %q, want signed in yes, the expiry, refresh yes", l)
	}
}

// TestStatusOfExpiredAndUndatedTokens: an expired token without refresh
// token is not signed in any more; a token whose response had no
// expires_in shows "not stated" and no expiry in --json.
func TestStatusOfExpiredAndUndatedTokens(t *testing.T) {
	dir := t.TempDir()
	index := `{"version":1,"entries":{` +
		`"tokens-a":{"name":"tokens-a","kind":"tokens","server":"https://a.example/mcp","issuer":"https://as.example",` +
		`"expiry":"2026-01-01T10:00:00Z","updated":"2026-01-01T09:00:00Z","backend":"file"},` +
		`"tokens-b":{"name":"tokens-b","kind":"tokens","server":"https://b.example/mcp","issuer":"https://as.example",` +
		`"refreshable":true,"updated":"2026-01-01T09:00:00Z","backend":"file"}}}`
	if err := os.WriteFile(filepath.Join(dir, "credentials.json"), []byte(index), 0o600); err != nil {
		t.Fatal(err)
	}
	rows := statusRows(t, dir)
	if a := rows["https://a.example/mcp"]; a.SignedIn || a.Refresh || a.Expiry.IsZero() {
		t.Errorf("expired, no refresh token: %+v", a)
	}
	if b := rows["https://b.example/mcp"]; !b.SignedIn || !b.Refresh || !b.Expiry.IsZero() {
		t.Errorf("no expiry stated, refresh token: %+v", b)
	}
	if l := statusLine(t, dir, "https://a.example/mcp"); !regexp.MustCompile(`no \(run mcpbridge login\)\s+2026-01-01 \d\d:\d\d\s+no\s`).MatchString(l) {
		t.Errorf("status line %q, want not signed in, the expiry, refresh no", l)
	}
	if l := statusLine(t, dir, "https://b.example/mcp"); !regexp.MustCompile(`\s+yes\s+not stated\s+yes\s`).MatchString(l) {
		t.Errorf("status line %q, want signed in, expiry not stated, refresh yes", l)
	}
}
