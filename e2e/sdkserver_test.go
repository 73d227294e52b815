package e2e

//lint:file-ignore SA1019 the SDK server sends sampling and roots requests on purpose: hosts of 2025-11-25 still use them (deprecated in 2026-07-28, SEP-2577), and these tests show mcpbridge forwards them.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The in-process server: the official Go SDK's MCP server, an independent
// implementation of the protocol, on 127.0.0.1 via httptest.

const (
	greetingURI  = "test://greeting"
	greetingText = "hello from the Go SDK server"
)

type echoArgs struct {
	Message string `json:"message" jsonschema:"the text to send back"`
}

type addArgs struct {
	A float64 `json:"a" jsonschema:"first number"`
	B float64 `json:"b" jsonschema:"second number"`
}

type countArgs struct {
	To int `json:"to" jsonschema:"count from 1 to this"`
}

type askArgs struct {
	Question string `json:"question" jsonschema:"what to ask"`
}

type noArgs struct{}

type bigArgs struct {
	Repeat int `json:"repeat" jsonschema:"how many times to repeat the pattern"`
}

// bigPattern makes large answers: JSON escapes (quote, backslash,
// newline), characters some encoders escape (<>&) and multi-byte UTF-8.
const bigPattern = "0123456789abcdef\"\\<>&✓\n"

// sdkFixture is one Go SDK server with the tools, resource and prompt the
// tests use.
type sdkFixture struct {
	srv          *mcp.Server
	life         context.Context // cancelled when the test's server stops
	stop         context.CancelFunc
	dangerCalls  atomic.Int32  // calls that reached danger_delete
	subscribedTo chan string   // URIs of resources/subscribe requests
	cancelled    chan string   // questions of ask_llm calls whose context was cancelled
	rootsChanged chan struct{} // one per notifications/roots/list_changed

	mu        sync.Mutex
	processed []string // the methods the server handled, in order
}

// handled returns the methods the server has handled so far, in order.
func (f *sdkFixture) handled() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.processed...)
}

func newSDKFixture() *sdkFixture {
	f := &sdkFixture{subscribedTo: make(chan string, 16), cancelled: make(chan string, 16), rootsChanged: make(chan struct{}, 16)}
	f.life, f.stop = context.WithCancel(context.Background())
	f.srv = mcp.NewServer(&mcp.Implementation{Name: "e2e-go-sdk", Version: "1.0.0"}, &mcp.ServerOptions{
		SubscribeHandler: func(_ context.Context, r *mcp.SubscribeRequest) error {
			f.subscribedTo <- r.Params.URI
			return nil
		},
		UnsubscribeHandler: func(context.Context, *mcp.UnsubscribeRequest) error { return nil },
		RootsListChangedHandler: func(context.Context, *mcp.RootsListChangedRequest) {
			f.rootsChanged <- struct{}{}
		},
	})
	s := f.srv
	s.AddReceivingMiddleware(func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			f.mu.Lock()
			f.processed = append(f.processed, method)
			f.mu.Unlock()
			return next(ctx, method, req)
		}
	})
	mcp.AddTool(s, &mcp.Tool{Name: "echo", Description: "Send a message back"},
		func(_ context.Context, _ *mcp.CallToolRequest, a echoArgs) (*mcp.CallToolResult, any, error) {
			return textResult("echo: " + a.Message), nil, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "add", Description: "Add two numbers"},
		func(_ context.Context, _ *mcp.CallToolRequest, a addArgs) (*mcp.CallToolResult, any, error) {
			return textResult(fmt.Sprint(a.A + a.B)), nil, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "count", Description: "Count up, reporting progress"},
		func(ctx context.Context, req *mcp.CallToolRequest, a countArgs) (*mcp.CallToolResult, any, error) {
			tok := req.Params.GetProgressToken()
			for i := 1; i <= a.To; i++ {
				if tok != nil {
					err := req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{
						ProgressToken: tok, Progress: float64(i), Total: float64(a.To), Message: fmt.Sprintf("step %d", i),
					})
					if err != nil {
						return nil, nil, fmt.Errorf("progress %d: %w", i, err)
					}
				}
			}
			return textResult(fmt.Sprintf("counted to %d", a.To)), nil, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "ask_llm", Description: "Ask the client's LLM (sampling)"},
		func(ctx context.Context, req *mcp.CallToolRequest, a askArgs) (*mcp.CallToolResult, any, error) {
			ctx, done := f.bound(ctx)
			defer done()
			res, err := req.Session.CreateMessage(ctx, &mcp.CreateMessageParams{
				Messages:  []*mcp.SamplingMessage{{Role: "user", Content: &mcp.TextContent{Text: a.Question}}},
				MaxTokens: 50,
			})
			if err != nil {
				if ctx.Err() != nil && f.life.Err() == nil {
					f.cancelled <- a.Question
				}
				return nil, nil, fmt.Errorf("sampling: %w", err)
			}
			text, _ := res.Content.(*mcp.TextContent)
			if text == nil {
				return nil, nil, fmt.Errorf("sampling: content %T is not text", res.Content)
			}
			return textResult(fmt.Sprintf("model %s said: %s", res.Model, text.Text)), nil, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "ask_user", Description: "Ask the user (elicitation)"},
		func(ctx context.Context, req *mcp.CallToolRequest, a askArgs) (*mcp.CallToolResult, any, error) {
			ctx, done := f.bound(ctx)
			defer done()
			res, err := req.Session.Elicit(ctx, &mcp.ElicitParams{
				Message: a.Question,
				RequestedSchema: map[string]any{
					"type":       "object",
					"properties": map[string]any{"name": map[string]any{"type": "string"}},
					"required":   []string{"name"},
				},
			})
			if err != nil {
				return nil, nil, fmt.Errorf("elicitation: %w", err)
			}
			return textResult(fmt.Sprintf("action=%s name=%v", res.Action, res.Content["name"])), nil, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "list_roots", Description: "List the client's roots"},
		func(ctx context.Context, req *mcp.CallToolRequest, _ noArgs) (*mcp.CallToolResult, any, error) {
			ctx, done := f.bound(ctx)
			defer done()
			res, err := req.Session.ListRoots(ctx, nil)
			if err != nil {
				return nil, nil, fmt.Errorf("roots: %w", err)
			}
			var uris []string
			for _, r := range res.Roots {
				uris = append(uris, r.URI)
			}
			return textResult("roots: " + strings.Join(uris, ",")), nil, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "big", Description: "Return bigPattern repeated"},
		func(_ context.Context, _ *mcp.CallToolRequest, a bigArgs) (*mcp.CallToolResult, any, error) {
			return textResult(strings.Repeat(bigPattern, a.Repeat)), nil, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "danger_delete", Description: "A tool the bridge must hide"},
		func(context.Context, *mcp.CallToolRequest, noArgs) (*mcp.CallToolResult, any, error) {
			f.dangerCalls.Add(1)
			return textResult("deleted everything"), nil, nil
		})
	s.AddResource(&mcp.Resource{URI: greetingURI, Name: "greeting", MIMEType: "text/plain"},
		func(_ context.Context, r *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: r.Params.URI, MIMEType: "text/plain", Text: greetingText}}}, nil
		})
	s.AddPrompt(&mcp.Prompt{Name: "greet", Description: "A greeting", Arguments: []*mcp.PromptArgument{{Name: "name", Required: true}}},
		func(_ context.Context, r *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{{Role: "user",
				Content: &mcp.TextContent{Text: "Say hello to " + r.Params.Arguments["name"]}}}}, nil
		})
	return f
}

