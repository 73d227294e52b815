package bridge

// Downgrade tests (downgrade.go, reverse.go): a 2026-07-28 client, a
// 2025-11-25 fake with sessions. The bridge opens the session on the
// client's behalf, strips what only 2026-07-28 knows, and turns the
// server's requests on a call's answer stream into input_required rounds.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
)

// downgraded starts a bridge between a modern client and a session fake
// and sends the client's first message, server/discover (id 1).
func downgraded(t *testing.T, next serverFunc) (*sessionFake, *faultHost, json.RawMessage) {
	t.Helper()
	f := newSessionFake(t, next)
	h := startHost(t, f.s.URL, withProtocol(ProtocolAuto))
	h.send(modernLine("1", "server/discover", "", ""))
	return f, h, h.result("1")
}

func TestEraDowngradeHandshake(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		f, _, disc := downgraded(t, nil)
		var d struct {
			SupportedVersions []string                   `json:"supportedVersions"`
			Capabilities      json.RawMessage            `json:"capabilities"`
			Instructions      string                     `json:"instructions"`
			Meta              map[string]json.RawMessage `json:"_meta"`
		}
		if err := json.Unmarshal(disc, &d); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(d.SupportedVersions) != "[2026-07-28]" || string(d.Capabilities) != sessionFakeCaps || d.Instructions != "Legacy instructions." ||
			string(d.Meta[jsonrpc.MetaServerInfo]) != `{"name":"session-fake","version":"1.2.3"}` {
			t.Errorf("server/discover answered %s, want it made of the server's initialize result", disc)
		}
		inits := postsOf(f.s, "initialize")
		if len(inits) != 1 {
			t.Fatalf("want one initialize on the client's behalf, got %d", len(inits))
		}
		var p struct {
			ProtocolVersion string          `json:"protocolVersion"`
			Capabilities    json.RawMessage `json:"capabilities"`
			ClientInfo      json.RawMessage `json:"clientInfo"`
		}
		if err := json.Unmarshal(inits[0].Msg.Params, &p); err != nil {
			t.Fatal(err)
		}
		if p.ProtocolVersion != "2025-11-25" || string(p.Capabilities) != `{"sampling":{},"roots":{}}` || string(p.ClientInfo) != `{"name":"modern-host","version":"9.9.9"}` {
			t.Errorf("initialize params %s, want the client's _meta capabilities and clientInfo", inits[0].Msg.Params)
		}
		if len(postsOf(f.s, "notifications/initialized")) != 1 {
			t.Errorf("no notifications/initialized: %s", f.s.describe())
		}
		for _, r := range postsOf(f.s, "server/discover") {
			if string(r.Msg.ID) == "1" {
				t.Errorf("the client's server/discover reached the legacy server")
			}
		}
	})
}

func TestEraDowngradeStripsModernMeta(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		f, h, _ := downgraded(t, nil)
		h.send(modernLine("2", "tools/call", `"name":"get_weather","arguments":{"city":"Oslo"}`, `"progressToken":"p1","com.example/trace":"abc"`))
		wantEcho(t, h.result("2"), "tools/call")
		r := f.s.rpcRequest("2")
		if got, want := string(r.Body), `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_weather","arguments":{"city":"Oslo"},"_meta":{"progressToken":"p1","com.example/trace":"abc"}}}`; got != want {
			t.Errorf("forwarded\n %s\nwant\n %s", got, want)
		}
		if got := r.Header.Get("Mcp-Session-Id"); got != "sess-down" {
			t.Errorf("Mcp-Session-Id %q, want the session's", got)
		}
		if got := r.Header.Get("Mcp-Protocol-Version"); got != "2025-11-25" {
			t.Errorf("Mcp-Protocol-Version %q, want the session's 2025-11-25", got)
		}
		if got := r.Header.Get("Mcp-Method"); got != "" {
			t.Errorf("a legacy request carries Mcp-Method %q", got)
		}
	})
}

// setLevels returns the levels of the logging/setLevel requests the
// server received.
func setLevels(t *testing.T, srv *faultServer) []string {
	var out []string
	for _, r := range postsOf(srv, "logging/setLevel") {
		var p struct{ Level string }
		_ = json.Unmarshal(r.Msg.Params, &p)
		out = append(out, p.Level)
	}
	return out
}

func TestEraDowngradeLogLevel(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		f, h, _ := downgraded(t, nil)
		debug := `"io.modelcontextprotocol/logLevel":"debug"`
		h.send(modernLine("2", "tools/list", "", debug))
		h.result("2")
		h.send(modernLine("3", "tools/list", "", debug))
		h.result("3")
		h.send(modernLine("4", "tools/list", "", `"io.modelcontextprotocol/logLevel":"error"`))
		h.result("4")
		if got := fmt.Sprint(setLevels(t, f.s)); got != "[debug error]" {
			t.Errorf("logging/setLevel levels %s, want [debug error]", got)
		}
		if set, req := postsOf(f.s, "logging/setLevel")[0], f.s.rpcRequest("2"); set.N > req.N {
			t.Errorf("logging/setLevel reached the server after the request that changed the level")
		}
	})
}

