package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/accountview"
	"github.com/mcpbridge/mcpbridge/internal/fakeas"
	"github.com/mcpbridge/mcpbridge/internal/ledger"
)

// signInEnv is the environment of a binary that signs in through the
// test's $BROWSER (TestHelperBrowser) and keeps its files in dir.
func signInEnv(dir string) []string {
	return []string{"MCPBRIDGE_CONFIG_DIR=" + dir, "MCPBRIDGE_TEST_BROWSER=1",
		"BROWSER=" + os.Args[0] + " -test.run=^TestHelperBrowser$ %s"}
}

// oneShot runs the binary with args and no input: exit code, stdout, stderr.
func oneShot(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	c := startChild(t, env, args...)
	c.stdin.Close()
	outCh := make(chan string, 1)
	go func() { b, _ := io.ReadAll(c.stdout); outCh <- string(b) }()
	out := <-outCh
	return c.wait(t, 20*time.Second), out, c.stderr.String()
}

// bridgeOnce starts the bridge with args, initializes and ends it.
func bridgeOnce(t *testing.T, env []string, args ...string) string {
	t.Helper()
	c := startChild(t, env, append(args, "--token-store", "file", "--auth-timeout", "20")...)
	if got := c.roundTripWithin(t, initLine, 20*time.Second); !strings.Contains(got, `"id":1,"result"`) {
		t.Fatalf("initialize answer = %s; stderr: %s", got, c.stderr)
	}
	c.stdin.Close()
	if code := c.wait(t, 5*time.Second); code != 0 {
		t.Fatalf("exit %d; stderr: %s", code, c.stderr)
	}
	return c.stderr.String()
}

// grantsJSON is `grants --json` with args, decoded.
func grantsJSON(t *testing.T, env []string, args ...string) []ledger.Event {
	t.Helper()
	code, out, errOut := oneShot(t, env, append([]string{"grants", "--json"}, args...)...)
	var events []ledger.Event
	if err := json.Unmarshal([]byte(out), &events); code != 0 || err != nil {
		t.Fatalf("grants --json: exit %d, %v: %s %s", code, err, out, errOut)
	}
	return events
}

func kinds(events []ledger.Event) []string {
	var out []string
	for _, e := range events {
		out = append(out, e.Event)
	}
	return out
}

// asSecrets is every secret the authorization server issued or received:
// the tokens stored, and the codes, verifiers and refresh tokens sent.
func asSecrets(t *testing.T, as *fakeas.Server, dir string) []string {
	t.Helper()
	secrets := storedSecrets(t, dir)
	for _, r := range as.TokenRequests() {
		for _, k := range []string{"code", "code_verifier", "refresh_token", "client_secret", "client_assertion"} {
			if v := r.Form.Get(k); v != "" {
				secrets = append(secrets, v)
			}
		}
	}
	for _, a := range as.AuthorizeRequests() {
		if u, err := url.Parse(a.Location); err == nil && u.Query().Get("code") != "" {
			secrets = append(secrets, u.Query().Get("code"))
		}
	}
	return secrets
}