// bound ends ctx when the fixture stops: a tool waiting for the client
// (sampling, elicitation, roots) must not outlive the test's server.
func (f *sdkFixture) bound(ctx context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(f.life, cancel)
	return ctx, func() { stop(); cancel() }
}

func textResult(s string) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: s}}}
}

// addLateTool adds a tool after the session started: the server then sends
// notifications/tools/list_changed, tied to no request.
func (f *sdkFixture) addLateTool(name string) {
	mcp.AddTool(f.srv, &mcp.Tool{Name: name, Description: "Added after initialize"},
		func(context.Context, *mcp.CallToolRequest, noArgs) (*mcp.CallToolResult, any, error) {
			return textResult("late"), nil, nil
		})
}

// seenRequest is one HTTP request the server received.
type seenRequest struct {
	Method, Path, Query string
	Header              http.Header
	RPCMethod           string // the JSON-RPC method of a POSTed message, if any
}

// recorder wraps the MCP handler: it records every request and notices
// when a server-to-client event stream (a GET) starts delivering.
type recorder struct {
	next http.Handler

	mu      sync.Mutex
	delays  map[string]time.Duration // JSON-RPC method → how long its POSTs wait before the server sees them
	seen    []seenRequest
	streams int           // GET streams that have started delivering
	changed chan struct{} // closed and replaced when streams grows
}

func newRecorder(next http.Handler) *recorder {
	return &recorder{next: next, changed: make(chan struct{})}
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := seenRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone()}
	if r.Method == http.MethodPost && r.Body != nil {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "read body", http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		s.RPCMethod = rpcMethod(body)
	}
	rec.mu.Lock()
	rec.seen = append(rec.seen, s)
	delay := rec.delays[s.RPCMethod]
	rec.mu.Unlock()
	if delay > 0 {
		// The slow network under test (jitter, a busy proxy…), not a wait
		// for something to happen: that mcpbridge sends nothing past a
		// held message can only be seen by holding it for a while.
		time.Sleep(delay)
	}
	if r.Method == http.MethodGet {
		var once sync.Once
		w = &streamWatch{ResponseWriter: w, onWrite: func() { once.Do(rec.streamStarted) }}
	}
	rec.next.ServeHTTP(w, r)
}

// delay makes POSTs of this JSON-RPC method wait d before the server
// sees them.
func (rec *recorder) delay(method string, d time.Duration) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.delays == nil {
		rec.delays = map[string]time.Duration{}
	}
	rec.delays[method] = d
}

// requests returns what the server received so far.
func (rec *recorder) requests() []seenRequest {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]seenRequest(nil), rec.seen...)
}