// TestEraDowngradeLogLevelPipelined: four requests with the same new
// level in one write: one logging/setLevel.
func TestEraDowngradeLogLevelPipelined(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		f, h, _ := downgraded(t, nil)
		debug := `"io.modelcontextprotocol/logLevel":"debug"`
		h.send(modernLine("2", "tools/list", "", debug), modernLine("3", "prompts/list", "", debug),
			modernLine("4", "resources/list", "", debug), modernLine("5", "tools/list", "", debug))
		h.answerAll("2", "3", "4", "5")
		if got := fmt.Sprint(setLevels(t, f.s)); got != "[debug]" {
			t.Errorf("logging/setLevel levels %s, want one [debug]", got)
		}
	})
}

// askingTool answers tools/call on an event stream: it first asks the
// client for a sampling, and sends the result once the answer came.
func askingTool(f **sessionFake) serverFunc {
	return func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
		if req.Msg.Method != "tools/call" {
			writeJSON(w, http.StatusOK, echoResult(req))
			return
		}
		writeSSE(w, `data: {"jsonrpc":"2.0","id":"srv-1","method":"sampling/createMessage","params":{"messages":[],"maxTokens":9}}`)
		var x *seenRequest
		(*f).s.env.waitUntil(faultWait, r.Context().Done(), func() bool {
			for _, y := range (*f).s.requests() {
				if y.IsRPC && y.Msg.IsResponse() && string(y.Msg.ID) == `"srv-1"` {
					x = y
					return true
				}
			}
			return false
		})
		if x != nil {
			_, _ = io.WriteString(w, "data: "+resultFor(req.Msg.ID, `{"content":[{"type":"text","text":"sampled: `+
				strings.ReplaceAll(string(x.Msg.Result), `"`, `'`)+`"}]}`)+"\n\n")
			flush(w)
		}
	}
}

func TestEraDowngradeServerRequestBecomesInputRequired(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		var f *sessionFake
		f, h, _ := downgraded(t, askingTool(&f))
		h.send(modernLine("7", "tools/call", `"name":"summarise","arguments":{}`, ""))
		var ir struct {
			ResultType    string                     `json:"resultType"`
			InputRequests map[string]json.RawMessage `json:"inputRequests"`
			RequestState  string                     `json:"requestState"`
		}
		if err := json.Unmarshal(h.result("7"), &ir); err != nil {
			t.Fatal(err)
		}
		if ir.ResultType != "input_required" || !strings.HasPrefix(ir.RequestState, "mcpbridge-mrtr-") {
			t.Fatalf("want an input_required result with the bridge's requestState, got %+v", ir)
		}
		if got := string(ir.InputRequests["sampling-1"]); got != `{"method":"sampling/createMessage","params":{"messages":[],"maxTokens":9}}` {
			t.Errorf("inputRequests = %v, want the server's request under sampling-1", ir.InputRequests)
		}
		state, _ := json.Marshal(ir.RequestState)
		h.send(modernLine("8", "tools/call", `"name":"summarise","arguments":{},"inputResponses":{"sampling-1":{"role":"assistant","content":{"type":"text","text":"ok"},"model":"m"}},"requestState":`+string(state), ""))
		if got := string(h.result("8")); !strings.Contains(got, `sampled: {'role':'assistant'`) {
			t.Errorf("the retry got %s, want the server's final result", got)
		}
		ans := f.s.waitRequest("the answer to srv-1", func(r *seenRequest) bool { return r.IsRPC && string(r.Msg.ID) == `"srv-1"` })
		if ans.Msg.Result == nil || ans.Header.Get("Mcp-Session-Id") != "sess-down" {
			t.Errorf("the server's request got %s (session %q)", ans.Body, ans.Header.Get("Mcp-Session-Id"))
		}
		if n := len(postsOf(f.s, "tools/call")); n != 1 {
			t.Errorf("the retry must not reach the server as another tools/call; got %d", n)
		}
	})
}

func TestEraDowngradeUnknownRequestState(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		f, h, _ := downgraded(t, nil)
		h.send(modernLine("9", "tools/call", `"name":"x","arguments":{},"inputResponses":{},"requestState":"mcpbridge-mrtr-999999"`, ""))
		if e := h.failure("9", "requestState"); e.Code != jsonrpc.CodeInvalidParams {
			t.Errorf("code %d, want -32602", e.Code)
		}
		if n := len(postsOf(f.s, "tools/call")); n != 0 {
			t.Errorf("a retry with an unknown state reached the server")
		}
	})
}

func TestEraDowngradeServerRequestOnGETStream(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		f, h, _ := downgraded(t, nil)
		f.get <- `data: {"jsonrpc":"2.0","id":"srv-get-1","method":"roots/list"}`
		ans := f.s.waitRequest("the bridge's answer to srv-get-1", func(r *seenRequest) bool {
			return r.IsRPC && string(r.Msg.ID) == `"srv-get-1"`
		})
		if ans.Msg.Error == nil || ans.Msg.Error.Code != jsonrpc.CodeMethodNotFound || !strings.Contains(ans.Msg.Error.Message, "roots/list") {
			t.Errorf("want a -32601 error naming the method, got %s", ans.Body)
		}
		stillServesModern(t, h, 10)
		for _, m := range h.messages() {
			if m.Method == "roots/list" {
				t.Errorf("a server request reached the 2026-07-28 client: %s", m.Raw)
			}
		}
	})
}

// stillServesModern checks that a modern request still gets its answer.
func stillServesModern(t *testing.T, h *faultHost, id int) {
	t.Helper()
	h.send(modernLine(fmt.Sprint(id), "tools/call", `"name":"after","arguments":{}`, ""))
	wantEcho(t, h.result(fmt.Sprint(id)), "tools/call")
}
