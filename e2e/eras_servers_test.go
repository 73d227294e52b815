package e2e

//lint:file-ignore SA1019 the era servers use sampling and logging on purpose: mcpbridge must carry these 2025-11-25 features (deprecated in 2026-07-28, SEP-2577) between eras, and these tests are what show it does.

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The servers of the protocol-era tests: the official Go SDK's server,
// restricted to one protocol era with ServerOptions.SupportedProtocolVersions
// (2026-07-28 basic/versioning §Terminology). Both have the same features;
// the tools that need the client (sampling, elicitation, roots) are written
// the 2026-07-28 way, returning input requests (basic/patterns/mrtr), and the
// SDK itself turns those into server-to-client requests for a session that
// negotiated 2025-11-25.

const (
	eraModern = "2026-07-28" // stateless: server/discover, _meta, MRTR, subscriptions/listen
	eraLegacy = "2025-11-25" // initialize handshake, sessions, server-to-client requests

	eraServerName    = "e2e-era-server"
	eraServerVersion = "2.0.0"
	counterURI       = "test://counter"
)

// eraFixture is one Go SDK server restricted to one era, served on
// 127.0.0.1.
type eraFixture struct {
	era     string
	srv     *mcp.Server
	rec     *eraRecorder
	url     string
	life    context.Context // cancelled when the server stops
	stop    context.CancelFunc
	counter atomic.Int32 // the text of counterURI is "count N"
}

// newEraFixture starts a server that speaks only era: 2026-07-28 on the
// SDK's stateless Streamable HTTP handler (the only one that serves it),
// 2025-11-25 on its stateful one. Both answer requests as SSE streams, so a
// request's notifications and server-to-client requests reach mcpbridge
// before its answer.
func newEraFixture(t testing.TB, era string) *eraFixture {
	t.Helper()
	f := &eraFixture{era: era}
	f.life, f.stop = context.WithCancel(context.Background())
	f.srv = mcp.NewServer(&mcp.Implementation{Name: eraServerName, Version: eraServerVersion}, &mcp.ServerOptions{
		SupportedProtocolVersions: []string{era},
		SubscribeHandler:          func(context.Context, *mcp.SubscribeRequest) error { return nil },
		UnsubscribeHandler:        func(context.Context, *mcp.UnsubscribeRequest) error { return nil },
	})
	f.addPlainTools()
	f.addInputTools()
	f.addResourcesAndPrompts()
	f.serve(t)
	return f
}

func (f *eraFixture) serve(t testing.TB) {
	t.Helper()
	opts := &mcp.StreamableHTTPOptions{Stateless: f.era == eraModern}
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return f.srv }, opts)
	f.rec = newEraRecorder(h)
	mux := http.NewServeMux()
	mux.Handle("/mcp", f.rec)
	ts := httptest.NewServer(mux) // listens on 127.0.0.1
	f.url = ts.URL + "/mcp"
	t.Cleanup(func() {
		f.stop()
		ts.CloseClientConnections()
		closed := make(chan struct{})
		go func() { ts.Close(); close(closed) }()
		select {
		case <-closed:
		case <-time.After(eraTimeout):
			t.Errorf("the %s server did not stop within %v: a handler still runs", f.era, eraTimeout)
		}
	})
}

// whoami reports what the server knows of the caller of one request: under
// 2026-07-28 it comes from the request's _meta, under 2025-11-25 from the
// session's initialize.
func whoami(req *mcp.CallToolRequest) string {
	client := ""
	if info := req.ClientInfo(); info != nil {
		client = info.Name
	}
	caps := req.ClientCapabilities()
	if caps == nil {
		caps = &mcp.ClientCapabilities{}
	}
	return fmt.Sprintf("protocol=%s client=%s sampling=%t elicitation=%t",
		req.ProtocolVersion(), client, caps.Sampling != nil, caps.Elicitation != nil)
}

