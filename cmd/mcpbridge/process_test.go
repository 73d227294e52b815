package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The tests in this file run the real mcpbridge binary as a host would: a
// child process with pipes, signals and exit codes.

var buildOnce = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "mcpbridge-bin")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "mcpbridge")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", &buildError{string(out)}
	}
	return bin, nil
})

type buildError struct{ out string }

func (e *buildError) Error() string { return "go build: " + e.out }

// sessionServer answers initialize with a session, 202 to notifications, an
// echo to anything else, and records DELETEs and the headers it saw.
type sessionServer struct {
	mu      sync.Mutex
	deletes []string
	auth    []string
}

func (s *sessionServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.auth = append(s.auth, r.Header.Get("Authorization"))
	s.mu.Unlock()
	if r.Method == http.MethodDelete {
		s.mu.Lock()
		s.deletes = append(s.deletes, r.Header.Get("Mcp-Session-Id"))
		s.mu.Unlock()
		return
	}
	id, method, ok := rpcCall(w, r)
	if !ok {
		return
	}
	if method == "initialize" {
		w.Header().Set("Mcp-Session-Id", "sess-1")
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"jsonrpc":"2.0","id":` + string(id) + `,"result":{"protocolVersion":"2025-11-25"}}`))
}

// rpcCall reads the JSON-RPC request a test server is sent; it answers a
// GET (no stream: 405) and a notification (202) itself, and then reports
// false.
func rpcCall(w http.ResponseWriter, r *http.Request) (id json.RawMessage, method string, ok bool) {
	if r.Method == http.MethodGet {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return nil, "", false
	}
	var msg struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
	}
	_ = json.NewDecoder(r.Body).Decode(&msg)
	if msg.ID == nil {
		w.WriteHeader(http.StatusAccepted)
		return nil, "", false
	}
	return msg.ID, msg.Method, true
}

func (s *sessionServer) deleted() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.deletes...)
}

type child struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	stderr *lockedBuffer
}

// lockedBuffer is stderr, safe to read while the child writes it.
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

func (c *child) stderrText() string { return c.stderr.String() }

func startChild(t *testing.T, env []string, args ...string) *child {
	t.Helper()
	bin, err := buildOnce()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	return runChild(t, cmd)
}

// runChild starts cmd with pipes to its stdin and stdout and a buffer for
// its stderr; it is killed when the test ends.
func runChild(t *testing.T, cmd *exec.Cmd) *child {
	t.Helper()
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return &child{cmd: cmd, stdin: stdin, stdout: bufio.NewReader(stdout), stderr: stderr}
}

// roundTrip sends one line and returns the next stdout line, within 5 s.
func (c *child) roundTrip(t *testing.T, line string) string {
	t.Helper()
	if _, err := io.WriteString(c.stdin, line+"\n"); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() { l, _ := c.stdout.ReadString('\n'); got <- l }()
	select {
	case l := <-got:
		return strings.TrimSuffix(l, "\n")
	case <-time.After(5 * time.Second):
		t.Fatalf("no answer to %s; stderr: %s", line, c.stderr)
		return ""
	}
}

// wait waits up to d for the process to exit and returns its exit code.
func (c *child) wait(t *testing.T, d time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case <-done:
		return c.cmd.ProcessState.ExitCode()
	case <-time.After(d):
		t.Fatalf("still running %v later; stderr: %s", d, c.stderr)
		return -1
	}
}

const initLine = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`

// TestExitOnSignalsAndEOF: stdin EOF, SIGTERM and SIGINT each end the
// bridge with exit code 0, quickly, after it ended the session with DELETE.
func TestExitOnSignalsAndEOF(t *testing.T) {
	for _, how := range []string{"eof", "SIGTERM", "SIGINT"} {
		t.Run(how, func(t *testing.T) {
			srv := &sessionServer{}
			ts := httptest.NewServer(srv)
			defer ts.Close()
			c := startChild(t, []string{"MCPBRIDGE_CONFIG_DIR=" + t.TempDir()}, ts.URL)
			if got := c.roundTrip(t, initLine); !strings.Contains(got, `"id":1,"result"`) {
				t.Fatalf("initialize answer = %s", got)
			}
			start := time.Now()
			switch how {
			case "eof":
				c.stdin.Close()
			case "SIGTERM":
				_ = c.cmd.Process.Signal(syscall.SIGTERM)
			case "SIGINT":
				_ = c.cmd.Process.Signal(syscall.SIGINT)
			}
			if code := c.wait(t, 3*time.Second); code != 0 {
				t.Fatalf("exit code %d; stderr: %s", code, c.stderr)
			}
			if took := time.Since(start); took > time.Second {
				t.Errorf("exit took %v, want well under a second", took)
			}
			if d := srv.deleted(); len(d) != 1 || d[0] != "sess-1" {
				t.Errorf("DELETEs = %q, want one for sess-1", d)
			}
		})
	}
}

// TestDebugLogKeepsSecretsAndStdoutClean: with --debug and a secret header,
// stdout carries only JSON-RPC lines, and neither stderr nor the debug log
// holds the secret, while the server did receive it.
func TestDebugLogKeepsSecretsAndStdoutClean(t *testing.T) {
	const secret = "s3cr3t-token-value"
	srv := &sessionServer{}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	dir := t.TempDir()
	c := startChild(t, []string{"MCPBRIDGE_CONFIG_DIR=" + dir, "MY_TOKEN=" + secret},
		ts.URL, "--debug", "--header", "Authorization: Bearer ${MY_TOKEN}")
	lines := []string{
		c.roundTrip(t, initLine),
		c.roundTrip(t, `not json`),
		c.roundTrip(t, `{"jsonrpc":"2.0","id":"x","method":"tools/list"}`),
	}
	c.stdin.Close()
	if code := c.wait(t, 3*time.Second); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	rest, _ := io.ReadAll(c.stdout)
	for _, l := range append(lines, strings.Fields(string(rest))...) {
		var buf bytes.Buffer
		if err := json.Compact(&buf, []byte(l)); err != nil || buf.String() != l {
			t.Errorf("stdout line is not one compact JSON message: %q", l)
		}
	}
	logs, _ := filepath.Glob(filepath.Join(dir, "logs", "*-debug.log"))
	if len(logs) != 1 {
		t.Fatalf("debug logs: %v", logs)
	}
	logText, _ := os.ReadFile(logs[0])
	if len(logText) == 0 {
		t.Error("the debug log is empty")
	}
	for name, text := range map[string]string{"stderr": c.stderr.String(), "debug log": string(logText)} {
		if strings.Contains(text, secret) {
			t.Errorf("the %s holds the secret", name)
		}
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.auth) == 0 || srv.auth[0] != "Bearer "+secret {
		t.Errorf("the server saw Authorization %q", srv.auth)
	}
}

// TestRefusesPlainHTTPToRemoteHosts: without --allow-http a non-loopback
// http:// URL is refused with exit code 2 and a sentence that says why.
func TestRefusesPlainHTTPToRemoteHosts(t *testing.T) {
	c := startChild(t, nil, "http://example.com/mcp")
	if code := c.wait(t, 3*time.Second); code != 2 {
		t.Fatalf("exit code %d, want 2", code)
	}
	if msg := c.stderr.String(); !strings.Contains(msg, "--allow-http") || !strings.Contains(msg, "unencrypted") {
		t.Errorf("stderr = %q", msg)
	}
}
