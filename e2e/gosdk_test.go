package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpbridge/mcpbridge/internal/testwait"
)

// Tests against the official Go SDK's server, in-process on 127.0.0.1,
// driven through the mcpbridge binary. Most run once per transportCase:
// Streamable HTTP with SSE answers, with JSON answers, HTTP+SSE chosen with
// --transport sse-only, and HTTP+SSE reached by http-first's fallback.

var fixtureTools = []string{"echo", "add", "count", "ask_llm", "ask_user", "list_roots", "danger_delete"}

// TestPipelinedInitialize sends initialize, notifications/initialized and
// tools/list in ONE write, as clients that do not wait for the initialize
// answer do: both answers must come back, the initialize answer first, and
// the server must have handled the three messages in that order, even when
// the notification's POST is slow to get through (the initialize gate sends
// held notifications before the requests behind them).
func TestPipelinedInitialize(t *testing.T) {
	for _, tc := range transportCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startSession(t, tc)
			h := s.host
			s.rec.delay("notifications/initialized", 100*time.Millisecond)
			h.Send(
				RequestLine("1", "initialize", initParams(fullCapabilities())),
				NotificationLine("notifications/initialized", nil),
				RequestLine("2", "tools/list", nil),
			)
			initAns := h.WaitResponse("1")
			listAns := h.WaitResponse("2")
			if initAns.Error != nil {
				t.Fatalf("initialize failed: %s", initAns.Error)
			}
			var init InitializeResult
			if err := json.Unmarshal(initAns.Result, &init); err != nil {
				t.Fatalf("initialize result: %v", err)
			}
			if init.ServerInfo.Name != "e2e-go-sdk" || init.ProtocolVersion != clientProtocol {
				t.Errorf("initialize answered serverInfo %q, protocolVersion %q; want e2e-go-sdk, %s",
					init.ServerInfo.Name, init.ProtocolVersion, clientProtocol)
			}
			requireAll(t, "tools/list answer", toolNamesOf(t, listAns), fixtureTools...)
			if initAns.Index > listAns.Index {
				t.Errorf("the tools/list answer (stdout line %d) came before the initialize answer (line %d)", listAns.Index, initAns.Index)
			}
			// The session works afterwards.
			if got := h.ToolText("echo", map[string]any{"message": "after pipelining"}); got != "echo: after pipelining" {
				t.Errorf("echo after a pipelined handshake: %q", got)
			}
			// The server handled initialize, then initialized, then
			// tools/list, though initialized took 100 ms longer to get
			// through (set below, before anything was sent).
			order := s.fix.handled()
			iInit := slices.Index(order, "initialize")
			iNote := slices.Index(order, "notifications/initialized")
			iList := slices.Index(order, "tools/list")
			if iInit < 0 || iNote < iInit || iList < iNote {
				t.Errorf("the server handled the messages in the order %q; want initialize, notifications/initialized, tools/list", order)
			}
		})
	}
}

// TestToolsResourcesPrompts lists and uses tools, resources and prompts.
func TestToolsResourcesPrompts(t *testing.T) {
	for _, tc := range transportCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startSession(t, tc)
			h := s.host
			init := s.ready(t, fullCapabilities())
			for _, c := range []string{"tools", "resources", "prompts"} {
				if init.Capabilities[c] == nil {
					t.Errorf("initialize: the server's capabilities lack %q: %v", c, init.Capabilities)
				}
			}
			h.Result("ping", nil, nil)

			requireAll(t, "tools/list", h.ToolNames(), fixtureTools...)
			msg := "héllo wörld ✓ \"quoted\" <tag> & \\ end"
			if got := h.ToolText("echo", map[string]any{"message": msg}); got != "echo: "+msg {
				t.Errorf("echo: got %q, want %q", got, "echo: "+msg)
			}
			if got := h.ToolText("add", map[string]any{"a": 2, "b": 40}); got != "42" {
				t.Errorf("add 2+40: got %q", got)
			}
			// An unknown tool still gets exactly one answer: an error.
			m := h.Call("tools/call", callParams("no_such_tool", map[string]any{}, nil))
			if m.Error == nil && !decodeTool(t, "no_such_tool", m).IsError {
				t.Errorf("tools/call of an unknown tool succeeded: %s", clip(m.Raw))
			}

			var resources struct {
				Resources []struct {
					URI string `json:"uri"`
				} `json:"resources"`
			}
			h.Result("resources/list", nil, &resources)
			if len(resources.Resources) != 1 || resources.Resources[0].URI != greetingURI {
				t.Errorf("resources/list: got %+v, want the resource %s", resources, greetingURI)
			}
			texts := resourceTexts(t, h.Call("resources/read", map[string]any{"uri": greetingURI}))
			if texts[greetingURI] != greetingText {
				t.Errorf("resources/read %s: got %q", greetingURI, texts)
			}

			var prompts struct {
				Prompts []struct {
					Name string `json:"name"`
				} `json:"prompts"`
			}
			h.Result("prompts/list", nil, &prompts)
			if len(prompts.Prompts) != 1 || prompts.Prompts[0].Name != "greet" {
				t.Errorf("prompts/list: got %+v, want the prompt greet", prompts)
			}
			got := promptText(t, h.Call("prompts/get", map[string]any{"name": "greet", "arguments": map[string]any{"name": "Ada"}}))
			if got != "Say hello to Ada" {
				t.Errorf("prompts/get greet: got %q", got)
			}
		})
	}
}