// logLevels are the levels the chatty tool logs at, lowest first.
var logLevels = []mcp.LoggingLevel{"debug", "info", "notice", "warning", "error"}

func (f *eraFixture) addPlainTools() {
	s := f.srv
	mcp.AddTool(s, &mcp.Tool{Name: "echo", Description: "Send a message back"},
		func(_ context.Context, _ *mcp.CallToolRequest, a echoArgs) (*mcp.CallToolResult, any, error) {
			return textResult("echo: " + a.Message), nil, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "whoami", Description: "Who the server thinks the caller is"},
		func(_ context.Context, req *mcp.CallToolRequest, _ noArgs) (*mcp.CallToolResult, any, error) {
			return textResult(whoami(req)), nil, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "count", Description: "Count up, reporting progress"},
		func(ctx context.Context, req *mcp.CallToolRequest, a countArgs) (*mcp.CallToolResult, any, error) {
			tok := req.Params.GetProgressToken()
			for i := 1; i <= a.To && tok != nil; i++ {
				err := req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{
					ProgressToken: tok, Progress: float64(i), Total: float64(a.To), Message: fmt.Sprintf("step %d", i),
				})
				if err != nil {
					return nil, nil, fmt.Errorf("progress %d: %w", i, err)
				}
			}
			return textResult(fmt.Sprintf("counted to %d", a.To)), nil, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "chatty", Description: "Log one message at each level"},
		func(ctx context.Context, req *mcp.CallToolRequest, _ noArgs) (*mcp.CallToolResult, any, error) {
			for _, l := range logLevels {
				if err := req.Session.Log(ctx, &mcp.LoggingMessageParams{Level: l, Logger: "chatty", Data: "at " + string(l)}); err != nil {
					return nil, nil, fmt.Errorf("log at %s: %w", l, err)
				}
			}
			return textResult("logged"), nil, nil
		})
}

func (f *eraFixture) addResourcesAndPrompts() {
	s := f.srv
	s.AddResource(&mcp.Resource{URI: greetingURI, Name: "greeting", MIMEType: "text/plain"},
		func(_ context.Context, r *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: r.Params.URI, MIMEType: "text/plain", Text: greetingText}}}, nil
		})
	s.AddResource(&mcp.Resource{URI: counterURI, Name: "counter", MIMEType: "text/plain"},
		func(_ context.Context, r *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			text := fmt.Sprintf("count %d", f.counter.Load())
			return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: r.Params.URI, MIMEType: "text/plain", Text: text}}}, nil
		})
	s.AddPrompt(&mcp.Prompt{Name: "greet", Description: "A greeting", Arguments: []*mcp.PromptArgument{{Name: "name", Required: true}}},
		func(_ context.Context, r *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{{Role: "user",
				Content: &mcp.TextContent{Text: "Say hello to " + r.Params.Arguments["name"]}}}}, nil
		})
}

// bump changes a resource and tells its subscribers
// (notifications/resources/updated).
func (f *eraFixture) bump(t testing.TB, uri string) {
	t.Helper()
	if uri == counterURI {
		f.counter.Add(1)
	}
	if err := f.srv.ResourceUpdated(context.Background(), &mcp.ResourceUpdatedNotificationParams{URI: uri}); err != nil {
		t.Fatalf("ResourceUpdated(%s): %v", uri, err)
	}
}

// pingSessions pings every session of the 2025-11-25 server and waits for
// the answers (an error answer will do). A session's messages tied to no
// request travel on its GET event stream, in order: once mcpbridge has
// answered the ping, it has handled whatever the server sent there before.
func (f *eraFixture) pingSessions(t testing.TB) {
	t.Helper()
	if f.era != eraLegacy {
		t.Fatalf("pingSessions: the %s server has no sessions", f.era)
	}
	ctx, cancel := context.WithTimeout(context.Background(), eraTimeout)
	defer cancel()
	n := 0
	for ss := range f.srv.Sessions() {
		n++
		if err := ss.Ping(ctx, nil); ctx.Err() != nil {
			t.Fatalf("mcpbridge did not answer the server's ping within %v: %v; the server received: %s", eraTimeout, err, f.rec.summary())
		}
	}
	if n == 0 {
		t.Fatal("pingSessions: the server has no session")
	}
}

