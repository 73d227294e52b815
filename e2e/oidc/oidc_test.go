package oidc

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/testwait"
)

// The versions e2e/oidc/setup.sh pins; keep them in step.
const (
	oidcProviderVersion   = "8.8.1"
	playwrightCoreVersion = "1.65.1"
)

// askedScopes is what the bridge asks for with --scope.
const askedScopes = "mcp:tools openid offline_access"

// accessTokenTTL is the provider's access token lifetime.
const accessTokenTTL = 20 * time.Second

// TestSignInWithOIDCProvider: mcpbridge, started by a host with no stored
// credentials, meets the MCP server's 401, discovers oidc-provider through
// the protected resource metadata, registers, and signs in through
// headless Chromium on the provider's real login and consent pages; a
// second mcpbridge with the same config folder answers without a browser;
// once the server refuses the access token, a tool call still works because
// mcpbridge refreshed the token, with the RFC 8707 resource.
func TestSignInWithOIDCProvider(t *testing.T) {
	env := requireSetup(t)
	bin := buildBridge(t)
	tmp := t.TempDir()
	shots := keepOnFailure(t, "e2e-oidc-shots-")

	// The MCP server's address first: the provider needs it as the
	// allowed resource, the server needs the provider's issuer.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	resource := "http://" + ln.Addr().String() + "/mcp"
	events := filepath.Join(tmp, "provider-events.jsonl")
	issuer := startProvider(t, env, resource, events)
	mcpServer := &protectedServer{resource: resource, issuer: issuer, http: &http.Client{Timeout: 10 * time.Second}}
	httpServer := &http.Server{Handler: mcpServer.handler("/mcp"), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = httpServer.Serve(ln) }()
	t.Cleanup(func() { _ = httpServer.Close() })
	t.Logf("MCP server %s, authorization server %s", resource, issuer)

	config := filepath.Join(tmp, "config")
	bridgeEnv := func(browser string) []string {
		return append(slices.Clone(env.vars), "MCPBRIDGE_CONFIG_DIR="+config, "BROWSER="+browser)
	}
	// --scope: exactly these reach the authorization request (the
	// discovery chain alone would ask for mcp:tools and offline_access).
	args := []string{resource, "--token-store", "file", "--debug", "--scope", askedScopes}

	// 1. First run: the sign-in through Chromium.
	done := filepath.Join(tmp, "browser-done")
	browserEnv := append(bridgeEnv("node "+filepath.Join(env.here, "browser.mjs")+" %s"),
		"OIDC_SHOTS="+shots, "OIDC_BROWSER_DONE="+done, "OIDC_LOGIN=alice")
	first := startBridge(t, bin, browserEnv, append(args, "--auth-timeout", "60")...)
	first.abort = func() string { // the browser script failed: no need to wait
		if b, err := os.ReadFile(done); err == nil && len(b) > 0 && string(b) != "ok" {
			return fmt.Sprintf("the browser script failed: %s (screenshots in %s)", b, shots)
		}
		return ""
	}
	first.initialize(t, 75*time.Second)
	if got := first.toolNames(t); !slices.Contains(got, "whoami") {
		t.Fatalf("tools/list: %v, want whoami", got)
	}
	if got := first.callTool(t, "whoami"); got != "signed in as alice" {
		t.Fatalf("tools/call whoami = %q; want the login typed in Chromium", got)
	}
	first.close(t)
	if outcome := waitForFile(t, done, 15*time.Second); outcome != "ok" {
		t.Fatalf("the browser script: %s (screenshots in %s)", outcome, shots)
	}
	if _, err := os.Stat(filepath.Join(shots, "final.png")); err != nil {
		t.Errorf("no screenshot of the final page: %v", err)
	}
	if !strings.Contains(first.stderr.String(), "in your browser") {
		t.Errorf("stderr gave no sign-in link:\n%s", first.stderr)
	}
	ev := readEvents(t, events)
	checkSignIn(t, ev, resource)
	checkAskedScopes(t, first.stderr.String())
	checkNoRefusals(t, ev, "first run", first)

	// 2. Second run: the stored tokens, no browser.
	marker := filepath.Join(tmp, "browser-was-opened")
	noBrowser := filepath.Join(tmp, "no-browser.sh")
	if err := os.WriteFile(noBrowser, []byte("#!/bin/sh\necho \"$1\" > '"+marker+"'\nexit 1\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	second := startBridge(t, bin, bridgeEnv("sh "+noBrowser+" %s"), append(args, "--auth-timeout", "10")...)
	second.abort = func() string { // no need to wait for the sign-in to time out
		if u, err := os.ReadFile(marker); err == nil {
			return "mcpbridge opened a browser at " + string(bytes.TrimSpace(u))
		}
		return ""
	}
	second.initialize(t, 20*time.Second)
	if got := second.callTool(t, "whoami"); got != "signed in as alice" {
		t.Fatalf("second run: tools/call whoami = %q", got)
	}
	checkNoBrowser(t, marker, "the second run", second)
	if n := count(readEvents(t, events), "authorization.success", ""); n != 1 {
		t.Errorf("the second run signed in again: %d authorizations", n)
	}

	// 3. Refresh: the server stops taking the access tokens it has seen
	// (as it would once they expire; mcpbridge's refresh ahead of the
	// expiry it recorded is tested on a settable clock in oauthflow), and
	// a call still works: mcpbridge refreshes at the real provider.
	before := mcpServer.accepted()
	if len(before) == 0 {
		t.Fatal("the MCP server accepted no token")
	}
	mcpServer.revokeSeen()
	waited := time.Now()
	if got := second.callTool(t, "whoami"); got != "signed in as alice" {
		t.Fatalf("after the server refused the access token: tools/call whoami = %q\nserver saw:\n%s", got, mcpServer.summary())
	}
	checkNoBrowser(t, marker, "the refresh", second)
	fresh := false
	for _, tok := range mcpServer.accepted() {
		if tok.at.After(waited) && !slices.ContainsFunc(before, func(b seenToken) bool { return b.jti == tok.jti }) {
			fresh = true
		}
	}
	if !fresh {
		t.Errorf("no new access token reached the server after %s:\n%s", waited.Format(time.TimeOnly), mcpServer.summary())
	}
	ev = readEvents(t, events)
	refreshed := false
	for _, e := range ev {
		if e.Event == "grant.success" && e.GrantType == "refresh_token" && !e.Time.Before(waited) {
			refreshed = true
			if e.Resource != resource {
				t.Errorf("a refresh asked for resource %q, want %q", e.Resource, resource)
			}
		}
	}
	if !refreshed {
		t.Errorf("the provider saw no successful refresh_token grant after %s:\n%s", waited.Format(time.TimeOnly), eventLines(ev))
	}
	checkNoRefusals(t, ev, "the refresh", second)
	second.close(t)

	// 4. The grant ledger: sign-in, reuse and refresh, then logout, leave
	// granted, refreshed and revoked, and no secret the provider issued.
	checkLedger(t, bin, bridgeEnv("sh "+noBrowser+" %s"), config, resource, issuer)
	t.Logf("the provider saw %d registration, %d authorization, %d code grant, %d refresh grants, %d refused requests",
		count(ev, "registration_create.success", ""), count(ev, "authorization.success", ""),
		count(ev, "grant.success", "authorization_code"), count(ev, "grant.success", "refresh_token"),
		count(ev, "grant.error", "")+count(ev, "authorization.error", "")+count(ev, "registration_create.error", ""))
}

// setup is what requireSetup found.
type setup struct {
	here    string   // this folder, where the Node scripts are
	modules string   // node_modules holding oidc-provider and playwright-core
	vars    []string // environment for the Node scripts
}

// requireSetup skips the test (fails it when CI=true) unless node,
// Chromium and the npm packages of e2e/oidc/setup.sh are there.
func requireSetup(t *testing.T) setup {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	here := filepath.Dir(file)
	repo := filepath.Dir(filepath.Dir(here))
	prefix := os.Getenv("MCPBRIDGE_OIDC_NPM_PREFIX")
	if prefix == "" {
		prefix = filepath.Join(repo, ".cache", "npm-oidc")
	} else if !filepath.IsAbs(prefix) {
		prefix = filepath.Join(repo, prefix)
	}
	modules := filepath.Join(prefix, "node_modules")
	var missing []string
	if _, err := exec.LookPath("node"); err != nil {
		missing = append(missing, "node is not on PATH")
	}
	if _, err := os.Stat("/usr/bin/chromium"); err != nil {
		missing = append(missing, "/usr/bin/chromium is not installed")
	}
	for pkg, want := range map[string]string{"oidc-provider": oidcProviderVersion, "playwright-core": playwrightCoreVersion} {
		var meta struct{ Version string }
		raw, err := os.ReadFile(filepath.Join(modules, pkg, "package.json"))
		if err == nil {
			err = json.Unmarshal(raw, &meta)
		}
		switch {
		case err != nil:
			missing = append(missing, pkg+" is not installed in "+modules)
		case meta.Version != want:
			missing = append(missing, fmt.Sprintf("%s %s is installed in %s; setup.sh pins %s", pkg, meta.Version, modules, want))
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		msg := strings.Join(missing, "; ") + ": run `bash e2e/oidc/setup.sh` first"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return setup{here: here, modules: modules, vars: []string{"OIDC_NODE_MODULES=" + modules}}
}

// buildBridge builds mcpbridge into a temporary folder.
func buildBridge(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "mcpbridge")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/mcpbridge/mcpbridge/cmd/mcpbridge").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// keepOnFailure makes a folder that is removed after the test unless it
// failed, when its path is logged.
func keepOnFailure(t *testing.T, pattern string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("screenshots kept in %s", dir)
			return
		}
		_ = os.RemoveAll(dir)
	})
	return dir
}

// startProvider runs provider.mjs for resource and returns its issuer.
func startProvider(t *testing.T, env setup, resource, events string) string {
	t.Helper()
	cmd := exec.Command("node", filepath.Join(env.here, "provider.mjs"))
	cmd.Env = append(os.Environ(), env.vars...)
	cmd.Env = append(cmd.Env, "OIDC_RESOURCE="+resource, "OIDC_SCOPE="+mcpScope,
		fmt.Sprintf("OIDC_AT_TTL=%d", int(accessTokenTTL.Seconds())), "OIDC_EVENTS="+events)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("provider stderr:\n%s", stderr)
		}
	})
	line := make(chan string, 1)
	go func() { l, _ := bufio.NewReader(stdout).ReadString('\n'); line <- l }()
	select {
	case l := <-line:
		var ready struct{ Issuer string }
		if err := json.Unmarshal([]byte(l), &ready); err != nil || ready.Issuer == "" {
			t.Fatalf("provider.mjs said %q; stderr:\n%s", l, stderr)
		}
		return ready.Issuer
	case <-time.After(20 * time.Second):
		t.Fatalf("provider.mjs did not start within 20 s; stderr:\n%s", stderr)
		return ""
	}
}