// TestSamplingRoundTrip: a tool asks the client's LLM (the server sends
// sampling/createMessage while the tools/call is open); the host answers
// on stdin and the answer reaches the tool.
func TestSamplingRoundTrip(t *testing.T) {
	for _, tc := range transportCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startSession(t, tc)
			h := s.host
			h.Handle("sampling/createMessage", func(params json.RawMessage) (any, *RPCError) {
				var p struct {
					Messages []struct {
						Content struct {
							Text string `json:"text"`
						} `json:"content"`
					} `json:"messages"`
				}
				if json.Unmarshal(params, &p) != nil || len(p.Messages) == 0 {
					return nil, &RPCError{Code: -32602, Message: "bad sampling params"}
				}
				switch q := p.Messages[0].Content.Text; q {
				case "What is six times seven?":
					return samplingAnswer("forty-two"), nil
				case "Refuse this one":
					return nil, &RPCError{Code: -1, Message: "the user rejected the sampling request"}
				default:
					return nil, &RPCError{Code: -32602, Message: "unexpected question " + q}
				}
			})
			s.ready(t, fullCapabilities())

			got := h.ToolText("ask_llm", map[string]any{"question": "What is six times seven?"})
			if got != "model e2e-model said: forty-two" {
				t.Errorf("ask_llm: got %q", got)
			}
			reqs := h.Messages(func(m *Msg) bool { return m.IsRequest() && m.Method == "sampling/createMessage" })
			if len(reqs) != 1 {
				t.Fatalf("the host saw %d sampling/createMessage requests, want 1", len(reqs))
			}

			// The client's error answer reaches the server too.
			r := decodeTool(t, "ask_llm", h.Call("tools/call", callParams("ask_llm", map[string]any{"question": "Refuse this one"}, nil)))
			if !r.IsError || !strings.Contains(r.text(), "the user rejected the sampling request") {
				t.Errorf("ask_llm with a refused sampling: want an error result carrying the client's message, got isError=%v %q", r.IsError, r.text())
			}
		})
	}
}

// TestElicitationRoundTrip: a tool asks the user through
// elicitation/create; the host accepts (with content) or declines.
func TestElicitationRoundTrip(t *testing.T) {
	for _, tc := range transportCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startSession(t, tc)
			h := s.host
			h.Handle("elicitation/create", func(params json.RawMessage) (any, *RPCError) {
				var p struct {
					Message         string         `json:"message"`
					RequestedSchema map[string]any `json:"requestedSchema"`
				}
				if json.Unmarshal(params, &p) != nil || p.RequestedSchema == nil {
					return nil, &RPCError{Code: -32602, Message: "bad elicitation params"}
				}
				if p.Message == "Decline this" {
					return map[string]any{"action": "decline"}, nil
				}
				return map[string]any{"action": "accept", "content": map[string]any{"name": "Ada"}}, nil
			})
			s.ready(t, fullCapabilities())
			if got := h.ToolText("ask_user", map[string]any{"question": "What is your name?"}); got != "action=accept name=Ada" {
				t.Errorf("ask_user (accepted): got %q", got)
			}
			if got := h.ToolText("ask_user", map[string]any{"question": "Decline this"}); got != "action=decline name=<nil>" {
				t.Errorf("ask_user (declined): got %q", got)
			}
		})
	}
}