// TestGrantsThroughTheBinary: sign-in, reuse, refresh and logout leave
// granted, refreshed and revoked in `grants --json` (reuse leaves
// nothing), with the documented fields; status shows the last event; no
// secret the authorization server issued or received is in the ledger or
// the output.
func TestGrantsThroughTheBinary(t *testing.T) {
	as, resource := protectedServer(t, fakeas.Options{})
	dir := t.TempDir()
	env := signInEnv(dir)
	bridgeOnce(t, env, resource)
	bridgeOnce(t, env, resource) // reuse
	as.ExpireAccessTokens()
	bridgeOnce(t, env, resource) // refresh
	if got := kinds(grantsJSON(t, env, resource)); !slices.Equal(got, []string{ledger.Granted, ledger.Refreshed}) {
		t.Fatalf("events %v, want granted, refreshed", got)
	}
	_, status, _ := oneShot(t, env, "status")
	if !strings.Contains(status, "refreshed") {
		t.Errorf("status does not show the last event:\n%s", status)
	}
	secrets := asSecrets(t, as, dir)
	if code, out, errOut := oneShot(t, env, "logout", resource, "--token-store", "file"); code != 0 {
		t.Fatalf("logout: exit %d, %s %s", code, out, errOut)
	}
	events := grantsJSON(t, env)
	if got := kinds(events); !slices.Equal(got, []string{ledger.Granted, ledger.Refreshed, ledger.Revoked}) {
		t.Fatalf("events %v, want granted, refreshed, revoked", got)
	}
	g := events[0]
	if g.Server != resource || g.Issuer != as.URL() || g.GrantType != "authorization_code" || g.ClientID == "" ||
		!slices.Contains(g.Scopes, "mcp:read") || !g.RefreshToken || g.Process.PID == 0 || g.Time.IsZero() {
		t.Errorf("granted: %+v", g)
	}
	if events[2].Revocation != "revoked" {
		t.Errorf("revoked: %+v", events[2])
	}
	code, table, _ := oneShot(t, env, "grants", resource)
	if code != 0 || !strings.Contains(table, resource) || !strings.Contains(table, as.URL()) || !strings.Contains(table, "revoked") {
		t.Errorf("grants: exit %d\n%s", code, table)
	}
	if got := grantsJSON(t, env, "--since", "2000-01-01"); len(got) != 3 {
		t.Errorf("--since a date long ago: %d events", len(got))
	}
	if got := grantsJSON(t, env, "https://other.example/mcp"); len(got) != 0 {
		t.Errorf("another server's events: %v", got)
	}
	if code, _, errOut := oneShot(t, env, "grants", "--since", "a while"); code != 2 {
		t.Errorf("--since nonsense: exit %d, %s", code, errOut)
	}
	ledgerFile, _ := os.ReadFile(dir + "/" + ledger.FileName)
	raw, _ := json.Marshal(events)
	for _, s := range secrets {
		for what, text := range map[string]string{"the ledger file": string(ledgerFile), "grants --json": string(raw), "grants": table, "status": status} {
			if strings.Contains(text, s) {
				t.Errorf("%s holds a secret (%d characters)", what, len(s))
			}
		}
	}
	bridgeOnce(t, env, resource)
	if code, out, errOut := oneShot(t, env, "logout", "--all", "--token-store", "file"); code != 0 {
		t.Fatalf("logout --all: exit %d, %s %s", code, out, errOut)
	}
	if events := grantsJSON(t, env); len(events) != 5 || events[4].Event != ledger.Revoked || events[4].Server != resource || events[4].Revocation != "revoked" {
		t.Errorf("after logout --all: %+v", events)
	}
	if len(secrets) < 4 {
		t.Fatalf("found %d secrets to look for", len(secrets))
	}
}

// TestScopeThroughTheBinary: --scope reaches the authorization request
// exactly; stderr names server, authorization server and scopes before the
// browser opens; a grant wider than asked is warned about on stderr and
// noted in the ledger.
func TestScopeThroughTheBinary(t *testing.T) {
	as, resource := protectedServer(t, fakeas.Options{ExtraScopes: []string{"mcp:admin"}})
	dir := t.TempDir()
	env := signInEnv(dir)
	stderr := bridgeOnce(t, env, resource, "--scope", "mcp:read tenant:blue")
	if got := as.AuthorizeRequests(); len(got) != 1 || got[0].Scope != "mcp:read tenant:blue" {
		t.Fatalf("authorize requests %+v, want one asking exactly mcp:read tenant:blue", got)
	}
	announce := strings.Index(stderr, "signing in to "+resource+" at authorization server "+as.URL()+", asking for scopes mcp:read tenant:blue")
	if link := strings.Index(stderr, "in your browser"); announce < 0 || link < announce {
		t.Errorf("stderr does not say what is asked of whom before the link:\n%s", stderr)
	}
	if !strings.Contains(stderr, "warning") || !strings.Contains(stderr, "more than was asked for: mcp:admin") {
		t.Errorf("no warning of the wider grant:\n%s", stderr)
	}
	events := grantsJSON(t, env)
	if len(events) != 1 || !slices.Contains(events[0].Scopes, "mcp:admin") || !strings.Contains(events[0].Note, "mcp:admin") ||
		!slices.Equal(events[0].RequestedScopes, []string{"mcp:read", "tenant:blue"}) {
		t.Errorf("ledger: %+v", events)
	}
}

// TestAuthServerMetadataURLThroughTheBinary: a server that publishes no
// protected resource metadata signs in with --auth-server-metadata-url.
func TestAuthServerMetadataURLThroughTheBinary(t *testing.T) {
	as := fakeas.New(fakeas.Options{})
	t.Cleanup(as.Close)
	mcp := httptest.NewServer(as.Protect(&sessionServer{}, "", "mcp:read"))
	t.Cleanup(mcp.Close)
	env := signInEnv(t.TempDir())
	bridgeOnce(t, env, mcp.URL+"/mcp", "--auth-server-metadata-url", as.MetadataURL())
	if st := as.Stats(); st.AuthorizeRequests != 1 {
		t.Errorf("stats %+v, want a sign-in at the authorization server named", st)
	}
	if code, _, errOut := oneShot(t, env, mcp.URL+"/mcp", "--auth-server-metadata-url", "http://as.example/meta"); code == 0 || !strings.Contains(errOut, "auth-server-metadata-url") {
		t.Errorf("a plain-http URL to another host: exit %d, %s", code, errOut)
	}
}