// event is one line of the provider's event log.
type event struct {
	Time                    time.Time `json:"time"`
	Event                   string    `json:"event"`
	GrantType               string    `json:"grant_type"`
	Resource                string    `json:"resource"`
	Scope                   string    `json:"scope"`
	ClientID                string    `json:"client_id"`
	ApplicationType         string    `json:"application_type"`
	TokenEndpointAuthMethod string    `json:"token_endpoint_auth_method"`
	RedirectURIs            []string  `json:"redirect_uris"`
	CodeChallengeMethod     string    `json:"code_challenge_method"`
	Error                   string    `json:"error"`
	Description             string    `json:"description"`
	raw                     string
}

func readEvents(t *testing.T, path string) []event {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var out []event
	for _, l := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		if l == "" {
			continue
		}
		var e event
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("provider event %q: %v", l, err)
		}
		e.raw = l
		out = append(out, e)
	}
	return out
}

func eventLines(ev []event) string {
	var b strings.Builder
	for _, e := range ev {
		b.WriteString("  " + e.raw + "\n")
	}
	return b.String()
}

// count counts the events of a kind (and grant type, when given).
func count(ev []event, kind, grantType string) int {
	n := 0
	for _, e := range ev {
		if e.Event == kind && (grantType == "" || e.GrantType == grantType) {
			n++
		}
	}
	return n
}