// addLateTool adds a tool while clients are connected: the server then
// sends notifications/tools/list_changed to the sessions that listen.
func (f *eraFixture) addLateTool(name string) {
	mcp.AddTool(f.srv, &mcp.Tool{Name: name, Description: "Added at runtime"},
		func(context.Context, *mcp.CallToolRequest, noArgs) (*mcp.CallToolResult, any, error) {
			return textResult("late " + name), nil, nil
		})
}

// listChange is one kind of list-changed notification.
type listChange struct {
	notification string
	opted        func(listenFilter) bool // whether a listen filter opted in to it
}

var listChanges = []listChange{
	{"notifications/tools/list_changed", func(f listenFilter) bool { return f.ToolsListChanged }},
	{"notifications/prompts/list_changed", func(f listenFilter) bool { return f.PromptsListChanged }},
	{"notifications/resources/list_changed", func(f listenFilter) bool { return f.ResourcesListChanged }},
}

// waitListChangedReady waits until a list-changed notification of kind c
// would reach mcpbridge: the GET event stream of a 2025-11-25 session, or a
// subscriptions/listen stream that opted in to it.
func (f *eraFixture) waitListChangedReady(t testing.TB, c listChange) {
	t.Helper()
	if f.era == eraLegacy {
		f.rec.waitStream(t, "a GET event stream", func(s *eraStream) bool { return !s.listen })
		return
	}
	f.rec.waitStream(t, "a subscriptions/listen stream opted in to "+c.notification, func(s *eraStream) bool {
		return s.listen && c.opted(s.filter)
	})
}

// change adds a tool, a prompt or a resource named name, as c says.
func (f *eraFixture) change(c listChange, name string) {
	switch c.notification {
	case "notifications/tools/list_changed":
		f.addLateTool(name)
	case "notifications/prompts/list_changed":
		f.srv.AddPrompt(&mcp.Prompt{Name: name}, func(context.Context, *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: name}}}}, nil
		})
	case "notifications/resources/list_changed":
		f.srv.AddResource(&mcp.Resource{URI: "test://" + name, Name: name}, func(_ context.Context, r *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: r.Params.URI, Text: name}}}, nil
		})
	}
}

// waitUpdatesReady waits until notifications/resources/updated for uri
// would reach mcpbridge (the subscription itself was made before).
func (f *eraFixture) waitUpdatesReady(t testing.TB, uri string) {
	t.Helper()
	if f.era == eraLegacy {
		f.rec.waitStream(t, "a GET event stream", func(s *eraStream) bool { return !s.listen })
		return
	}
	f.rec.waitStream(t, "a subscriptions/listen stream for "+uri, func(s *eraStream) bool {
		return s.listen && s.filter.has(uri)
	})
}

// samplingText returns the model and text of a sampling answer, whichever type the SDK
// decoded it into.
func samplingText(resp mcp.InputResponse) (model, text string, err error) {
	switch r := resp.(type) {
	case *mcp.CreateMessageWithToolsResult:
		var parts []string
		for _, c := range r.Content {
			if tc, ok := c.(*mcp.TextContent); ok {
				parts = append(parts, tc.Text)
			}
		}
		return r.Model, strings.Join(parts, ""), nil
	case *mcp.CreateMessageResult:
		tc, ok := r.Content.(*mcp.TextContent)
		if !ok {
			return "", "", fmt.Errorf("sampling content %T is not text", r.Content)
		}
		return r.Model, tc.Text, nil
	}
	return "", "", fmt.Errorf("the sampling answer is a %T", resp)
}
