// Package demo is the small MCP server behind `mcpbridge demo`: Streamable
// HTTP on 127.0.0.1 (MCP 2025-11-25 basic/transports), with tools echo, add
// and count (which streams progress over SSE), the resource demo://readme and
// the prompt greet, so a newcomer can watch mcpbridge work without a server of
// their own; with --oauth it sits behind an authorization server of its own
// (authserver.go: auto-approving, which only a local demo may be). It is
// written by hand, without the official Go SDK, so the shipped binary stays
// small and starts fast; the tests use the SDK's server instead. It is part of
// the product: it links no test fixture (internal/fakeas, net/http/httptest).
//
// demo.go is the server (and Start and ServeOAuthScratch, the demo for one
// run), authserver.go its authorization server, tour.go the short session
// the command plays through a bridge in a terminal (and Interactive, whether
// it is one).
package demo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// request is the part of a JSON-RPC message the demo reads.
type request struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params struct {
		Name      string          `json:"name"`
		URI       string          `json:"uri"`
		Arguments json.RawMessage `json:"arguments"`
		Meta      struct {
			ProgressToken json.RawMessage `json:"progressToken"`
		} `json:"_meta"`
	} `json:"params"`
}

type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// Handler serves the demo's MCP endpoint.
type Handler struct {
	mu       sync.Mutex
	sessions map[string]bool
}

// NewHandler returns a demo endpoint with no sessions yet.
func NewHandler() *Handler { return &Handler{sessions: map[string]bool{}} }

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodPost:
		h.post(w, r)
	case http.MethodDelete:
		h.mu.Lock()
		delete(h.sessions, r.Header.Get("Mcp-Session-Id"))
		h.mu.Unlock()
	default: // no GET stream: the demo sends nothing unprompted
		w.Header().Set("Allow", "POST, DELETE")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (h *Handler) post(w http.ResponseWriter, r *http.Request) {
	var req request
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
		writeJSON(w, nil, nil, &rpcError{-32700, "Parse error"})
		return
	}
	if req.ID == nil { // notifications and responses
		w.WriteHeader(http.StatusAccepted)
		return
	}
	if req.Method == "initialize" {
		id := newSessionID()
		h.mu.Lock()
		h.sessions[id] = true
		h.mu.Unlock()
		w.Header().Set("Mcp-Session-Id", id)
		writeJSON(w, req.ID, initializeResult, nil)
		return
	}
	h.mu.Lock()
	known := h.sessions[r.Header.Get("Mcp-Session-Id")]
	h.mu.Unlock()
	if !known {
		http.Error(w, "unknown session", http.StatusNotFound)
		return
	}
	if req.Method == "tools/call" && req.Params.Name == "count" {
		count(w, r.Context(), req)
		return
	}
	result, rerr := answer(req)
	writeJSON(w, req.ID, result, rerr)
}

func newSessionID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

var initializeResult = map[string]any{
	"protocolVersion": "2025-11-25",
	"capabilities":    map[string]any{"tools": map[string]any{}, "resources": map[string]any{}, "prompts": map[string]any{}},
	"serverInfo":      map[string]any{"name": "mcpbridge-demo", "version": "1"},
	"instructions":    "A demo server inside mcpbridge: try the tools echo, add and count.",
}

func object(props string, required ...string) map[string]any {
	var p map[string]any
	_ = json.Unmarshal([]byte(props), &p)
	return map[string]any{"type": "object", "properties": p, "required": required}
}

// tools is built on first use: every start of mcpbridge links this package,
// and only the demo needs it.
var tools = sync.OnceValue(func() []any {
	return []any{
		map[string]any{"name": "echo", "description": "Send a message back",
			"inputSchema": object(`{"message":{"type":"string"}}`, "message")},
		map[string]any{"name": "add", "description": "Add two numbers",
			"inputSchema": object(`{"a":{"type":"number"},"b":{"type":"number"}}`, "a", "b")},
		map[string]any{"name": "count", "description": "Count from 1 to N (at most 10), reporting progress",
			"inputSchema": object(`{"to":{"type":"integer"}}`, "to")},
	}
})

// answer handles every request but initialize and count.
func answer(req request) (any, *rpcError) {
	switch req.Method {
	case "ping":
		return map[string]any{}, nil
	case "tools/list":
		return map[string]any{"tools": tools()}, nil
	case "tools/call":
		return callTool(req.Params.Name, req.Params.Arguments)
	case "resources/list":
		return map[string]any{"resources": []any{map[string]any{"uri": "demo://readme", "name": "readme", "mimeType": "text/plain"}}}, nil
	case "resources/read":
		if req.Params.URI != "demo://readme" {
			return nil, &rpcError{-32002, "Resource not found: " + req.Params.URI}
		}
		return map[string]any{"contents": []any{map[string]any{"uri": "demo://readme", "mimeType": "text/plain",
			"text": "This server runs inside mcpbridge demo. Its tools: echo, add, count."}}}, nil
	case "prompts/list":
		return map[string]any{"prompts": []any{map[string]any{"name": "greet", "description": "A greeting",
			"arguments": []any{map[string]any{"name": "name", "required": true}}}}}, nil
	case "prompts/get":
		var a struct{ Name string }
		_ = json.Unmarshal(req.Params.Arguments, &a)
		return map[string]any{"messages": []any{map[string]any{"role": "user",
			"content": map[string]any{"type": "text", "text": "Say hello to " + a.Name}}}}, nil
	}
	return nil, &rpcError{-32601, "Method not found: " + req.Method}
}

