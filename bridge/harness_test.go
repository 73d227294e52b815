package bridge

// A test host for fault-injection tests: it runs the bridge in-process on
// io.Pipe stdin and stdout, and a programmable, misbehaving MCP server on
// httptest (127.0.0.1 only) whose handler each test sets per request. Most
// tests run in inBubble (env_test.go): the same server and client on an
// in-memory network, in fake time.
//
// Every wait in here has a deadline and fails the test clearly when it
// passes; nothing may hang. At cleanup the host closes stdin, waits for Run
// to return, and checks the bridge's two promises on everything it wrote:
// each stdout line is one compact, valid JSON text, and each request the
// test sent got exactly one answer (a cancelled request at most one).

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/httpclient"
	"github.com/mcpbridge/mcpbridge/internal/stdiohost"
)

// faultWait bounds every wait for something that should happen.
const faultWait = 5 * time.Second

// hugeBody is the size beyond which the harness does not parse a message
// with encoding/json (about a second per 10 MiB under -race); the test that
// sends one checks its bytes itself.
const hugeBody = 1 << 20

// faultQuiet is how long a test watches for something that must not happen
// (a second answer, an answer to a cancelled request).
const faultQuiet = 150 * time.Millisecond

// ---------------------------------------------------------------------------
// JSON-RPC lines as the tests see them

// rpcMsg is one JSON-RPC message parsed loosely, keeping raw members: the
// test tools' one message type (internal/stdiohost).
type rpcMsg = stdiohost.Msg

type rpcErrObj = stdiohost.Error

// parseRPC parses a line holding one message or a batch of them.
func parseRPC(line []byte) ([]rpcMsg, error) {
	t := bytes.TrimSpace(line)
	if len(t) > 0 && t[0] == '[' {
		var elems []json.RawMessage
		if err := json.Unmarshal(t, &elems); err != nil {
			return nil, err
		}
		out := make([]rpcMsg, 0, len(elems))
		for _, e := range elems {
			var m rpcMsg
			if err := json.Unmarshal(e, &m); err != nil {
				return nil, err
			}
			m.Raw = e
			out = append(out, m)
		}
		return out, nil
	}
	var m rpcMsg
	if err := json.Unmarshal(t, &m); err != nil {
		return nil, err
	}
	m.Raw = line
	return []rpcMsg{m}, nil
}

// checkLine reports each stdio rule line breaks (internal/stdiohost's
// Check): one compact JSON-RPC message, exactly one of result or error in
// an answer. A batch answering a batch is held to each element's rules.
func checkLine(index int, line []byte) []string {
	t := bytes.TrimSpace(line)
	if len(t) == 0 || t[0] != '[' {
		_, problems := stdiohost.Check(index, line, true)
		return problems
	}
	var c bytes.Buffer
	if err := json.Compact(&c, line); err != nil || !bytes.Equal(c.Bytes(), line) {
		return []string{fmt.Sprintf("line %d is not compact JSON: %.200q", index, line)}
	}
	msgs, err := parseRPC(t)
	if err != nil {
		return []string{fmt.Sprintf("line %d is not a batch of messages: %v", index, err)}
	}
	var problems []string
	for _, m := range msgs {
		_, p := stdiohost.Check(index, m.Raw, true)
		problems = append(problems, p...)
	}
	return problems
}

// ---------------------------------------------------------------------------
// The host: bridge.Run on pipes

type faultHost struct {
	t       *testing.T
	env     *testEnv
	cfg     Config
	stdin   *io.PipeWriter
	stdoutW *io.PipeWriter
	runErr  error
	runDone chan struct{}
	readEOF chan struct{}
	logs    *lockedBuffer

	closeOnce sync.Once
	closedAt  time.Time

	mu        sync.Mutex
	lines     []outLine
	sent      map[string]int  // raw id → how many requests the test sent with it
	cancelled map[string]bool // raw ids the test cancelled
}

// outLine is one stdout line and the messages in it, parsed once.
type outLine struct {
	raw  []byte
	msgs []rpcMsg
}

// hostOpt adjusts the bridge's Config and HTTP options before it starts.
type hostOpt func(*Config, *httpclient.Options)

func withTransport(m TransportMode) hostOpt {
	return func(c *Config, _ *httpclient.Options) { c.Transport = m }
}

