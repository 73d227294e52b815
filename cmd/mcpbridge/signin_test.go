package main

import (
	"bufio"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/fakeas"
)

// protectedServer starts an authorization server with opts and a test MCP
// server it protects (mcp:read), serving its resource metadata; both stop
// with the test. Each wrap, if any, wraps the protected MCP endpoint (a
// test watching what it answers).
func protectedServer(t *testing.T, opts fakeas.Options, wrap ...func(http.Handler) http.Handler) (*fakeas.Server, string) {
	t.Helper()
	as := fakeas.New(opts)
	t.Cleanup(as.Close)
	mux := http.NewServeMux()
	mcp := httptest.NewServer(mux)
	t.Cleanup(mcp.Close)
	resource := mcp.URL + "/mcp"
	prm := fakeas.ResourceMetadataURL(resource)
	protected := as.ProtectResource(&sessionServer{}, resource, prm, "mcp:read")
	for _, w := range wrap {
		protected = w(protected)
	}
	mux.Handle("/mcp", protected)
	u, _ := url.Parse(prm)
	mux.Handle(u.Path, as.ProtectedResourceMetadata(resource, []string{"mcp:read"}))
	return as, resource
}

// TestHelperBrowser is not a test: re-executed through $BROWSER by
// TestSignInThroughTheBinary, it plays the user's browser, following the
// authorization URL's redirects to mcpbridge's loopback callback.
func TestHelperBrowser(t *testing.T) {
	if os.Getenv("MCPBRIDGE_TEST_BROWSER") != "1" {
		t.Skip("helper process only")
	}
	u := os.Args[len(os.Args)-1]
	resp, err := http.Get(u) // follows the 302 to the callback
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Signed in") {
		t.Fatalf("callback page: HTTP %d: %s", resp.StatusCode, body)
	}
}

// TestSignInThroughTheBinary: the real binary, started by a host with no
// stored credentials, meets a 401, signs in through $BROWSER, answers;
// a second start reuses the stored token without a browser. Stdout stays
// JSON-RPC only, and no token appears on stderr or in the debug log.
func TestSignInThroughTheBinary(t *testing.T) {
	as, resource := protectedServer(t, fakeas.Options{})

	dir := t.TempDir()
	env := []string{
		"MCPBRIDGE_CONFIG_DIR=" + dir,
		"MCPBRIDGE_TEST_BROWSER=1",
		"BROWSER=" + os.Args[0] + " -test.run=^TestHelperBrowser$ %s",
	}
	run := func() string {
		c := startChild(t, env, resource, "--token-store", "file", "--debug", "--auth-timeout", "20")
		got := c.roundTripWithin(t, initLine, 20*time.Second)
		if !strings.Contains(got, `"id":1,"result"`) {
			t.Fatalf("initialize answer = %s; stderr: %s", got, c.stderr)
		}
		c.stdin.Close()
		if code := c.wait(t, 5*time.Second); code != 0 {
			t.Fatalf("exit %d; stderr: %s", code, c.stderr)
		}
		return c.stderr.String()
	}
	stderr1 := run()
	if st := as.Stats(); st.AuthorizeRequests != 1 || st.ClientsRegistered != 1 {
		t.Fatalf("first start: %+v", st)
	}
	if !strings.Contains(stderr1, "in your browser") || !strings.Contains(stderr1, as.AuthorizeURL()) {
		t.Errorf("stderr does not give the sign-in link:\n%s", stderr1)
	}
	stderr2 := run()
	if st := as.Stats(); st.AuthorizeRequests != 1 {
		t.Errorf("the second start signed in again: %+v", st)
	}

	// No token, code or secret on stderr or in the debug log.
	secrets := storedSecrets(t, dir)
	logs, _ := filepath.Glob(filepath.Join(dir, "logs", "*.log"))
	var logText []byte
	for _, l := range logs {
		b, _ := os.ReadFile(l)
		logText = append(logText, b...)
	}
	for _, s := range secrets {
		for name, text := range map[string]string{"stderr": stderr1 + stderr2, "debug log": string(logText)} {
			if strings.Contains(text, s) {
				t.Errorf("the %s holds a secret (%d characters)", name, len(s))
			}
		}
	}
	if len(secrets) == 0 {
		t.Fatal("found no stored token to check for")
	}
}