func callTool(name string, args json.RawMessage) (any, *rpcError) {
	switch name {
	case "echo":
		var a struct{ Message string }
		if err := json.Unmarshal(args, &a); err != nil {
			return nil, &rpcError{-32602, "echo wants {\"message\": string}"}
		}
		return text(a.Message), nil
	case "add":
		var a struct{ A, B float64 }
		if err := json.Unmarshal(args, &a); err != nil {
			return nil, &rpcError{-32602, "add wants {\"a\": number, \"b\": number}"}
		}
		return text(fmt.Sprint(a.A + a.B)), nil
	}
	return nil, &rpcError{-32602, "Unknown tool: " + name}
}

func text(s string) map[string]any {
	return map[string]any{"content": []any{map[string]any{"type": "text", "text": s}}}
}

// count answers with an SSE stream: a progress notification per number
// (when the client asked with a progressToken), then the result.
func count(w http.ResponseWriter, ctx context.Context, req request) {
	var a struct{ To int }
	_ = json.Unmarshal(req.Params.Arguments, &a)
	to := min(max(a.To, 1), 10)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no")
	flusher, _ := w.(http.Flusher)
	var nums []string
	for i := 1; i <= to; i++ {
		nums = append(nums, fmt.Sprint(i))
		if tok := req.Params.Meta.ProgressToken; tok != nil {
			event(w, map[string]any{"jsonrpc": "2.0", "method": "notifications/progress",
				"params": map[string]any{"progressToken": tok, "progress": i, "total": to}})
			if flusher != nil {
				flusher.Flush()
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
	event(w, map[string]any{"jsonrpc": "2.0", "id": req.ID, "result": text(strings.Join(nums, " "))})
}

func event(w http.ResponseWriter, msg any) {
	b, _ := json.Marshal(msg)
	fmt.Fprintf(w, "event: message\ndata: %s\n\n", b)
}

func writeJSON(w http.ResponseWriter, id json.RawMessage, result any, rerr *rpcError) {
	msg := map[string]any{"jsonrpc": "2.0", "id": id}
	if id == nil {
		msg["id"] = nil
	}
	if rerr != nil {
		msg["error"] = rerr
	} else {
		msg["result"] = result
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(msg)
}

// Serve starts the demo server on a free loopback port and returns its MCP
// endpoint URL and a function that stops it.
func Serve() (string, func(), error) {
	return serve(func(mux *http.ServeMux, _ string) { mux.Handle("/mcp", NewHandler()) })
}

// ServeOAuth starts the demo server behind an OAuth authorization server of
// its own (an auto-approving one: no account, no password; see
// authserver.go), so the whole sign-in — 401, discovery, registration,
// browser, tokens — can be watched on one machine. Both share one loopback
// listener: the issuer is the demo server's origin. It also returns the
// authorization server, whose Browse plays the browser.
func ServeOAuth() (string, *AuthServer, func(), error) {
	var as *AuthServer
	url, stop, err := serve(func(mux *http.ServeMux, base string) {
		as = newAuthServer(base, base+"/mcp")
		as.routes(mux, NewHandler())
	})
	if err != nil {
		return "", nil, nil, err
	}
	return url, as, stop, nil
}

// Scratch is the demo for one run: the server's URL, with OAuth a
// throwaway folder for the tokens, and Stop, which ends the server and
// removes the folder.
type Scratch struct {
	URL, Dir string
	Stop     func()
	auth     *AuthServer
}

// Start starts the demo for one run: the plain server, or with oauth the
// protected one with its throwaway folder (ServeOAuthScratch). The plain
// server has no folder (Dir is "") and asks for no sign-in, so its Open is
// never called.
func Start(oauth bool) (*Scratch, error) {
	if oauth {
		return ServeOAuthScratch()
	}
	url, stop, err := Serve()
	if err != nil {
		return nil, err
	}
	return &Scratch{URL: url, Stop: stop}, nil
}

// ServeOAuthScratch is ServeOAuth with a throwaway folder for the tokens.
func ServeOAuthScratch() (*Scratch, error) {
	url, as, stop, err := ServeOAuth()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "mcpbridge-demo-")
	if err != nil {
		stop()
		return nil, fmt.Errorf("make the demo's token folder: %w", err)
	}
	return &Scratch{URL: url, Dir: dir, auth: as, Stop: func() { stop(); _ = os.RemoveAll(dir) }}, nil
}

// Open plays the browser for an authorization URL (the tour's sign-in):
// the authorization server approves at once, in the background.
func (s *Scratch) Open(authorizeURL string) error {
	go func() { _ = s.auth.Browse(context.Background(), authorizeURL) }()
	return nil
}

func serve(routes func(mux *http.ServeMux, base string)) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("listen on loopback: %w", err)
	}
	mux := http.NewServeMux()
	routes(mux, "http://"+ln.Addr().String())
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
	}
	return "http://" + ln.Addr().String() + "/mcp", stop, nil
}