// checkSignIn checks what the provider saw of the first sign-in: one
// native public client registered with a loopback redirect, one
// authorization with PKCE S256 and the resource, one code exchanged with
// the resource.
func checkSignIn(t *testing.T, ev []event, resource string) {
	t.Helper()
	var regs, auths, codes []event
	for _, e := range ev {
		switch {
		case e.Event == "registration_create.success":
			regs = append(regs, e)
		case e.Event == "authorization.success":
			auths = append(auths, e)
		case e.Event == "grant.success" && e.GrantType == "authorization_code":
			codes = append(codes, e)
		}
	}
	if len(regs) != 1 || len(auths) != 1 || len(codes) != 1 {
		t.Fatalf("want one registration, one authorization and one code grant; the provider saw:\n%s", eventLines(ev))
	}
	r := regs[0]
	if r.ApplicationType != "native" || r.TokenEndpointAuthMethod != "none" || len(r.RedirectURIs) != 1 ||
		!strings.HasPrefix(r.RedirectURIs[0], "http://localhost:") || !strings.HasSuffix(r.RedirectURIs[0], "/oauth/callback") {
		t.Errorf("registration: %s", r.raw)
	}
	if a := auths[0]; a.CodeChallengeMethod != "S256" || a.Resource != resource || a.ClientID != r.ClientID ||
		!slices.Contains(strings.Fields(a.Scope), mcpScope) {
		t.Errorf("authorization request: %s", a.raw)
	}
	if c := codes[0]; c.Resource != resource {
		t.Errorf("code grant: %s", c.raw)
	}
}