func withBodyTimeout(d time.Duration) hostOpt {
	return func(c *Config, _ *httpclient.Options) { c.BodyTimeout = d }
}

func withHeadersTimeout(d time.Duration) hostOpt {
	return func(_ *Config, o *httpclient.Options) { o.HeadersTimeout = d }
}

func withTools(f ToolFilter) hostOpt {
	return func(c *Config, _ *httpclient.Options) { c.Tools = f }
}

func withProtocol(p ProtocolMode) hostOpt {
	return func(c *Config, _ *httpclient.Options) { c.Protocol = p }
}

func withShutdownGrace(d time.Duration) hostOpt {
	return func(c *Config, _ *httpclient.Options) { c.ShutdownGrace = d }
}

// startHost runs a bridge to rawURL until the test ends.
func startHost(t *testing.T, rawURL string, opts ...hostOpt) *faultHost {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatalf("parse %q: %v", rawURL, err)
	}
	cfg := Config{
		URL: u,
		// The fault tests drive the transports as they are; era probing
		// and translation have their own tests (era_test.go).
		Protocol:      ProtocolLegacy,
		ShutdownGrace: 300 * time.Millisecond,
		BodyTimeout:   10 * time.Second,
	}
	var hopts httpclient.Options
	for _, o := range opts {
		o(&cfg, &hopts)
	}
	client := httpClient(t, hopts)
	cfg.HTTPClient = client
	logs := &lockedBuffer{}
	cfg.Log = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	h := &faultHost{
		t: t, env: envOf(t), cfg: cfg, stdin: inW, stdoutW: outW, logs: logs,
		runDone: make(chan struct{}), readEOF: make(chan struct{}),
		sent: map[string]int{}, cancelled: map[string]bool{},
	}
	go func() {
		defer close(h.readEOF)
		r := bufio.NewReaderSize(outR, 64<<10)
		for {
			line, err := r.ReadBytes('\n')
			if len(line) > 0 {
				raw := bytes.TrimSuffix(line, []byte{'\n'})
				msgs, _ := parseRPC(raw)
				h.mu.Lock()
				h.lines = append(h.lines, outLine{raw: raw, msgs: msgs})
				h.mu.Unlock()
				h.env.signal()
			}
			if err != nil {
				return
			}
		}
	}()
	go func() {
		h.runErr = Run(context.Background(), cfg, inR, outW)
		close(h.runDone)
	}()
	t.Cleanup(func() {
		h.closeStdin()
		select {
		case <-h.runDone:
		case <-time.After(faultWait):
			t.Errorf("bridge.Run did not return within %v of stdin closing", faultWait)
		}
		_ = outW.Close()
		select {
		case <-h.readEOF:
		case <-time.After(faultWait):
			t.Errorf("stdout reader did not finish")
		}
		client.CloseIdleConnections()
		h.checkInvariants()
		if t.Failed() {
			t.Logf("bridge log:\n%s", logs.String())
		}
	})
	return h
}

// write hands raw bytes to the bridge's stdin in one Write.
func (h *faultHost) write(raw []byte) {
	h.t.Helper()
	h.track(raw)
	done := make(chan error, 1)
	go func() {
		_, err := h.stdin.Write(raw)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			h.t.Fatalf("write to the bridge's stdin: %v", err)
		}
	case <-time.After(faultWait):
		h.t.Fatalf("the bridge did not read %d bytes from stdin within %v", len(raw), faultWait)
	}
}

// send writes each line followed by a newline, all in one Write.
func (h *faultHost) send(lines ...string) {
	h.t.Helper()
	var b bytes.Buffer
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	h.write(b.Bytes())
}

// track remembers the ids of the requests among raw's lines.
func (h *faultHost) track(raw []byte) {
	for _, line := range bytes.Split(raw, []byte{'\n'}) {
		if len(line) > hugeBody {
			continue // see trackID
		}
		msgs, err := parseRPC(line)
		if err != nil {
			continue
		}
		h.mu.Lock()
		for _, m := range msgs {
			switch {
			case m.JSONRPC != "2.0":
			case m.IsRequest() && string(m.ID) != "null":
				h.sent[string(m.ID)]++
			case m.ID == nil && m.Method == "notifications/cancelled":
				var p struct {
					RequestID json.RawMessage `json:"requestId"`
				}
				if json.Unmarshal(m.Params, &p) == nil && p.RequestID != nil {
					h.cancelled[string(p.RequestID)] = true
				}
			}
		}
		h.mu.Unlock()
	}
}