// TestRootsRoundTrip: the server asks the client for its roots; the
// client's notifications/roots/list_changed reaches the server.
func TestRootsRoundTrip(t *testing.T) {
	for _, tc := range transportCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startSession(t, tc)
			h := s.host
			h.Handle("roots/list", func(json.RawMessage) (any, *RPCError) {
				return map[string]any{"roots": []any{
					map[string]any{"uri": "file:///work/project", "name": "project"},
					map[string]any{"uri": "file:///work/other"},
				}}, nil
			})
			s.ready(t, fullCapabilities())
			if got := h.ToolText("list_roots", nil); got != "roots: file:///work/project,file:///work/other" {
				t.Errorf("list_roots: got %q", got)
			}
			// A client notification reaches the server too.
			h.Notify("notifications/roots/list_changed", nil)
			select {
			case <-s.fix.rootsChanged:
			case <-time.After(waitTimeout):
				t.Fatalf("the server never got notifications/roots/list_changed; requests seen: %s", s.rec.summary())
			}
		})
	}
}

// TestProgressNotifications: a tools/call with _meta.progressToken gets
// notifications/progress carrying that token, byte for byte (a string and
// a number), and the answer after them.
func TestProgressNotifications(t *testing.T) {
	for _, tc := range transportCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startSession(t, tc)
			h := s.host
			s.ready(t, fullCapabilities())
			for _, token := range []any{"progress-" + tc.name, 7700} {
				raw, _ := json.Marshal(token)
				const steps = 5
				id := h.NewID()
				h.Send(RequestLine(id, "tools/call", callParams("count", map[string]any{"to": steps}, token)))
				ans := h.WaitResponse(id)
				if r := decodeTool(t, "count", ans); r.text() != "counted to 5" {
					t.Fatalf("count: got %q", r.text())
				}
				last := -1
				for i := 1; i <= steps; i++ {
					n := h.WaitNotification("notifications/progress", progressFor(string(raw)))
					p := decodeProgress(t, n)
					if p.Progress != float64(i) || p.Total != steps || p.Message != fmt.Sprintf("step %d", i) {
						t.Errorf("progress notification %d for token %s: got %+v (line %s)", i, raw, p, clip(n.Raw))
					}
					if n.Index < last {
						t.Errorf("progress notification %d for token %s came out of order", i, raw)
					}
					last = n.Index
					if tc.ordered && n.Index > ans.Index {
						t.Errorf("progress notification %d for token %s (stdout line %d) came after the answer (line %d), though both share one stream", i, raw, n.Index, ans.Index)
					}
				}
			}
		})
	}
}

// TestServerNotificationsOutsideRequests: notifications the server sends
// outside any request (resources/updated after a subscribe, tools
// list_changed after a tool is added) reach the client: over Streamable
// HTTP that is the GET stream mcpbridge opens after initialize.
func TestServerNotificationsOutsideRequests(t *testing.T) {
	for _, tc := range transportCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startSession(t, tc)
			h := s.host
			s.ready(t, fullCapabilities())

			h.Result("resources/subscribe", map[string]any{"uri": greetingURI}, nil)
			select {
			case uri := <-s.fix.subscribedTo:
				if uri != greetingURI {
					t.Fatalf("the server got a subscription to %q", uri)
				}
			case <-time.After(waitTimeout):
				t.Fatalf("the server never got the resources/subscribe")
			}
			if err := s.fix.srv.ResourceUpdated(context.Background(), &mcp.ResourceUpdatedNotificationParams{URI: greetingURI}); err != nil {
				t.Fatalf("ResourceUpdated: %v", err)
			}
			h.WaitNotification("notifications/resources/updated", func(m *Msg) bool {
				var p struct {
					URI string `json:"uri"`
				}
				return json.Unmarshal(m.Params, &p) == nil && p.URI == greetingURI
			})

			s.fix.addLateTool("late_tool")
			h.WaitNotification("notifications/tools/list_changed", nil)
			requireAll(t, "tools/list after list_changed", h.ToolNames(), "late_tool")
			if got := h.ToolText("late_tool", nil); got != "late" {
				t.Errorf("late_tool: got %q", got)
			}

			if tc.kind != legacySSE {
				// The notifications came on the GET stream of the session,
				// which names the session and the protocol version.
				var gets []seenRequest
				for _, r := range s.rec.requests() {
					if r.Method == http.MethodGet {
						gets = append(gets, r)
					}
				}
				if len(gets) == 0 {
					t.Fatalf("no GET stream: requests %s", s.rec.summary())
				}
				g := gets[0]
				if g.Header.Get("Mcp-Session-Id") == "" || g.Header.Get("Mcp-Protocol-Version") != clientProtocol ||
					!strings.Contains(g.Header.Get("Accept"), "text/event-stream") {
					t.Errorf("the GET stream's headers: Mcp-Session-Id %q, Mcp-Protocol-Version %q, Accept %q",
						g.Header.Get("Mcp-Session-Id"), g.Header.Get("Mcp-Protocol-Version"), g.Header.Get("Accept"))
				}
			}
		})
	}
}