// checkAskedScopes: stderr named the scopes before the browser opened, and
// the authorization request asked for exactly --scope's (the provider's
// event log holds what it granted: offline_access only with
// prompt=consent, OpenID Connect Core §11).
func checkAskedScopes(t *testing.T, stderr string) {
	t.Helper()
	_, link, ok := strings.Cut(stderr, "open this link: ")
	link, _, _ = strings.Cut(link, "\n")
	u, err := url.Parse(strings.TrimSpace(link))
	if !ok || err != nil {
		t.Fatalf("no authorization link on stderr:\n%s", stderr)
	}
	if got := u.Query().Get("scope"); got != askedScopes {
		t.Errorf("the authorization request asked for scope %q, want exactly %q", got, askedScopes)
	}
	if !strings.Contains(stderr, askedScopes) {
		t.Errorf("stderr did not say which scopes were asked for before the browser opened:\n%s", stderr)
	}
}

// checkNoRefusals reports every token request the provider refused.
func checkNoRefusals(t *testing.T, ev []event, when string, b *bridge) {
	t.Helper()
	var refused []string
	for _, e := range ev {
		if strings.HasSuffix(e.Event, ".error") || e.Event == "server_error" {
			refused = append(refused, e.raw)
		}
	}
	if len(refused) > 0 {
		t.Errorf("%s: the provider refused %d request(s):\n  %s\nmcpbridge stderr:\n%s", when, len(refused),
			strings.Join(refused, "\n  "), b.stderr)
	}
}

// checkNoBrowser fails the test when mcpbridge ran $BROWSER.
func checkNoBrowser(t *testing.T, marker, when string, b *bridge) {
	t.Helper()
	if u, err := os.ReadFile(marker); err == nil {
		t.Fatalf("%s opened a browser at %s; mcpbridge stderr:\n%s", when, bytes.TrimSpace(u), b.stderr)
	}
}

// waitForFile returns the content of path once it has some, within d.
func waitForFile(t *testing.T, path string, d time.Duration) string {
	t.Helper()
	var content []byte
	if !testwait.Until(d, func() bool {
		b, err := os.ReadFile(path)
		content = b
		return err == nil && len(b) > 0
	}) {
		t.Fatalf("%s did not appear within %v", path, d)
	}
	return strings.TrimSpace(string(content))
}

// bridge is a running mcpbridge, driven as a host drives it.
type bridge struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	stderr *lockedBuffer
	config string
	exited chan struct{}
	nextID int
	// abort, when set, is asked while waiting for an answer: a non-empty
	// reason ends the wait (and the test) at once.
	abort func() string
}