// storedSecrets returns the token strings kept in the file store.
func storedSecrets(t *testing.T, dir string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "secrets", "*.secret"))
	var out []string
	for _, f := range files {
		b, _ := os.ReadFile(f)
		var rec struct {
			Token struct {
				AccessToken  string `json:"access_token"`
				RefreshToken string `json:"refresh_token"`
			} `json:"token"`
			ClientSecret string `json:"client_secret"`
		}
		if json.Unmarshal(b, &rec) == nil {
			for _, s := range []string{rec.Token.AccessToken, rec.Token.RefreshToken, rec.ClientSecret} {
				if s != "" {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

// roundTripWithin is roundTrip with a longer deadline (a sign-in).
func (c *child) roundTripWithin(t *testing.T, line string, d time.Duration) string {
	t.Helper()
	if _, err := io.WriteString(c.stdin, line+"\n"); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() { l, _ := c.stdout.ReadString('\n'); got <- l }()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	select {
	case l := <-got:
		return strings.TrimSuffix(l, "\n")
	case <-ctx.Done():
		t.Fatalf("no answer to %s within %v; stderr: %s", line, d, c.stderr)
		return ""
	}
}

// TestLoginStatusLogout: login signs in from a terminal, status shows it
// (no secret, no keychain), logout revokes at the authorization server and
// forgets, and status then shows nothing.
func TestLoginStatusLogout(t *testing.T) {
	as, resource := protectedServer(t, fakeas.Options{})
	dir := t.TempDir()
	env := []string{"MCPBRIDGE_CONFIG_DIR=" + dir, "MCPBRIDGE_TEST_BROWSER=1",
		"BROWSER=" + os.Args[0] + " -test.run=^TestHelperBrowser$ %s"}
	cmd := func(args ...string) (int, string, string) {
		c := startChild(t, env, args...)
		c.stdin.Close()
		outCh := make(chan string, 1)
		go func() { b, _ := io.ReadAll(c.stdout); outCh <- string(b) }() // before Wait closes the pipe
		out := <-outCh
		code := c.wait(t, 20*time.Second)
		return code, out, c.stderr.String()
	}

	if code, out, errOut := cmd("login", resource, "--token-store", "file"); code != 0 || !strings.Contains(out, "Signed in") {
		t.Fatalf("login: exit %d, %q, %q", code, out, errOut)
	}
	if st := as.Stats(); st.AuthorizeRequests != 1 {
		t.Fatalf("login did not sign in: %+v", st)
	}
	code, out, _ := cmd("status", "--json")
	var rows []struct {
		Server   string   `json:"server"`
		Issuer   string   `json:"issuer"`
		SignedIn bool     `json:"signed_in"`
		Scopes   []string `json:"scopes"`
		Storage  string   `json:"storage"`
	}
	if err := json.Unmarshal([]byte(out), &rows); code != 0 || err != nil || len(rows) != 1 ||
		rows[0].Server != resource || rows[0].Issuer != as.URL() || !rows[0].SignedIn || rows[0].Storage != "file" {
		t.Fatalf("status --json: exit %d, %s (%v)", code, out, err)
	}
	if code, out, _ := cmd("status"); code != 0 || !strings.Contains(out, resource) || !strings.Contains(out, "yes") {
		t.Errorf("status: exit %d, %s", code, out)
	}
	for _, s := range storedSecrets(t, dir) {
		if strings.Contains(out, s) {
			t.Error("status shows a secret")
		}
	}
	if code, out, errOut := cmd("logout", resource, "--token-store", "file"); code != 0 || !strings.Contains(out, "Signed out") {
		t.Fatalf("logout: exit %d, %q, %q", code, out, errOut)
	}
	if st := as.Stats(); st.Revocations == 0 {
		t.Errorf("logout revoked nothing: %+v", st)
	}
	if code, out, _ := cmd("status"); code != 0 || !strings.Contains(out, "Not signed in") {
		t.Errorf("status after logout: exit %d, %s", code, out)
	}
	if code, _, errOut := cmd("logout"); code != 2 || !strings.Contains(errOut, "--all") {
		t.Errorf("logout with neither URL nor --all: exit %d, %s", code, errOut)
	}
}

// TestLoginNoBrowser: over SSH, login prints the link and takes the
// redirected address pasted back; a wrong paste is refused with a hint and
// the right one then signs in.
func TestLoginNoBrowser(t *testing.T) {
	as, resource := protectedServer(t, fakeas.Options{})

	bin, err := buildOnce()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "login", resource, "--no-browser", "--token-store", "file")
	cmd.Env = append(os.Environ(), "MCPBRIDGE_CONFIG_DIR="+t.TempDir(), "BROWSER=/nonexistent-must-not-run")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()

	link := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if l := strings.TrimSpace(sc.Text()); strings.HasPrefix(l, as.AuthorizeURL()) {
				link <- l
			}
		}
	}()
	var authURL string
	select {
	case authURL = <-link:
	case <-time.After(10 * time.Second):
		t.Fatal("login printed no link")
	}
	// The browser on "another machine": follow the authorization URL but
	// not the last hop, which goes to this machine's loopback.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	redirected := resp.Header.Get("Location")
	if !strings.Contains(redirected, "code=") {
		t.Fatalf("the authorization server redirected to %q", redirected)
	}
	fmt.Fprintln(stdin, "https://example.com/not-it")
	fmt.Fprintln(stdin, redirected)
	out, _ := io.ReadAll(stdout)
	if err := cmd.Wait(); err != nil || !strings.Contains(string(out), "Signed in") {
		t.Fatalf("login: %v, stdout %q", err, out)
	}
	if st := as.Stats(); st.TokenRequests["authorization_code"] != 1 {
		t.Errorf("token requests %+v", st.TokenRequests)
	}
}

// TestImportMCPRemote: credentials mcp-remote stored are taken over, and
// the bridge starts signed in, without a browser.
func TestImportMCPRemote(t *testing.T) {
	as, resource := protectedServer(t, fakeas.Options{Clients: []fakeas.Client{{ID: "mr-client"}}})
	at, rt, err := as.Grant("mr-client", []string{"mcp:read"}, resource)
	if err != nil {
		t.Fatal(err)
	}
	mr := t.TempDir()
	files := filepath.Join(mr, "mcp-remote-v1")
	_ = os.MkdirAll(files, 0o700)
	sum := md5.Sum([]byte(resource))
	hash := hex.EncodeToString(sum[:])
	_ = os.WriteFile(filepath.Join(files, hash+"_tokens.json"), fmt.Appendf(nil,
		`{"access_token":%q,"token_type":"Bearer","refresh_token":%q,"expires_in":3600,"expires_at":%d,"scope":"mcp:read","issuer":%q}`,
		at, rt, time.Now().Add(time.Hour).UnixMilli(), as.URL()), 0o600)
	_ = os.WriteFile(filepath.Join(files, hash+"_client_info.json"), []byte(`{"client_id":"mr-client","redirect_uris":["http://localhost:3334/oauth/callback"],"token_endpoint_auth_method":"none"}`), 0o600)

	env := []string{"MCPBRIDGE_CONFIG_DIR=" + t.TempDir(), "MCP_REMOTE_CONFIG_DIR=" + mr, "BROWSER=/nonexistent-must-not-run"}
	c := startChild(t, env, "import-mcp-remote", resource, "--token-store", "file")
	c.stdin.Close()
	if code := c.wait(t, 10*time.Second); code != 0 {
		t.Fatalf("import: exit %d: %s", code, c.stderr)
	}
	b := startChild(t, env, resource, "--token-store", "file")
	if got := b.roundTrip(t, initLine); !strings.Contains(got, `"result"`) {
		t.Fatalf("initialize after the import: %s; stderr %s", got, b.stderr)
	}
	if st := as.Stats(); st.AuthorizeRequests != 0 {
		t.Errorf("signed in again despite the import: %+v", st)
	}
}

// TestDemoOAuth: `mcpbridge demo --oauth`, started by a host, signs in to
// its own protected demo server through $BROWSER and answers, keeping the
// user's config folder untouched.
func TestDemoOAuth(t *testing.T) {
	dir := t.TempDir()
	c := startChild(t, []string{"MCPBRIDGE_CONFIG_DIR=" + dir, "MCPBRIDGE_TEST_BROWSER=1",
		"BROWSER=" + os.Args[0] + " -test.run=^TestHelperBrowser$ %s"}, "demo", "--oauth")
	if got := c.roundTripWithin(t, initLine, 20*time.Second); !strings.Contains(got, `"mcpbridge-demo"`) {
		t.Fatalf("initialize = %s; stderr %s", got, c.stderr)
	}
	c.stdin.Close()
	if code := c.wait(t, 5*time.Second); code != 0 {
		t.Fatalf("exit %d", code)
	}
	// After the exit: stderr is copied from the child asynchronously.
	if !strings.Contains(c.stderrText(), "signed in") {
		t.Errorf("no sign-in on stderr: %s", c.stderrText())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the demo wrote into the user's config folder: %v", entries)
	}
}

// TestLoginTakesTheCallbackPort: `login URL PORT` listens on that port,
// as the bridge does (the redirect URI of a pre-registered client).
func TestLoginTakesTheCallbackPort(t *testing.T) {
	as, resource := protectedServer(t, fakeas.Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	c := startChild(t, []string{"MCPBRIDGE_CONFIG_DIR=" + t.TempDir(), "MCPBRIDGE_TEST_BROWSER=1",
		"BROWSER=" + os.Args[0] + " -test.run=^TestHelperBrowser$ %s"}, "login", resource, strconv.Itoa(port), "--token-store", "file")
	c.stdin.Close()
	if code := c.wait(t, 20*time.Second); code != 0 {
		t.Fatalf("login: exit %d: %s", code, c.stderrText())
	}
	if reqs := as.AuthorizeRequests(); len(reqs) != 1 || !strings.Contains(reqs[0].Params.Get("redirect_uri"), ":"+strconv.Itoa(port)+"/") {
		t.Fatalf("redirect_uri %v, want port %d", reqs, port)
	}
}