// TestTransportSelection checks which transport each --transport value
// uses, from the HTTP requests the server saw.
func TestTransportSelection(t *testing.T) {
	cases := []struct {
		name     string
		kind     serverKind
		args     []string
		firstReq string // "METHOD rpc-method" of the first HTTP request
		works    bool
	}{
		{"http-first falls back to HTTP+SSE", legacySSE, nil, "POST initialize", true},
		{"sse-only goes straight to HTTP+SSE", legacySSE, []string{"--transport", "sse-only"}, "GET ", true},
		{"sse-first on an HTTP+SSE server", legacySSE, []string{"--transport", "sse-first"}, "GET ", true},
		{"sse-first falls back to Streamable HTTP", streamableSSE, []string{"--transport", "sse-first"}, "GET ", true},
		{"http-only does not fall back", legacySSE, []string{"--transport", "http-only"}, "POST initialize", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := startSession(t, transportCase{name: c.name, kind: c.kind, args: c.args})
			h := s.host
			ans := h.Call("initialize", initParams(fullCapabilities()))
			reqs := s.rec.requests()
			if len(reqs) > 0 && reqs[0].RPCMethod == "server/discover" {
				reqs = reqs[1:] // the protocol era probe (--protocol auto), which a legacy server refuses
			}
			if len(reqs) == 0 {
				t.Fatalf("the server saw no request")
			}
			if first := reqs[0].Method + " " + reqs[0].RPCMethod; first != c.firstReq {
				t.Errorf("first request: %q, want %q (all: %s)", first, c.firstReq, s.rec.summary())
			}
			if !c.works {
				if ans.Error == nil {
					t.Fatalf("initialize succeeded; want an error answer: %s", clip(ans.Raw))
				}
				for _, r := range reqs {
					if r.Method == http.MethodGet {
						t.Errorf("http-only opened an event stream with GET: %s", s.rec.summary())
					}
				}
				return
			}
			if ans.Error != nil {
				t.Fatalf("initialize failed: %s", ans.Error)
			}
			h.Notify("notifications/initialized", nil)
			if got := h.ToolText("echo", map[string]any{"message": "x"}); got != "echo: x" {
				t.Errorf("echo: got %q", got)
			}
			if c.kind == legacySSE {
				// Every message went to the endpoint the event stream named.
				for _, r := range s.rec.requests() {
					if r.Method == http.MethodPost && r.RPCMethod != "initialize" && r.RPCMethod != "server/discover" && !strings.Contains(r.Query, "sessionid=") {
						t.Errorf("a %s POST went to %s?%s, not to the session's endpoint", r.RPCMethod, r.Path, r.Query)
					}
				}
			}
		})
	}
}

// TestIgnoreTool: --ignore-tool hides matching tools (wildcard, any case)
// from tools/list and refuses calls to them without bothering the server;
// --allow-tool shows only the tools it names.
func TestIgnoreTool(t *testing.T) {
	for _, tc := range []transportCase{transportCases[0], transportCases[3]} {
		t.Run(tc.name+"/ignore", func(t *testing.T) {
			t.Parallel()
			s := startSession(t, tc, "--ignore-tool", "DANGER_*", "--ignore-tool", "list_roots")
			h := s.host
			h.Initialize(fullCapabilities())
			names := h.ToolNames()
			for _, hidden := range []string{"danger_delete", "list_roots"} {
				if slices.Contains(names, hidden) {
					t.Errorf("tools/list shows %s, which --ignore-tool hides: %q", hidden, names)
				}
			}
			requireAll(t, "tools/list", names, "echo", "add", "count", "ask_llm", "ask_user")

			id := h.NewID()
			h.Send(RequestLine(id, "tools/call", callParams("danger_delete", map[string]any{}, nil)))
			ans := h.WaitResponse(id)
			if ans.Error == nil {
				t.Fatalf("tools/call danger_delete: want a JSON-RPC error, got %s", clip(ans.Raw))
			}
			if !strings.Contains(ans.Error.Message, "danger_delete") {
				t.Errorf("the refusal does not name the tool: %s", ans.Error)
			}
			if n := s.fix.dangerCalls.Load(); n != 0 {
				t.Errorf("the hidden tool ran %d times on the server", n)
			}
			if got := h.ToolText("echo", map[string]any{"message": "still here"}); got != "echo: still here" {
				t.Errorf("echo: got %q", got)
			}
		})
		t.Run(tc.name+"/allow", func(t *testing.T) {
			t.Parallel()
			s := startSession(t, tc, "--allow-tool", "echo", "--allow-tool", "ad*")
			h := s.host
			h.Initialize(fullCapabilities())
			names := h.ToolNames()
			slices.Sort(names)
			if !slices.Equal(names, []string{"add", "echo"}) {
				t.Errorf("tools/list with --allow-tool echo --allow-tool 'ad*': got %q, want [add echo]", names)
			}
			ans := h.Call("tools/call", callParams("danger_delete", map[string]any{}, nil))
			if ans.Error == nil {
				t.Errorf("tools/call of a tool --allow-tool does not name: want an error, got %s", clip(ans.Raw))
			}
			if n := s.fix.dangerCalls.Load(); n != 0 {
				t.Errorf("the hidden tool ran %d times on the server", n)
			}
		})
	}
}

