package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/stdiohost"
)

// waitTimeout bounds every wait for mcpbridge: an answer, a notification,
// a write to its stdin, its exit. Nothing in these tests waits longer.
const waitTimeout = 10 * time.Second

// RPCError is a JSON-RPC error object; Msg is one JSON-RPC message
// mcpbridge wrote on stdout (internal/stdiohost, the one stdio client the
// test tools share).
type (
	RPCError = stdiohost.Error
	Msg      = stdiohost.Msg
)

// ServerRequestHandler answers a request the server sent the client
// (sampling/createMessage, elicitation/create, roots/list): a result, or
// an error.
type ServerRequestHandler func(params json.RawMessage) (result any, err *RPCError)

// Host plays the MCP client (Claude Desktop, an IDE…) that starts
// mcpbridge as a stdio server. It writes lines to mcpbridge's stdin, reads
// its stdout line by line, checks that every line is one compact JSON-RPC
// message, answers the server's requests it was told to answer, and keeps
// everything else for the test to wait for. Every wait has a deadline.
type Host struct {
	t      testing.TB
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	conn   *stdiohost.Conn // reads stdout, writes stdin, answers server requests
	stderr *lockedBuffer

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced whenever something arrives
	msgs     []*Msg        // every stdout message, in order
	used     map[int]bool  // messages a wait has already returned
	problems []string      // stdout lines that broke the stdio rules
	reported int           // problems checkStdout has already reported
	eof      bool          // stdout ended
	handlers map[string]ServerRequestHandler

	exited  chan struct{} // closed once the process has exited
	waitErr error         // from cmd.Wait, once exited is closed
}

// StartBridge starts mcpbridge URL args... as an MCP client would, and
// stops it when the test ends.
func StartBridge(t testing.TB, url string, args ...string) *Host {
	t.Helper()
	return StartBridgeEnv(t, nil, url, args...)
}

// StartBridgeEnv is StartBridge with extra environment variables
// ("NAME=value"), which win over the inherited ones.
func StartBridgeEnv(t testing.TB, env []string, url string, args ...string) *Host {
	t.Helper()
	cmd := exec.Command(bridgeBin, append([]string{url}, args...)...)
	cmd.Env = append(os.Environ(), env...) // carries MCPBRIDGE_CONFIG_DIR from TestMain
	h := &Host{
		t:        t,
		cmd:      cmd,
		stderr:   &lockedBuffer{},
		changed:  make(chan struct{}),
		used:     map[int]bool{},
		handlers: map[string]ServerRequestHandler{},
		exited:   make(chan struct{}),
	}
	cmd.Stderr = h.stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatalf("stdin pipe: %v", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("stdout pipe: %v", err)
	}
	h.stdin = stdin
	h.conn = stdiohost.New(stdin, stdiohost.Options{Handle: h.handle, Message: h.file, Problem: func(p string) { h.problem("%s", p) }, WriteTimeout: waitTimeout})
	if err := cmd.Start(); err != nil {
		t.Fatalf("start mcpbridge: %v", err)
	}
	go h.readLoop(stdout)
	t.Cleanup(h.stop)
	return h
}

// stop ends the process (stdin EOF first, a kill if that is not enough) and
// reports the stdout lines that broke the rules.
func (h *Host) stop() {
	_ = h.stdin.Close()
	select {
	case <-h.exited:
	case <-time.After(5 * time.Second):
		_ = h.cmd.Process.Kill()
		select {
		case <-h.exited:
		case <-time.After(5 * time.Second):
			h.t.Errorf("mcpbridge (pid %d) did not exit even after a kill", h.cmd.Process.Pid)
		}
	}
	h.checkStdout()
	if h.t.Failed() {
		h.t.Logf("mcpbridge stderr:\n%s", h.stderr.String())
	}
}

// checkStdout fails the test for each stdout line so far that was not one
// compact JSON-RPC message (each reported once).
func (h *Host) checkStdout() {
	h.t.Helper()
	h.mu.Lock()
	problems := append([]string(nil), h.problems[h.reported:]...)
	h.reported = len(h.problems)
	h.mu.Unlock()
	for _, p := range problems {
		h.t.Errorf("stdout must carry only compact JSON-RPC messages, one a line: %s", p)
	}
}