// trackID registers a request the harness did not parse (a huge line).
func (h *faultHost) trackID(id string) {
	h.mu.Lock()
	h.sent[id]++
	h.mu.Unlock()
}

// closeStdin ends the client's input (EOF), once.
func (h *faultHost) closeStdin() {
	h.closeOnce.Do(func() {
		h.mu.Lock()
		h.closedAt = time.Now()
		h.mu.Unlock()
		_ = h.stdin.Close()
	})
}

// waitRun waits for Run to return after stdin closed and reports how long
// it took since then.
func (h *faultHost) waitRun() (time.Duration, error) {
	h.t.Helper()
	select {
	case <-h.runDone:
	case <-time.After(faultWait):
		h.t.Fatalf("bridge.Run did not return within %v", faultWait)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return time.Since(h.closedAt), h.runErr
}

// snapshot returns the stdout lines so far.
func (h *faultHost) snapshot() [][]byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([][]byte, len(h.lines))
	for i, l := range h.lines {
		out[i] = l.raw
	}
	return out
}

// messages returns every message written to stdout so far, batches
// flattened.
func (h *faultHost) messages() []rpcMsg {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []rpcMsg
	for _, l := range h.lines {
		out = append(out, l.msgs...)
	}
	return out
}

// answersFor returns the responses on stdout whose id is exactly id.
func (h *faultHost) answersFor(id string) []rpcMsg {
	var out []rpcMsg
	for _, m := range h.messages() {
		if m.IsResponse() && string(m.ID) == id {
			out = append(out, m)
		}
	}
	return out
}

// waitMsg waits for a stdout message matching pred.
func (h *faultHost) waitMsg(what string, pred func(rpcMsg) bool) rpcMsg {
	h.t.Helper()
	var got rpcMsg
	waitFor(h.t, what+" on stdout (got "+h.describeLines()+")", func() bool {
		for _, m := range h.messages() {
			if pred(m) {
				got = m
				return true
			}
		}
		return false
	})
	return got
}

// answer waits for the answer to request id (raw JSON bytes), then checks
// that no second answer follows within faultQuiet.
func (h *faultHost) answer(id string) rpcMsg {
	h.t.Helper()
	got := h.waitMsg("an answer with id "+id, func(m rpcMsg) bool {
		return m.IsResponse() && string(m.ID) == id
	})
	quiet(h.t, faultQuiet, func() bool { return len(h.answersFor(id)) != 1 })
	if n := len(h.answersFor(id)); n != 1 {
		h.t.Fatalf("request %s got %d answers, want exactly 1: %s", id, n, h.describeLines())
	}
	return got
}

// answerAll waits for the answers to all ids, then checks once, after
// faultQuiet, that none got a second one.
func (h *faultHost) answerAll(ids ...string) map[string]rpcMsg {
	h.t.Helper()
	out := map[string]rpcMsg{}
	for _, id := range ids {
		out[id] = h.waitMsg("an answer with id "+id, func(m rpcMsg) bool {
			return m.IsResponse() && string(m.ID) == id
		})
	}
	quiet(h.t, faultQuiet, func() bool {
		for _, id := range ids {
			if len(h.answersFor(id)) != 1 {
				return true
			}
		}
		return false
	})
	for _, id := range ids {
		if n := len(h.answersFor(id)); n != 1 {
			h.t.Fatalf("request %s got %d answers, want exactly 1: %s", id, n, h.describeLines())
		}
	}
	return out
}

// result waits for a successful answer to id and returns its result.
func (h *faultHost) result(id string) json.RawMessage {
	h.t.Helper()
	m := h.answer(id)
	if m.Error != nil || m.Result == nil {
		h.t.Fatalf("request %s: want a result, got %s", id, m.Raw)
	}
	return m.Result
}