func startBridge(t *testing.T, bin string, env []string, args ...string) *bridge {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	b := &bridge{cmd: cmd, stdin: stdin, lines: make(chan string, 64), stderr: &lockedBuffer{}, exited: make(chan struct{})}
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "MCPBRIDGE_CONFIG_DIR="); ok {
			b.config = v
		}
	}
	cmd.Stderr = b.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		r := bufio.NewReader(stdout)
		for {
			l, err := r.ReadString('\n')
			if l != "" {
				b.lines <- l
			}
			if err != nil {
				close(b.lines)
				return
			}
		}
	}()
	go func() { _ = cmd.Wait(); close(b.exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-b.exited
		if t.Failed() {
			t.Logf("mcpbridge %v stderr:\n%s%s", args, b.stderr, b.debugLog())
		}
	})
	return b
}

// debugLog is the tail of mcpbridge's --debug logs.
func (b *bridge) debugLog() string {
	logs, _ := filepath.Glob(filepath.Join(b.config, "logs", "*.log"))
	var out strings.Builder
	for _, l := range logs {
		raw, _ := os.ReadFile(l)
		if len(raw) > 8000 {
			raw = raw[len(raw)-8000:]
		}
		fmt.Fprintf(&out, "--- %s (tail)\n%s\n", l, raw)
	}
	return out.String()
}

// request sends a JSON-RPC request and returns its result, within d;
// every stdout line must be a JSON-RPC message.
func (b *bridge) request(t *testing.T, method string, params any, d time.Duration) json.RawMessage {
	t.Helper()
	b.nextID++
	id := b.nextID
	line, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
	if _, err := b.stdin.Write(append(line, '\n')); err != nil {
		t.Fatalf("%s: write: %v", method, err)
	}
	timeout := time.After(d)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			if b.abort != nil {
				if why := b.abort(); why != "" {
					t.Fatalf("%s: %s", method, why)
				}
			}
		case l, ok := <-b.lines:
			if !ok {
				t.Fatalf("%s: mcpbridge closed stdout; stderr:\n%s", method, b.stderr)
			}
			var msg struct {
				ID     *int            `json:"id"`
				Method string          `json:"method"`
				Result json.RawMessage `json:"result"`
				Error  json.RawMessage `json:"error"`
			}
			if err := json.Unmarshal([]byte(l), &msg); err != nil {
				t.Fatalf("stdout line is not JSON-RPC: %q", l)
			}
			if msg.ID == nil || *msg.ID != id || msg.Method != "" {
				continue // a notification, or a request from the server
			}
			if msg.Error != nil {
				t.Fatalf("%s: error %s", method, msg.Error)
			}
			return msg.Result
		case <-timeout:
			t.Fatalf("%s: no answer within %v", method, d)
		}
	}
}

func (b *bridge) notify(t *testing.T, method string) {
	t.Helper()
	line, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": method})
	if _, err := b.stdin.Write(append(line, '\n')); err != nil {
		t.Fatalf("%s: write: %v", method, err)
	}
}

func (b *bridge) initialize(t *testing.T, d time.Duration) {
	t.Helper()
	res := b.request(t, "initialize", map[string]any{
		"protocolVersion": "2025-11-25", "capabilities": map[string]any{},
		"clientInfo": map[string]any{"name": "e2e-oidc", "version": "1"},
	}, d)
	var init struct {
		ServerInfo struct{ Name string } `json:"serverInfo"`
	}
	if err := json.Unmarshal(res, &init); err != nil || init.ServerInfo.Name != "e2e-oidc-protected" {
		t.Fatalf("initialize: %s", res)
	}
	b.notify(t, "notifications/initialized")
}

func (b *bridge) toolNames(t *testing.T) []string {
	t.Helper()
	var list struct {
		Tools []struct{ Name string } `json:"tools"`
	}
	if err := json.Unmarshal(b.request(t, "tools/list", map[string]any{}, 15*time.Second), &list); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range list.Tools {
		names = append(names, tool.Name)
	}
	return names
}

// callTool calls a tool without arguments and returns its text.
func (b *bridge) callTool(t *testing.T, name string) string {
	t.Helper()
	res := b.request(t, "tools/call", map[string]any{"name": name, "arguments": map[string]any{}}, 20*time.Second)
	var r struct {
		Content []struct{ Type, Text string } `json:"content"`
		IsError bool                          `json:"isError"`
	}
	if err := json.Unmarshal(res, &r); err != nil || r.IsError || len(r.Content) != 1 {
		t.Fatalf("tools/call %s: %s", name, res)
	}
	return r.Content[0].Text
}

