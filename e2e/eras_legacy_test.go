package e2e

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// More of the 2025-11-25 host's round trips (see eras_test.go): the
// server's requests to the client, and logging levels.

// inputCase is a call of one of the fixture's tools that need the client.
type inputCase struct {
	tool    string
	args    map[string]any
	methods []string // the requests the client gets, sorted
	want    string   // the tool's final text, given eraAnswers
}

var inputCases = []inputCase{
	{tool: "ask_llm", args: map[string]any{"question": "What is six times seven?"},
		methods: []string{"sampling/createMessage"}, want: "model e2e-model said: answer to What is six times seven?"},
	{tool: "ask_user", args: map[string]any{"question": "Your name?"},
		methods: []string{"elicitation/create"}, want: "action=accept name=Ada"},
	{tool: "list_roots", args: map[string]any{},
		methods: []string{"roots/list"}, want: "roots: file:///work/a,file:///work/b"},
	{tool: "ask_both", args: map[string]any{"question": "Both?"},
		methods: []string{"elicitation/create", "sampling/createMessage"}, want: "model e2e-model said: answer to Both?; action=accept name=Ada"},
}

// TestEraLegacyHostServerRequests: a tool that needs sampling, elicitation,
// roots (or two at once) makes the host get those REQUESTS (from mcpbridge,
// translating the modern server's input_required result), answer them, and
// then get the tool's final result built from its answers. The ids of the
// requests mcpbridge makes up never reuse the host's own request ids.
func TestEraLegacyHostServerRequests(t *testing.T) {
	forEachEraServer(t, func(t *testing.T, f *eraFixture) {
		h, _ := startLegacyHost(t, f)
		for _, c := range inputCases {
			before := h.lastIndex()
			id := h.send("tools/call", callParams(c.tool, c.args, nil))
			res := h.waitResponse(id)
			r := decodeTool(t, c.tool, res)
			if r.IsError || r.text() != c.want {
				t.Errorf("%s: got isError=%v %q, want %q", c.tool, r.IsError, r.text(), c.want)
			}
			var methods []string
			for _, m := range h.Messages(func(m *Msg) bool { return m.IsRequest() && m.Index > before }) {
				methods = append(methods, m.Method)
				if m.Index > res.Index {
					t.Errorf("%s: the %s request (line %d) came after the tool's result (line %d)", c.tool, m.Method, m.Index, res.Index)
				}
			}
			slices.Sort(methods)
			if !slices.Equal(methods, c.methods) {
				t.Errorf("%s: the host got the requests %q, want %q", c.tool, methods, c.methods)
			}
		}
		if f.era == eraModern {
			// mcpbridge made these requests up. (Passed through, they
			// carry the server's own ids, which JSON-RPC keeps apart
			// from the host's: each side numbers its own requests.)
			h.checkServerRequestIDs()
		}
	})
}

// TestEraLegacyHostCapabilitiesRespected: a host that declares no sampling
// and no elicitation is not asked for them; the server sees its real
// capabilities and refuses by itself.
func TestEraLegacyHostCapabilitiesRespected(t *testing.T) {
	forEachEraServer(t, func(t *testing.T, f *eraFixture) {
		h := startEraHost(t, false, f.url)
		h.caps = map[string]any{}
		h.initialize()
		if who := h.toolText("whoami", nil); !strings.HasSuffix(who, "sampling=false elicitation=false") {
			t.Errorf("whoami: the server saw %q, want sampling=false elicitation=false", who)
		}
		for _, tool := range []string{"ask_llm", "ask_user"} {
			r := decodeTool(t, tool, h.call("tools/call", callParams(tool, map[string]any{"question": "?"}, nil)))
			if !r.IsError || !strings.Contains(r.text(), "did not declare") {
				t.Errorf("%s for a host without the capability: got isError=%v %q, want the server's refusal", tool, r.IsError, r.text())
			}
		}
		if reqs := h.Messages(func(m *Msg) bool { return m.IsRequest() }); len(reqs) > 0 {
			t.Errorf("a host without sampling/elicitation got the request %s", clip(reqs[0].Raw))
		}
	})
}

// logNote is the params of notifications/message.
type logNote struct {
	Level  string `json:"level"`
	Logger string `json:"logger"`
	Data   any    `json:"data"`
}

// logLevelsBetween returns the levels of the notifications/message the host
// got after line from and before the answer res, failing on any that came
// after the answer.
func logLevelsBetween(t *testing.T, h *eraHost, from int, res *Msg) []string {
	t.Helper()
	var levels []string
	for _, m := range h.Messages(func(m *Msg) bool { return m.Method == "notifications/message" && m.Index > from }) {
		var n logNote
		if err := json.Unmarshal(m.Params, &n); err != nil {
			t.Fatalf("notifications/message: cannot decode %s: %v", clip(m.Params), err)
		}
		if m.Index > res.Index {
			t.Errorf("the %s log message (line %d) came after the tool's result (line %d)", n.Level, m.Index, res.Index)
		}
		if n.Data != "at "+n.Level {
			t.Errorf("the %s log message carries %v, want %q", n.Level, n.Data, "at "+n.Level)
		}
		levels = append(levels, n.Level)
	}
	return levels
}

// chatty calls the chatty tool and returns the log levels it produced.
func chatty(t *testing.T, h *eraHost, meta map[string]any) []string {
	t.Helper()
	from := h.lastIndex()
	params := callParams("chatty", nil, nil)
	if meta != nil {
		params["_meta"] = meta
	}
	res := h.waitResponse(h.send("tools/call", params))
	if got := decodeTool(t, "chatty", res).text(); got != "logged" {
		t.Errorf("chatty: got %q", got)
	}
	return logLevelsBetween(t, h, from, res)
}

// TestEraLegacyHostLogging: before logging/setLevel no log message reaches
// the host (a 2026-07-28 server logs only for requests that carry a
// logLevel); after setLevel warning, only warning and above; after
// setLevel debug, every level.
func TestEraLegacyHostLogging(t *testing.T) {
	forEachEraServer(t, func(t *testing.T, f *eraFixture) {
		h, _ := startLegacyHost(t, f)
		if got := chatty(t, h, nil); len(got) != 0 {
			t.Errorf("before logging/setLevel the host got log messages at %q, want none", got)
		}
		for _, c := range []struct {
			level string
			want  []string
		}{
			{"warning", []string{"warning", "error"}},
			{"debug", []string{"debug", "info", "notice", "warning", "error"}},
		} {
			var res map[string]any
			h.result("logging/setLevel", map[string]any{"level": c.level}, &res)
			if got := chatty(t, h, nil); !slices.Equal(got, c.want) {
				t.Errorf("after setLevel %s the host got log messages at %q, want %q", c.level, got, c.want)
			}
		}
	})
}