// TestAccountsAreKeptApart: --account signs in separately on one server
// (own tokens, own registration, own ledger events); status, grants and
// logout take it, and a logout of one leaves the others signed in.
func TestAccountsAreKeptApart(t *testing.T) {
	as, resource := protectedServer(t, fakeas.Options{})
	env := signInEnv(t.TempDir())
	bridgeOnce(t, env, resource, "--account", "work")
	bridgeOnce(t, env, resource, "--account", "home")
	bridgeOnce(t, env, resource)
	bridgeOnce(t, env, resource, "--account", "work") // reuse
	if st := as.Stats(); st.AuthorizeRequests != 3 || st.ClientsRegistered != 3 {
		t.Fatalf("stats %+v, want three sign-ins and three registrations", st)
	}
	statusRows := func(args ...string) []accountview.StatusRow {
		t.Helper()
		_, out, _ := oneShot(t, env, append([]string{"status", "--json"}, args...)...)
		var rows []accountview.StatusRow
		if err := json.Unmarshal([]byte(out), &rows); err != nil {
			t.Fatalf("status --json %v: %v: %s", args, err, out)
		}
		return rows
	}
	if rows := statusRows(); len(rows) != 3 {
		t.Errorf("status: %d rows, want 3: %+v", len(rows), rows)
	}
	if rows := statusRows("--account", "work"); len(rows) != 1 || rows[0].Account != "work" || !strings.Contains(rows[0].LastEvent, "granted") {
		t.Errorf("status --account work: %+v", rows)
	}
	if events := grantsJSON(t, env, "--account", "home"); len(events) != 1 || events[0].Account != "home" {
		t.Errorf("grants --account home: %+v", events)
	}
	if events := grantsJSON(t, env, "--account", ""); len(events) != 1 || events[0].Account != "" {
		t.Errorf("grants of the default account: %+v", events)
	}
	if code, out, errOut := oneShot(t, env, "logout", resource, "--account", "work", "--token-store", "file"); code != 0 || !strings.Contains(out, "Signed out") {
		t.Fatalf("logout --account work: exit %d, %s %s", code, out, errOut)
	}
	if rows := statusRows(); len(rows) != 2 || slices.ContainsFunc(rows, func(r accountview.StatusRow) bool { return r.Account == "work" }) {
		t.Errorf("after work's logout: %+v", rows)
	}
	if _, out, _ := oneShot(t, env, "logout", resource, "--account", "nobody", "--token-store", "file"); !strings.Contains(out, "2 other sign-in(s)") {
		t.Errorf("logout of an account never signed in names no other sign-ins: %s", out)
	}
	bridgeOnce(t, env, resource, "--account", "home") // still signed in
	if st := as.Stats(); st.AuthorizeRequests != 3 {
		t.Errorf("home signed in again after work's logout: %+v", st)
	}
	if code, _, errOut := oneShot(t, env, resource, "--account", "bad\x1bname"); code == 0 || !strings.Contains(errOut, "printable") {
		t.Errorf("an account name with an escape: exit %d, %s", code, errOut)
	}
}

// TestHelperHeaders is not a test: re-executed as the --headers-helper of
// TestHeadersHelperThroughTheBinary, it prints the header the server wants.
func TestHelperHeaders(t *testing.T) {
	if os.Getenv("MCPBRIDGE_TEST_HEADERS") != "1" {
		t.Skip("helper process only")
	}
	os.Stdout.WriteString(`{"X-Api-Key": "key-from-helper"}`)
	os.Exit(0)
}

// TestHeadersHelperThroughTheBinary: the helper's header reaches the
// server; a helper that cannot run answers the request with an error
// naming it; the header's value is nowhere on stderr.
func TestHeadersHelperThroughTheBinary(t *testing.T) {
	mcp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Api-Key") != "key-from-helper" {
			http.Error(w, "no key", http.StatusUnauthorized)
			return
		}
		(&sessionServer{}).ServeHTTP(w, r)
	}))
	t.Cleanup(mcp.Close)
	dir := t.TempDir()
	env := []string{"MCPBRIDGE_CONFIG_DIR=" + dir, "MCPBRIDGE_TEST_HEADERS=1"}
	stderr := bridgeOnce(t, env, mcp.URL+"/mcp", "--headers-helper", "'"+os.Args[0]+"' -test.run=^TestHelperHeaders$", "--debug")
	if strings.Contains(stderr, "key-from-helper") || strings.Contains(debugLogs(t, dir), "key-from-helper") {
		t.Error("stderr or the debug log shows the helper's output")
	}
	c := startChild(t, env, mcp.URL+"/mcp", "--headers-helper", "/nonexistent/helper --flag")
	got := c.roundTrip(t, initLine)
	if !strings.Contains(got, `"error"`) || !strings.Contains(got, "--headers-helper helper failed") {
		t.Errorf("answer with a helper that cannot run: %s", got)
	}
}