// TestRequestIDsByteIdentical pipelines requests whose ids are strings
// (empty, non-ASCII, spelled with escapes the server re-encodes its own
// way, such as "\u0041BC" answered as "ABC") and numbers (negative, zero,
// 42 next to "42"): every answer carries its request's id byte for byte,
// and the right result, exactly once.
func TestRequestIDsByteIdentical(t *testing.T) {
	ids := []string{
		`"req-1"`, `""`, `"ünï-✓ 🚀 x"`, `"42"`, `42`, `-1`, `-9007199254740991`, `0`, `9007199254740991`,
		`"\u0041BC"`, `"a\/b"`, `"x<y&z>"`, `"tab\tnew\nline"`, `"\u00e9t\u00e9"`,
	}
	for _, tc := range []transportCase{transportCases[0], transportCases[1], transportCases[3]} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := startSession(t, tc).host
			h.Initialize(fullCapabilities())
			var lines []string
			for i, id := range ids {
				lines = append(lines, RequestLine(id, "tools/call", callParams("echo", map[string]any{"message": fmt.Sprint("msg ", i)}, nil)))
			}
			h.Send(lines...)
			for i, id := range ids {
				ans := h.WaitResponse(id)
				if r := decodeTool(t, "echo", ans); r.text() != fmt.Sprint("echo: msg ", i) {
					t.Errorf("request id %s got the answer %q, want %q", id, r.text(), fmt.Sprint("echo: msg ", i))
				}
			}
			// Exactly one answer per request.
			for _, id := range ids {
				n := len(h.Messages(func(m *Msg) bool { return m.IsResponse() && string(m.ID) == id }))
				if n != 1 {
					t.Errorf("request id %s got %d answers", id, n)
				}
			}
		})
	}
}