// failure waits for an error answer to id whose message holds every one of
// wants, and returns the error.
func (h *faultHost) failure(id string, wants ...string) *rpcErrObj {
	h.t.Helper()
	m := h.answer(id)
	if m.Error == nil {
		h.t.Fatalf("request %s: want an error answer, got %s", id, m.Raw)
	}
	for _, w := range wants {
		if !strings.Contains(m.Error.Message, w) {
			h.t.Errorf("request %s: error message %q does not mention %q", id, m.Error.Message, w)
		}
	}
	return m.Error
}

// noAnswer checks that request id gets no answer within d.
func (h *faultHost) noAnswer(id string, d time.Duration) {
	h.t.Helper()
	quiet(h.t, d, func() bool { return len(h.answersFor(id)) > 0 })
	if a := h.answersFor(id); len(a) > 0 {
		h.t.Fatalf("request %s must get no answer, got %s", id, a[0].Raw)
	}
}

func (h *faultHost) describeLines() string {
	lines := h.snapshot()
	if len(lines) == 0 {
		return "no stdout lines"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d stdout lines:", len(lines))
	for _, l := range lines {
		fmt.Fprintf(&b, "\n    %.300s", l)
	}
	return b.String()
}

// checkInvariants runs once Run has returned: every stdout line is compact
// JSON, and every request sent got exactly one answer (a cancelled one at
// most one).
func (h *faultHost) checkInvariants() {
	t := h.t
	t.Helper()
	for i, l := range h.snapshot() {
		for _, p := range checkLine(i, l) {
			t.Error(p)
		}
	}
	h.mu.Lock()
	sent := maps.Clone(h.sent)
	cancelled := maps.Clone(h.cancelled)
	h.mu.Unlock()
	for id, want := range sent {
		n := len(h.answersFor(id))
		switch {
		case cancelled[id] && n > want:
			t.Errorf("cancelled request %s got %d answers", id, n)
		case !cancelled[id] && n != want:
			t.Errorf("request %s got %d answers over the bridge's life, want exactly %d", id, n, want)
		}
	}
}

// lockedBuffer collects the bridge's log safely across goroutines.
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

// ---------------------------------------------------------------------------
// The programmable server

// seenRequest is one HTTP request the server received.
type seenRequest struct {
	N      int // arrival order, from 0
	At     time.Time
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
	Msg    rpcMsg // the body as JSON-RPC; zero when it is none
	IsRPC  bool
}

// kind describes the request briefly: "POST initialize", "GET", ….
func (r *seenRequest) kind() string {
	if r.IsRPC {
		if r.Msg.Method != "" {
			return r.Method + " " + r.Msg.Method
		}
		return r.Method + " response"
	}
	return r.Method
}

// serverFunc answers one request; the body has been read into req.Body.
type serverFunc func(w http.ResponseWriter, r *http.Request, req *seenRequest)

type faultServer struct {
	t    *testing.T
	env  *testEnv
	URL  string // the MCP endpoint
	quit chan struct{}

	mu      sync.Mutex
	handler serverFunc
	reqs    []*seenRequest
}

// newFaultServer starts a server on 127.0.0.1 whose MCP endpoint is /mcp;
// in a bubble, on the in-memory network.
func newFaultServer(t *testing.T, h serverFunc) *faultServer {
	t.Helper()
	if n := envOf(t).net; n != nil {
		return newMemFaultServer(t, n.listen(n.reserve()), h)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	return newFaultServerOn(t, l, h)
}

// newFaultServerOn starts the server on a TCP listener of the test's
// choosing.
func newFaultServerOn(t *testing.T, l net.Listener, h serverFunc) *faultServer {
	t.Helper()
	s := &faultServer{t: t, env: envOf(t), handler: h, quit: make(chan struct{})}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	srv.Listener = l
	srv.Start()
	s.URL = srv.URL + "/mcp"
	t.Cleanup(func() {
		close(s.quit)
		srv.CloseClientConnections()
		srv.Close()
	})
	return s
}

// newMemFaultServer starts the server of a bubble on an in-memory listener.
func newMemFaultServer(t *testing.T, l *memListener, h serverFunc) *faultServer {
	t.Helper()
	s := &faultServer{t: t, env: envOf(t), handler: h, quit: make(chan struct{})}
	srv := &http.Server{Handler: http.HandlerFunc(s.serve)}
	go func() { _ = srv.Serve(l) }()
	s.URL = "http://" + l.addr + "/mcp"
	t.Cleanup(func() {
		close(s.quit)
		_ = srv.Close()
	})
	return s
}

func (s *faultServer) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req := &seenRequest{
		At: time.Now(), Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(),
		Header: r.Header.Clone(), Body: body,
	}
	if len(body) > hugeBody {
		// not parsed: the test handling it reads Body itself
	} else if msgs, err := parseRPC(body); err == nil && len(msgs) == 1 && msgs[0].JSONRPC == "2.0" {
		req.Msg, req.IsRPC = msgs[0], true
	}
	s.mu.Lock()
	req.N = len(s.reqs)
	s.reqs = append(s.reqs, req)
	h := s.handler
	s.mu.Unlock()
	s.env.signal()
	if h == nil {
		http.Error(w, "no handler", http.StatusInternalServerError)
		return
	}
	h(w, r, req)
}

// handle replaces the handler for the requests to come.
func (s *faultServer) handle(h serverFunc) {
	s.mu.Lock()
	s.handler = h
	s.mu.Unlock()
}

// requests returns the requests received so far.
func (s *faultServer) requests() []*seenRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*seenRequest(nil), s.reqs...)
}