// close ends the bridge as a host does (stdin EOF) and waits for it.
func (b *bridge) close(t *testing.T) {
	t.Helper()
	_ = b.stdin.Close()
	select {
	case <-b.exited:
		if code := b.cmd.ProcessState.ExitCode(); code != 0 {
			t.Errorf("mcpbridge exited %d; stderr:\n%s", code, b.stderr)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("mcpbridge still running 10 s after stdin closed")
	}
}

// lockedBuffer is a child's stderr, safe to read while it writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// ledgerEvent is the part of a `grants --json` event the test reads.
type ledgerEvent struct {
	Event           string   `json:"event"`
	Server          string   `json:"server"`
	Issuer          string   `json:"issuer"`
	GrantType       string   `json:"grant_type"`
	RequestedScopes []string `json:"requested_scopes"`
	Scopes          []string `json:"scopes"`
	RefreshToken    bool     `json:"refresh_token"`
	Revocation      string   `json:"revocation"`
}

// checkLedger reads `mcpbridge grants --json` after the runs above (one
// sign-in, one reuse, at least one refresh), logs out, and reads it again:
// granted, refreshed…, revoked; and no token the provider issued (as
// stored in config, before the logout) in the ledger or the output.
func checkLedger(t *testing.T, bin string, env []string, config, resource, issuer string) {
	t.Helper()
	mcpbridge := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("mcpbridge %v: %v", args, err)
		}
		return string(out)
	}
	grants := func() (string, []ledgerEvent) {
		out := mcpbridge("grants", "--json")
		var events []ledgerEvent
		if err := json.Unmarshal([]byte(out), &events); err != nil {
			t.Fatalf("grants --json: %v: %s", err, out)
		}
		return out, events
	}
	var secrets []string
	files, _ := filepath.Glob(filepath.Join(config, "secrets", "*.secret"))
	for _, f := range files {
		raw, _ := os.ReadFile(f)
		var rec struct {
			Token struct {
				AccessToken  string `json:"access_token"`
				RefreshToken string `json:"refresh_token"`
				IDToken      string `json:"id_token"`
			} `json:"token"`
			ClientSecret string `json:"client_secret"`
		}
		if json.Unmarshal(raw, &rec) == nil {
			for _, s := range []string{rec.Token.AccessToken, rec.Token.RefreshToken, rec.Token.IDToken, rec.ClientSecret} {
				if s != "" {
					secrets = append(secrets, s)
				}
			}
		}
	}
	if len(secrets) == 0 {
		t.Fatal("no stored token to look for")
	}
	before, events := grants()
	kinds := func(events []ledgerEvent) string {
		var k []string
		for _, e := range events {
			k = append(k, e.Event)
		}
		return strings.Join(k, " ")
	}
	if len(events) < 2 || events[0].Event != "granted" || events[len(events)-1].Event != "refreshed" || strings.Count(kinds(events), "granted") != 1 {
		t.Fatalf("ledger after sign-in, reuse and refresh: %s, want one granted, then refreshed", kinds(events))
	}
	g := events[0]
	if g.Server != resource || g.Issuer != issuer || g.GrantType != "authorization_code" || len(g.Scopes) == 0 {
		t.Errorf("granted: %+v", g)
	}
	mcpbridge("logout", resource, "--token-store", "file", "--scope", askedScopes) // --scope names the sign-in, as it did at sign-in
	after, events := grants()
	if last := events[len(events)-1]; last.Event != "revoked" || last.Server != resource {
		t.Errorf("after logout: %s, want revoked last", kinds(events))
	}
	file, _ := os.ReadFile(filepath.Join(config, "grants.jsonl"))
	table := mcpbridge("grants")
	for _, s := range secrets {
		for what, text := range map[string]string{"the ledger": string(file), "grants --json": before + after, "grants": table} {
			if strings.Contains(text, s) {
				t.Errorf("%s holds a token the provider issued (%d characters)", what, len(s))
			}
		}
	}
	t.Logf("the ledger: %s", kinds(events))
}