// TestDebugRunCleanExit runs with --debug and a secret header: stdout
// carries only JSON-RPC, the debug log lands in $MCPBRIDGE_CONFIG_DIR/logs
// without the secret, and stdin EOF ends the session (DELETE) and the
// process (exit 0) within a second.
func TestDebugRunCleanExit(t *testing.T) {
	const secret = "e2e-secret-token-8f3a1c"
	dir := t.TempDir()
	s := newSDKFixture()
	url, rec := s.serve(t, streamableSSE)
	h := StartBridgeEnv(t, []string{"MCPBRIDGE_CONFIG_DIR=" + dir}, url,
		"--debug", "--header", "Authorization: Bearer "+secret)
	h.Initialize(fullCapabilities())
	rec.waitStream(t)
	if got := h.ToolText("echo", map[string]any{"message": "debug run"}); got != "echo: debug run" {
		t.Errorf("echo: got %q", got)
	}
	id := h.NewID()
	h.Send(RequestLine(id, "tools/call", callParams("count", map[string]any{"to": 3}, "debug-progress")))
	h.WaitResponse(id)

	// The header reached the server.
	auth := ""
	for _, r := range rec.requests() {
		if a := r.Header.Get("Authorization"); a != "" {
			auth = a
		}
	}
	if auth != "Bearer "+secret {
		t.Errorf("the server got Authorization %q, want the --header value", auth)
	}

	h.CloseStdin()
	start := time.Now()
	code := h.WaitExit(time.Second)
	if code != 0 {
		t.Errorf("exit code %d after stdin EOF, want 0; stderr:\n%s", code, h.Stderr())
	}
	t.Logf("exited %v after stdin EOF", time.Since(start).Round(time.Millisecond))
	h.checkStdout()
	for _, m := range h.Messages(nil) {
		if strings.Contains(string(m.Raw), secret) {
			t.Errorf("stdout line %d holds the secret header value", m.Index)
		}
	}
	if strings.Contains(h.Stderr(), secret) {
		t.Errorf("stderr holds the secret header value")
	}

	logs, _ := filepath.Glob(filepath.Join(dir, "logs", "*"))
	if len(logs) != 1 {
		t.Fatalf("want one debug log in %s/logs, found %q", dir, logs)
	}
	data, err := os.ReadFile(logs[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(data) == 0 {
		t.Errorf("the debug log %s is empty", logs[0])
	}
	if strings.Contains(string(data), secret) {
		t.Errorf("the debug log %s holds the secret header value", logs[0])
	}

	deleted := false
	for _, r := range rec.requests() {
		if r.Method == http.MethodDelete && r.Header.Get("Mcp-Session-Id") != "" {
			deleted = true
		}
	}
	if !deleted {
		t.Errorf("mcpbridge did not end the session with DELETE at exit: %s", rec.summary())
	}
}

// TestEOFWithRequestInFlight: stdin ends while a request waits for the
// server (a sampling request nobody answers): the request still gets
// exactly one answer, an error, and the process exits 0.
func TestEOFWithRequestInFlight(t *testing.T) {
	s := startSession(t, transportCases[0])
	h := s.host
	s.ready(t, fullCapabilities())
	id := h.NewID()
	h.Send(RequestLine(id, "tools/call", callParams("ask_llm", map[string]any{"question": "never answered"}, nil)))
	h.WaitServerRequest("sampling/createMessage") // the tool now waits for the client
	h.CloseStdin()
	ans := h.WaitResponse(id)
	if ans.Error == nil {
		t.Errorf("the in-flight request got a result at shutdown, want an error: %s", clip(ans.Raw))
	}
	if code := h.WaitExit(5 * time.Second); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
	if n := len(h.Messages(func(m *Msg) bool { return m.IsResponse() && string(m.ID) == id })); n != 1 {
		t.Errorf("the in-flight request got %d answers, want 1", n)
	}
}

// TestCancelInFlightRequest: the client cancels a tools/call that waits on
// the server (its tool waits for a sampling answer that never comes).
// The server hears of it (the tool's context ends), the cancelled request
// gets no answer, and the session goes on.
func TestCancelInFlightRequest(t *testing.T) {
	for _, tc := range transportCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startSession(t, tc)
			h := s.host
			s.ready(t, fullCapabilities())
			id := h.NewID()
			h.Send(RequestLine(id, "tools/call", callParams("ask_llm", map[string]any{"question": "cancel me"}, nil)))
			h.WaitServerRequest("sampling/createMessage") // the tool now waits for the client
			h.Notify("notifications/cancelled", map[string]any{"requestId": json.RawMessage(id), "reason": "the user pressed stop"})
			select {
			case q := <-s.fix.cancelled:
				if q != "cancel me" {
					t.Errorf("the server cancelled the wrong call: %q", q)
				}
			case <-time.After(waitTimeout):
				t.Fatalf("the server's tool was not cancelled within %v; requests seen: %s", waitTimeout, s.rec.summary())
			}
			if got := h.ToolText("echo", map[string]any{"message": "after cancel"}); got != "echo: after cancel" {
				t.Errorf("echo after a cancellation: got %q", got)
			}
			// Room for a stray answer to show up. The server does answer the
			// cancelled call (an error, once its tool returns), but nothing
			// marks when mcpbridge is done with that answer: it aborts the
			// exchange (Streamable HTTP) or drops the answer as it comes on
			// the session's stream (HTTP+SSE). 100 ms is many times what the
			// answer takes (the echo round trip above came after it).
			time.Sleep(100 * time.Millisecond)
			if got := h.Messages(func(m *Msg) bool { return m.IsResponse() && string(m.ID) == id }); len(got) != 0 {
				t.Errorf("the cancelled request was answered: %s", clip(got[0].Raw))
			}
		})
	}
}