// waitRequest waits for a request matching pred.
func (s *faultServer) waitRequest(what string, pred func(*seenRequest) bool) *seenRequest {
	s.t.Helper()
	var got *seenRequest
	waitFor(s.t, what+" at the server (got "+s.describe()+")", func() bool {
		for _, r := range s.requests() {
			if pred(r) {
				got = r
				return true
			}
		}
		return false
	})
	return got
}

// rpcRequest waits for the POST carrying the JSON-RPC request with id.
func (s *faultServer) rpcRequest(id string) *seenRequest {
	s.t.Helper()
	return s.waitRequest("the POST of request "+id, func(r *seenRequest) bool {
		return r.Method == http.MethodPost && r.IsRPC && r.Msg.IsRequest() && string(r.Msg.ID) == id
	})
}

func (s *faultServer) describe() string {
	var parts []string
	for _, r := range s.requests() {
		parts = append(parts, r.kind())
	}
	return fmt.Sprintf("%d requests: %s", len(parts), strings.Join(parts, ", "))
}

// ---------------------------------------------------------------------------
// Server behaviours

// writeJSON answers with a JSON body.
func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// writeSSE answers 200 with an event stream holding the given raw events
// (each without its terminating blank line), flushing after each.
func writeSSE(w http.ResponseWriter, events ...string) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	flush(w)
	for _, e := range events {
		_, _ = io.WriteString(w, e+"\n\n")
		flush(w)
	}
}

func flush(w http.ResponseWriter) {
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}

// resultFor builds a result answer for a request, echoing its raw id.
func resultFor(id json.RawMessage, result string) string {
	return fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"result":%s}`, id, result)
}

// echoResult is the answer of a well-behaved server to any request: its
// method and raw id, so a test can tell answers apart.
func echoResult(req *seenRequest) string {
	return resultFor(req.Msg.ID, fmt.Sprintf(`{"echo":%q}`, req.Msg.Method))
}

// hijack takes over the connection of a request.
func hijack(w http.ResponseWriter) (net.Conn, *bufio.ReadWriter) {
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic("hijack: " + err.Error())
	}
	return conn, rw
}

// blockUntilGone blocks until the client goes away or the server stops.
func (s *faultServer) blockUntilGone(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-s.quit:
	}
}

// mcpServer is a well-behaved Streamable HTTP server with sessions: it
// answers initialize with a session id and the protocol version given, 202
// to notifications and responses, 405 to GET, 200 to DELETE, and hands
// other requests to next (nil: echo).
type mcpServer struct {
	session string // "" for none
	version string
	next    serverFunc
}

func (m mcpServer) serve(w http.ResponseWriter, r *http.Request, req *seenRequest) {
	switch r.Method {
	case http.MethodGet:
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	case http.MethodDelete:
		w.WriteHeader(http.StatusOK)
		return
	}
	switch {
	case !req.IsRPC:
		writeJSON(w, http.StatusBadRequest, `{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}`)
	case !req.Msg.IsRequest():
		w.WriteHeader(http.StatusAccepted)
	case req.Msg.Method == "initialize":
		if m.session != "" {
			w.Header().Set("Mcp-Session-Id", m.session)
		}
		writeJSON(w, http.StatusOK, initResult(req.Msg.ID, m.version))
	case m.next != nil:
		m.next(w, r, req)
	default:
		writeJSON(w, http.StatusOK, echoResult(req))
	}
}

func initResult(id json.RawMessage, version string) string {
	return resultFor(id, fmt.Sprintf(`{"protocolVersion":%q,"capabilities":{"tools":{}},"serverInfo":{"name":"fault-server","version":"1.0.0"}}`, version))
}

// Client messages the tests send.
const (
	initializeLine  = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"fault-client","version":"1.0.0"}}}`
	initializedLine = `{"jsonrpc":"2.0","method":"notifications/initialized"}`
)

