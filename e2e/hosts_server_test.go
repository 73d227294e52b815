package e2e

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
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// hostServer is a Go SDK server that speaks one protocol version, with a
// recorder of what reached it.
type hostServer struct {
	url string
	rec *versionRecorder
}

// startHostServer serves tools echo and add, a resource and a prompt on
// 127.0.0.1, restricted to version: 2026-07-28 on the SDK's stateless
// handler (the protocol has no sessions), older ones on its stateful one.
func startHostServer(t *testing.T, version string) *hostServer {
	t.Helper()
	srv := mcp.NewServer(&mcp.Implementation{Name: "e2e-host-server", Version: "1.0.0"},
		&mcp.ServerOptions{SupportedProtocolVersions: []string{version}})
	mcp.AddTool(srv, &mcp.Tool{Name: "echo", Description: "Send a message back"},
		func(_ context.Context, _ *mcp.CallToolRequest, a echoArgs) (*mcp.CallToolResult, any, error) {
			return textResult("echo: " + a.Message), nil, nil
		})
	mcp.AddTool(srv, &mcp.Tool{Name: "add", Description: "Add two numbers"},
		func(_ context.Context, _ *mcp.CallToolRequest, a addArgs) (*mcp.CallToolResult, any, error) {
			return textResult(fmt.Sprint(a.A + a.B)), nil, nil
		})
	srv.AddResource(&mcp.Resource{URI: greetingURI, Name: "greeting", MIMEType: "text/plain"},
		func(_ context.Context, r *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: r.Params.URI, MIMEType: "text/plain", Text: greetingText}}}, nil
		})
	srv.AddPrompt(&mcp.Prompt{Name: "greet", Description: "A greeting", Arguments: []*mcp.PromptArgument{{Name: "name", Required: true}}},
		func(_ context.Context, r *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{{Role: "user",
				Content: &mcp.TextContent{Text: "Say hello to " + r.Params.Arguments["name"]}}}}, nil
		})
	opts := &mcp.StreamableHTTPOptions{Stateless: version >= "2026-07-28"}
	rec := &versionRecorder{next: mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv }, opts)}
	mux := http.NewServeMux()
	mux.Handle("/mcp", rec)
	ts := httptest.NewServer(mux) // listens on 127.0.0.1
	t.Cleanup(func() {
		ts.CloseClientConnections()
		ts.Close()
	})
	return &hostServer{url: ts.URL + "/mcp", rec: rec}
}

// versionRecorder keeps, for every JSON-RPC message POSTed to the server,
// its method, the protocol versions it carried and the HTTP status of the
// answer: which protocol a host, through mcpbridge, spoke to the server.
type versionRecorder struct {
	next http.Handler

	mu   sync.Mutex
	seen []versionPost
}

// versionPost is one JSON-RPC message the server received.
type versionPost struct {
	Method  string
	Initial string // params.protocolVersion of initialize (2025-11-25 and older)
	Meta    string // params._meta["io.modelcontextprotocol/protocolVersion"] (2026-07-28)
	Header  string // the MCP-Protocol-Version header
	Status  int    // the HTTP status of the answer; 0 while unanswered
}

func (p versionPost) String() string {
	s := p.Method
	if p.Initial != "" {
		s += " protocolVersion=" + p.Initial
	}
	if p.Meta != "" {
		s += " _meta=" + p.Meta
	}
	if p.Header != "" {
		s += " header=" + p.Header
	}
	return fmt.Sprintf("%s → %d", s, p.Status)
}

func (rec *versionRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		rec.next.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	post := parseVersionPost(body)
	if post.Method == "" { // a batch, or answers to the server's requests
		rec.next.ServeHTTP(w, r)
		return
	}
	post.Header = r.Header.Get("Mcp-Protocol-Version")
	// Kept in the order the messages arrived; the status once answered.
	rec.mu.Lock()
	i := len(rec.seen)
	rec.seen = append(rec.seen, post)
	rec.mu.Unlock()
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	rec.next.ServeHTTP(sw, r)
	rec.mu.Lock()
	rec.seen[i].Status = sw.status
	rec.mu.Unlock()
}

// parseVersionPost reads the method and protocol versions of one JSON-RPC
// message.
func parseVersionPost(body []byte) versionPost {
	var msg struct {
		Method string `json:"method"`
		Params struct {
			ProtocolVersion string `json:"protocolVersion"`
			Meta            struct {
				ProtocolVersion string `json:"io.modelcontextprotocol/protocolVersion"`
			} `json:"_meta"`
		} `json:"params"`
	}
	if json.Unmarshal(body, &msg) != nil {
		return versionPost{}
	}
	return versionPost{Method: msg.Method, Initial: msg.Params.ProtocolVersion, Meta: msg.Params.Meta.ProtocolVersion}
}

// posts returns what the server received so far.
func (rec *versionRecorder) posts() []versionPost {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]versionPost(nil), rec.seen...)
}

// served reports whether the server answered method with 200 at least once.
func (rec *versionRecorder) served(method string) bool {
	for _, p := range rec.posts() {
		if p.Method == method && p.Status == http.StatusOK {
			return true
		}
	}
	return false
}

// summary lists the messages the server received, one a line.
func (rec *versionRecorder) summary() string {
	var b strings.Builder
	for _, p := range rec.posts() {
		fmt.Fprintf(&b, "\n  %s", p)
	}
	if b.Len() == 0 {
		return " (nothing)"
	}
	return b.String()
}

// statusWriter remembers the status code of an answer.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