// TestSessionExpiryRenewal: the server forgets the session (it answers
// 404 to its id); mcpbridge starts a new session by replaying the client's
// initialize, so the client's next request just works, under its own id,
// and the new session gets its own GET stream.
func TestSessionExpiryRenewal(t *testing.T) {
	for _, tc := range transportCases[:3] { // Streamable HTTP only: HTTP+SSE has no session ids
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startSession(t, tc)
			h := s.host
			s.ready(t, fullCapabilities())
			if got := h.ToolText("echo", map[string]any{"message": "before"}); got != "echo: before" {
				t.Fatalf("echo: got %q", got)
			}
			var closed int
			for ss := range s.fix.srv.Sessions() {
				if err := ss.Close(); err != nil {
					t.Fatalf("close the server session: %v", err)
				}
				closed++
			}
			if closed != 1 {
				t.Fatalf("the server had %d sessions, want 1", closed)
			}
			id := h.NewID()
			h.Send(RequestLine(id, "tools/call", callParams("echo", map[string]any{"message": "after"}, nil)))
			ans := h.WaitResponse(id)
			if r := decodeTool(t, "echo", ans); r.text() != "echo: after" {
				t.Fatalf("echo after the session expired: got %q (line %s)", r.text(), clip(ans.Raw))
			}
			// The replayed initialize is the bridge's business: the client
			// sees one initialize answer only.
			if n := len(h.Messages(func(m *Msg) bool { return m.IsResponse() && string(m.ID) == "1" })); n != 1 {
				t.Errorf("the client saw %d answers with the initialize id 1, want 1", n)
			}
			inits := 0
			for _, r := range s.rec.requests() {
				if r.RPCMethod == "initialize" {
					inits++
				}
			}
			if inits != 2 {
				t.Errorf("the server received %d initialize requests, want 2 (the client's and its replay): %s", inits, s.rec.summary())
			}
			// Server notifications flow again, on the new session's stream.
			s.rec.waitStreams(t, 2)
			s.fix.addLateTool("late_tool")
			h.WaitNotification("notifications/tools/list_changed", nil)
		})
	}
}

// TestLargeMessages: a 1 MiB tool result and a 512 KiB argument (far past
// the usual 64 KiB line and event buffers) cross intact,
// each as one stdout line, over SSE answers, JSON answers and HTTP+SSE.
func TestLargeMessages(t *testing.T) {
	for _, tc := range []transportCase{transportCases[0], transportCases[1], transportCases[3]} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startSession(t, tc)
			h := s.host
			s.ready(t, fullCapabilities())
			const repeat = 1 << 20 / len(bigPattern)
			got := h.ToolText("big", map[string]any{"repeat": repeat})
			if want := strings.Repeat(bigPattern, repeat); got != want {
				t.Errorf("big: got %d bytes, want %d; they differ", len(got), len(want))
			}
			arg := strings.Repeat(bigPattern, 512<<10/len(bigPattern))
			if got := h.ToolText("echo", map[string]any{"message": arg}); got != "echo: "+arg {
				t.Errorf("echo of a %d-byte message: got %d bytes back, or different ones", len(arg), len(got))
			}
		})
	}
}

// TestIDCollisionAcrossDirections: request ids are per sender, so the
// server's sampling/createMessage may carry the very id of the client's
// tools/call that caused it. The client's answer to the server and the
// server's answer to the client must each reach the right side.
func TestIDCollisionAcrossDirections(t *testing.T) {
	for _, tc := range []transportCase{transportCases[0], transportCases[1], transportCases[3]} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startSession(t, tc)
			h := s.host
			h.Handle("sampling/createMessage", func(params json.RawMessage) (any, *RPCError) {
				return samplingAnswer("answer from the host"), nil
			})
			h.Send(RequestLine(`"init"`, "initialize", initParams(fullCapabilities())))
			if m := h.WaitResponse(`"init"`); m.Error != nil {
				t.Fatalf("initialize: %s", m.Error)
			}
			h.Notify("notifications/initialized", nil)
			s.rec.waitStream(t)

			// The first call learns the server's id counter.
			h.Send(RequestLine(`"first"`, "tools/call", callParams("ask_llm", map[string]any{"question": "q1"}, nil)))
			if r := decodeTool(t, "ask_llm", h.WaitResponse(`"first"`)); r.text() != "model e2e-model said: answer from the host" {
				t.Fatalf("first ask_llm: %q", r.text())
			}
			reqs := h.Messages(func(m *Msg) bool { return m.IsRequest() && m.Method == "sampling/createMessage" })
			var n int
			if len(reqs) != 1 || json.Unmarshal(reqs[0].ID, &n) != nil {
				t.Fatalf("want one sampling request with a numeric id, got %d: %v", len(reqs), reqs)
			}
			// The server's next request will carry id n+1: use it too.
			id := fmt.Sprint(n + 1)
			h.Send(RequestLine(id, "tools/call", callParams("ask_llm", map[string]any{"question": "q2"}, nil)))
			ans := h.WaitResponse(id)
			if r := decodeTool(t, "ask_llm", ans); r.text() != "model e2e-model said: answer from the host" {
				t.Errorf("ask_llm under id %s: %q", id, r.text())
			}
			reqs = h.Messages(func(m *Msg) bool { return m.IsRequest() && m.Method == "sampling/createMessage" })
			if len(reqs) != 2 || string(reqs[1].ID) != id {
				t.Fatalf("the second sampling request's id is not %s: %d requests, %v", id, len(reqs), reqs)
			}
			if got := h.Messages(func(m *Msg) bool { return m.IsResponse() && string(m.ID) == id }); len(got) != 1 {
				t.Errorf("the client got %d answers with id %s, want 1", len(got), id)
			}
		})
	}
}