// toolsCall builds a tools/call request line.
func toolsCall(id int, name string) string {
	return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":%q,"arguments":{}}}`, id, name)
}

// ---------------------------------------------------------------------------
// The legacy HTTP+SSE server (protocol 2024-11-05)

// legacyServer serves GET /mcp as an event stream whose first event names
// /messages?session=N as the POST endpoint; answers to POSTs come back on
// that stream. POST /mcp is refused with 405, like an HTTP+SSE-only server.
type legacyServer struct {
	s *faultServer

	mu      sync.Mutex
	streams []*legacyStream
	answer  func(req *seenRequest) (string, bool) // the answer to a request; false: none
	mute    atomic.Bool                           // new streams name no endpoint and stay open
}

type legacyStream struct {
	events chan string
	end    chan struct{}
	once   sync.Once
}

func (l *legacyStream) close() { l.once.Do(func() { close(l.end) }) }

func newLegacyServer(t *testing.T) *legacyServer {
	l := &legacyServer{}
	l.s = newFaultServer(t, l.serve)
	return l
}

func (l *legacyServer) serve(w http.ResponseWriter, r *http.Request, req *seenRequest) {
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/mcp" && l.mute.Load():
		writeSSE(w)
		select {
		case <-r.Context().Done():
		case <-l.s.quit:
		}
	case r.Method == http.MethodGet && r.URL.Path == "/mcp":
		st := &legacyStream{events: make(chan string, 64), end: make(chan struct{})}
		l.mu.Lock()
		l.streams = append(l.streams, st)
		n := len(l.streams) - 1
		l.mu.Unlock()
		l.s.env.signal()
		writeSSE(w, fmt.Sprintf("event: endpoint\ndata: /messages?session=%d", n))
		for {
			select {
			case e := <-st.events:
				_, _ = io.WriteString(w, e+"\n\n")
				flush(w)
			case <-st.end:
				return
			case <-r.Context().Done():
				return
			case <-l.s.quit:
				return
			}
		}
	case r.Method == http.MethodPost && r.URL.Path == "/messages":
		l.mu.Lock()
		var st *legacyStream
		if n := req.Query.Get("session"); n != "" {
			var i int
			if _, err := fmt.Sscan(n, &i); err == nil && i < len(l.streams) {
				st = l.streams[i]
			}
		}
		answer := l.answer
		l.mu.Unlock()
		if st == nil || !req.IsRPC {
			http.Error(w, "unknown session", http.StatusNotFound)
			return
		}
		w.WriteHeader(http.StatusAccepted)
		if !req.Msg.IsRequest() {
			return
		}
		var body string
		switch {
		case answer != nil:
			var ok bool
			if body, ok = answer(req); !ok {
				return
			}
		case req.Msg.Method == "initialize":
			body = initResult(req.Msg.ID, "2024-11-05")
		default:
			body = echoResult(req)
		}
		select {
		case st.events <- "event: message\ndata: " + body:
		case <-st.end:
		}
	case r.Method == http.MethodPost:
		http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
	default:
		http.Error(w, "not found", http.StatusNotFound)
	}
}

// stream returns the i-th event stream opened.
func (l *legacyServer) stream(i int) *legacyStream {
	l.mu.Lock()
	defer l.mu.Unlock()
	if i >= len(l.streams) {
		return nil
	}
	return l.streams[i]
}

func (l *legacyServer) streamCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.streams)
}

func (l *legacyServer) setAnswer(f func(req *seenRequest) (string, bool)) {
	l.mu.Lock()
	l.answer = f
	l.mu.Unlock()
}