func (rec *recorder) streamStarted() {
	rec.mu.Lock()
	rec.streams++
	close(rec.changed)
	rec.changed = make(chan struct{})
	rec.mu.Unlock()
}

// waitStream waits until a GET event stream has started delivering: from
// then on a server notification tied to no request reaches mcpbridge.
func (rec *recorder) waitStream(t testing.TB) { t.Helper(); rec.waitStreams(t, 1) }

// waitStreams waits until n GET event streams have started delivering.
func (rec *recorder) waitStreams(t testing.TB, n int) {
	t.Helper()
	deadline := time.After(waitTimeout)
	for {
		rec.mu.Lock()
		got, changed := rec.streams, rec.changed
		rec.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("mcpbridge opened %d GET event streams within %v, want %d; requests seen: %s", got, waitTimeout, n, rec.summary())
		}
	}
}

func (rec *recorder) summary() string {
	var parts []string
	for _, s := range rec.requests() {
		p := s.Method + " " + s.Path
		if s.RPCMethod != "" {
			p += " (" + s.RPCMethod + ")"
		}
		parts = append(parts, p)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// rpcMethod returns the method of a JSON-RPC message body, if any.
func rpcMethod(body []byte) string {
	var m struct {
		Method string `json:"method"`
	}
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	return m.Method
}

// streamWatch tells when a response starts carrying bytes.
type streamWatch struct {
	http.ResponseWriter
	onWrite func()
}

func (s *streamWatch) Write(p []byte) (int, error) {
	n, err := s.ResponseWriter.Write(p)
	s.onWrite()
	return n, err
}

func (s *streamWatch) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *streamWatch) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// serverKind names the ways the fixture is served.
type serverKind int

const (
	streamableSSE  serverKind = iota // Streamable HTTP, answers as SSE streams
	streamableJSON                   // Streamable HTTP, answers as JSON bodies
	legacySSE                        // HTTP+SSE of protocol 2024-11-05
)

// serve puts the fixture on 127.0.0.1 and returns its MCP URL and the
// recorder in front of it. The server stops when the test ends, after
// mcpbridge (started later) has.
func (f *sdkFixture) serve(t testing.TB, kind serverKind) (string, *recorder) {
	t.Helper()
	get := func(*http.Request) *mcp.Server { return f.srv }
	var h http.Handler
	path := "/mcp"
	switch kind {
	case streamableSSE:
		h = mcp.NewStreamableHTTPHandler(get, &mcp.StreamableHTTPOptions{})
	case streamableJSON:
		h = mcp.NewStreamableHTTPHandler(get, &mcp.StreamableHTTPOptions{JSONResponse: true})
	case legacySSE:
		h = mcp.NewSSEHandler(get, nil)
		path = "/sse"
	}
	rec := newRecorder(h)
	mux := http.NewServeMux()
	mux.Handle(path, rec)
	ts := httptest.NewServer(mux) // listens on 127.0.0.1
	t.Cleanup(func() {
		f.stop()
		ts.CloseClientConnections()
		closed := make(chan struct{})
		go func() { ts.Close(); close(closed) }()
		select {
		case <-closed:
		case <-time.After(waitTimeout):
			t.Errorf("the test server did not stop within %v: a handler still runs", waitTimeout)
		}
	})
	return ts.URL + path, rec
}

// transportCase is one way to reach the fixture through mcpbridge.
type transportCase struct {
	name string
	kind serverKind
	args []string // mcpbridge flags
	// ordered: the server's messages about a request travel on that
	// request's own stream, so they reach the client before its answer.
	ordered bool
}

var transportCases = []transportCase{
	{name: "streamable-sse", kind: streamableSSE, ordered: true},
	{name: "streamable-json", kind: streamableJSON, ordered: false},
	{name: "streamable-http-only", kind: streamableSSE, args: []string{"--transport", "http-only"}, ordered: true},
	{name: "legacy-sse-only", kind: legacySSE, args: []string{"--transport", "sse-only"}, ordered: true},
	{name: "legacy-http-first-fallback", kind: legacySSE, ordered: true},
}

// session is a fixture served one way, with mcpbridge connected to it.
type session struct {
	fix  *sdkFixture
	rec  *recorder
	url  string
	host *Host
}

// startSession serves a fresh fixture for tc and starts mcpbridge on it;
// extra flags go after tc's.
func startSession(t *testing.T, tc transportCase, extra ...string) *session {
	t.Helper()
	f := newSDKFixture()
	url, rec := f.serve(t, tc.kind)
	args := append(append([]string{}, tc.args...), extra...)
	return &session{fix: f, rec: rec, url: url, host: StartBridge(t, url, args...)}
}

// ready runs the handshake and waits until the server's event stream
// delivers: the Go SDK's Streamable HTTP server drops a message for the
// GET stream while no GET stream is connected, and with JSON answers every
// server message about a request (progress, sampling…) takes that stream.
func (s *session) ready(t *testing.T, capabilities map[string]any) InitializeResult {
	t.Helper()
	res := s.host.Initialize(capabilities)
	s.rec.waitStream(t)
	return res
}