// TestSignalExit: SIGTERM (what clients send when they quit) ends the
// session and the process promptly, with exit code 0.
func TestSignalExit(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGTERM on Windows")
	}
	s := startSession(t, transportCases[0])
	h := s.host
	s.ready(t, fullCapabilities())
	if got := h.ToolText("echo", map[string]any{"message": "x"}); got != "echo: x" {
		t.Fatalf("echo: %q", got)
	}
	if err := h.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := h.WaitExit(2 * time.Second); code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0; stderr:\n%s", code, h.Stderr())
	}
	deleted := false
	for _, r := range s.rec.requests() {
		if r.Method == http.MethodDelete {
			deleted = true
		}
	}
	if !deleted {
		t.Errorf("mcpbridge did not end the session with DELETE on SIGTERM: %s", s.rec.summary())
	}
}

// TestStdinClosedRightAfterRequests: a client writes its requests and
// closes stdin at once (printf ... | mcpbridge URL): every request still
// gets its answer before the process exits 0.
func TestStdinClosedRightAfterRequests(t *testing.T) {
	for _, tc := range transportCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := startSession(t, tc).host
			h.Send(
				RequestLine("1", "initialize", initParams(fullCapabilities())),
				NotificationLine("notifications/initialized", nil),
				RequestLine("2", "tools/list", nil),
				RequestLine("3", "tools/call", callParams("echo", map[string]any{"message": "last words"}, nil)),
			)
			h.CloseStdin()
			if m := h.WaitResponse("1"); m.Error != nil {
				t.Errorf("initialize: got the error %s", m.Error)
			}
			requireAll(t, "tools/list", toolNamesOf(t, h.WaitResponse("2")), fixtureTools...)
			if r := decodeTool(t, "echo", h.WaitResponse("3")); r.text() != "echo: last words" {
				t.Errorf("echo: got %q", r.text())
			}
			if code := h.WaitExit(5 * time.Second); code != 0 {
				t.Errorf("exit code %d, want 0", code)
			}
		})
	}
}

// TestMessageOrderPreserved: the client writes notifications/initialized
// and then tools/list, after the initialize answer (what SDK clients do:
// connect, then list tools at once; here after a ping). The server must handle them in that
// order, even when the notification's POST is slow to get through (here:
// held 100 ms before the server sees it). Servers act on initialized:
// server-everything registers its sampling, elicitation and roots tools
// then, so a tools/list that overtakes it misses them.
func TestMessageOrderPreserved(t *testing.T) {
	for _, tc := range []transportCase{transportCases[0], transportCases[1], transportCases[3]} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startSession(t, tc)
			h := s.host
			s.rec.delay("notifications/initialized", 100*time.Millisecond)
			h.Result("initialize", initParams(fullCapabilities()), nil)
			// A ping round trip first: by its answer mcpbridge has released
			// whatever it held behind initialize (messages it still holds
			// go out in order), so the two lines below take the bridge's
			// ordinary path.
			h.Result("ping", nil, nil)
			h.Send(NotificationLine("notifications/initialized", nil), RequestLine("3", "tools/list", nil))
			requireAll(t, "tools/list", toolNamesOf(t, h.WaitResponse("3")), fixtureTools...)

			if !testwait.Until(waitTimeout, func() bool { return slices.Contains(s.fix.handled(), "notifications/initialized") }) {
				t.Fatalf("the server never handled notifications/initialized: %q", s.fix.handled())
			}
			order := s.fix.handled()
			if slices.Index(order, "tools/list") < slices.Index(order, "notifications/initialized") {
				t.Errorf("the server handled %q: tools/list overtook notifications/initialized, which the client wrote first", order)
			}
		})
	}
}