// readLoop reads stdout until it ends, then reaps the process.
func (h *Host) readLoop(stdout io.Reader) {
	if err := h.conn.Read(stdout); err != nil {
		h.problem("%v", err)
	}
	err := h.cmd.Wait()
	h.mu.Lock()
	h.eof = true
	h.waitErr = err
	h.signalLocked()
	h.mu.Unlock()
	close(h.exited)
}

// file keeps a checked stdout message for the waits.
func (h *Host) file(m *Msg) {
	h.mu.Lock()
	h.msgs = append(h.msgs, m)
	if m.IsRequest() && h.handlers[m.Method] != nil {
		h.used[m.Index] = true // answered here; a test may still look at it
	}
	h.signalLocked()
	h.mu.Unlock()
}

// handle answers the server's requests the test told the host to answer.
func (h *Host) handle(m *Msg) (any, *RPCError, bool) {
	h.mu.Lock()
	handler := h.handlers[m.Method]
	h.mu.Unlock()
	if handler == nil {
		return nil, nil, false
	}
	result, rpcErr := handler(m.Params)
	return result, rpcErr, true
}

func (h *Host) problem(format string, args ...any) {
	h.mu.Lock()
	h.problems = append(h.problems, fmt.Sprintf(format, args...))
	h.signalLocked()
	h.mu.Unlock()
}

func (h *Host) signalLocked() {
	close(h.changed)
	h.changed = make(chan struct{})
}

// Handle makes the host answer the server's requests for method with fn,
// as a client that supports the feature does.
func (h *Host) Handle(method string, fn ServerRequestHandler) {
	h.mu.Lock()
	h.handlers[method] = fn
	h.mu.Unlock()
}

// Send writes the lines to stdin in ONE write: a client that pipelines.
func (h *Host) Send(lines ...string) {
	h.t.Helper()
	if err := h.conn.WriteLine([]byte(strings.Join(lines, "\n"))); err != nil {
		h.t.Fatalf("%v", err)
	}
}

// NewID returns a numeric request id not used before by this host.
func (h *Host) NewID() string { return h.conn.NewID() }

// RequestLine and NotificationLine build a request and a notification
// line; params may be nil.
var (
	RequestLine      = stdiohost.RequestLine
	NotificationLine = stdiohost.NotificationLine
)

// Call sends a request and returns its answer (result or error).
func (h *Host) Call(method string, params any) *Msg {
	h.t.Helper()
	id := h.NewID()
	h.Send(RequestLine(id, method, params))
	return h.WaitResponse(id)
}

// Result sends a request, fails the test on an error answer, and decodes
// the result into out (when not nil).
func (h *Host) Result(method string, params any, out any) *Msg {
	h.t.Helper()
	m := h.Call(method, params)
	if m.Error != nil {
		h.t.Fatalf("%s: the server answered an error: %s (line %s)", method, m.Error, clip(m.Raw))
	}
	if out != nil {
		if err := json.Unmarshal(m.Result, out); err != nil {
			h.t.Fatalf("%s: cannot decode the result %s: %v", method, clip(m.Result), err)
		}
	}
	return m
}

// Notify sends a notification.
func (h *Host) Notify(method string, params any) {
	h.t.Helper()
	h.Send(NotificationLine(method, params))
}

// WaitResponse waits for the answer whose id has exactly these bytes.
func (h *Host) WaitResponse(id string) *Msg {
	h.t.Helper()
	return h.Wait("the answer to request id "+id, func(m *Msg) bool {
		return m.IsResponse() && string(m.ID) == id
	})
}

// WaitNotification waits for a notification with this method that match
// accepts (match may be nil).
func (h *Host) WaitNotification(method string, match func(*Msg) bool) *Msg {
	h.t.Helper()
	return h.Wait("a "+method+" notification", func(m *Msg) bool {
		return m.IsNotification() && m.Method == method && (match == nil || match(m))
	})
}

// WaitServerRequest waits for a server request with this method that the
// host has not answered by itself.
func (h *Host) WaitServerRequest(method string) *Msg {
	h.t.Helper()
	return h.Wait("a "+method+" request from the server", func(m *Msg) bool {
		return m.IsRequest() && m.Method == method
	})
}

// Wait returns the first message not yet returned that match accepts,
// waiting up to waitTimeout. It fails the test when none comes, or when
// mcpbridge exits first.
func (h *Host) Wait(what string, match func(*Msg) bool) *Msg {
	h.t.Helper()
	return h.WaitWithin(waitTimeout, what, match)
}

// WaitWithin is Wait with another time limit.
func (h *Host) WaitWithin(limit time.Duration, what string, match func(*Msg) bool) *Msg {
	h.t.Helper()
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	for {
		h.mu.Lock()
		for _, m := range h.msgs {
			if !h.used[m.Index] && match(m) {
				h.used[m.Index] = true
				h.mu.Unlock()
				return m
			}
		}
		if h.eof {
			err := h.waitErr
			h.mu.Unlock()
			h.t.Fatalf("mcpbridge exited (%s) before %s arrived; stdout so far:\n%s", exitDesc(err), what, h.Transcript())
		}
		changed := h.changed
		h.mu.Unlock()
		select {
		case <-changed:
		case <-deadline.C:
			h.t.Fatalf("timed out after %v waiting for %s; stdout so far:\n%s", limit, what, h.Transcript())
		}
	}
}

// arrived returns a channel closed when the next stdout message arrives
// (take it before looking at Messages, so as not to miss one).
func (h *Host) arrived() <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.changed
}

// Messages returns every stdout message so far that match accepts (nil:
// all), whether or not a wait returned it.
func (h *Host) Messages(match func(*Msg) bool) []*Msg {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []*Msg
	for _, m := range h.msgs {
		if match == nil || match(m) {
			out = append(out, m)
		}
	}
	return out
}

// Transcript renders stdout so far, one line per message (clipped).
func (h *Host) Transcript() string {
	var b strings.Builder
	for _, m := range h.Messages(nil) {
		fmt.Fprintf(&b, "  %d: %s\n", m.Index, clip(m.Raw))
	}
	if b.Len() == 0 {
		return "  (nothing)\n"
	}
	return b.String()
}

// CloseStdin ends the client's side, as a client that quits does.
func (h *Host) CloseStdin() {
	h.t.Helper()
	if err := h.stdin.Close(); err != nil {
		h.t.Fatalf("close stdin: %v", err)
	}
}

// WaitExit waits up to limit for the process to exit and returns its exit
// code.
func (h *Host) WaitExit(limit time.Duration) int {
	h.t.Helper()
	select {
	case <-h.exited:
	case <-time.After(limit):
		h.t.Fatalf("mcpbridge still runs %v after its stdin closed", limit)
	}
	return h.cmd.ProcessState.ExitCode()
}

// Stderr returns what mcpbridge wrote on stderr so far.
func (h *Host) Stderr() string { return h.stderr.String() }

// Initialize runs the handshake the way clients do: initialize, wait for
// its answer, then notifications/initialized. It returns the initialize
// result.
func (h *Host) Initialize(capabilities map[string]any) InitializeResult {
	h.t.Helper()
	var res InitializeResult
	h.Result("initialize", initParams(capabilities), &res)
	if res.ProtocolVersion == "" {
		h.t.Fatalf("the initialize answer names no protocolVersion")
	}
	h.Notify("notifications/initialized", nil)
	return res
}

// InitializeResult is what the tests read of an initialize answer.
type InitializeResult struct {
	ProtocolVersion string         `json:"protocolVersion"`
	Capabilities    map[string]any `json:"capabilities"`
	ServerInfo      struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	} `json:"serverInfo"`
}

// clientProtocol is the protocol version the host asks for.
const clientProtocol = "2025-11-25"

// fullCapabilities is a client that supports sampling, form elicitation
// and roots.
func fullCapabilities() map[string]any {
	return map[string]any{
		"sampling":    map[string]any{},
		"elicitation": map[string]any{"form": map[string]any{}},
		"roots":       map[string]any{"listChanged": true},
	}
}

func initParams(capabilities map[string]any) map[string]any {
	if capabilities == nil {
		capabilities = map[string]any{}
	}
	return map[string]any{
		"protocolVersion": clientProtocol,
		"capabilities":    capabilities,
		"clientInfo":      map[string]any{"name": "mcpbridge-e2e-host", "version": "1.0.0"},
	}
}

// lockedBuffer is a bytes.Buffer safe for the process's stderr copier and
// the test to share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func exitDesc(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

// clip shortens a line for a failure message.
func clip(b []byte) string {
	const max = 600
	if len(b) > max {
		return string(b[:max]) + fmt.Sprintf("… (%d bytes)", len(b))
	}
	return string(b)
}
