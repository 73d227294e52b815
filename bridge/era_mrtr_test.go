package bridge

// Multi round-trip tests (mrtr.go): a legacy client, a 2026-07-28 fake
// whose tools/call answers input_required. The client sees the server's
// input requests as server-to-client requests under ids of the bridge's,
// the server sees one retry per round under a new id, and the client hears
// the final answer under its own id, once.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mcpbridge/mcpbridge/bridge/transport"

	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
)

// scripted answers the n-th tools/call POST (from 0) with answer(n, req).
type scripted struct {
	mu     sync.Mutex
	calls  []*seenRequest
	answer func(n int, req *seenRequest) string
}

func (s *scripted) serve(w http.ResponseWriter, r *http.Request, req *seenRequest) {
	if req.Msg.Method != "tools/call" {
		writeJSON(w, http.StatusOK, echoResult(req))
		return
	}
	s.mu.Lock()
	n := len(s.calls)
	s.calls = append(s.calls, req)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, s.answer(n, req))
}

func (s *scripted) posts() []*seenRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*seenRequest(nil), s.calls...)
}

// twoInputs asks for a sampling and an elicitation at once; its
// requestState holds escapes that a re-encoding would change.
const (
	twoInputsState = `"st\u00e4te/\"q\"/\u002f"`
	twoInputs      = `{"resultType":"input_required","inputRequests":{` +
		`"llm":{"method":"sampling/createMessage","params":{"messages":[{"role":"user","content":{"type":"text","text":"hi"}}],"maxTokens":5}},` +
		`"ask":{"method":"elicitation/create","params":{"message":"Name?","requestedSchema":{"type":"object","properties":{}}}}},` +
		`"requestState":` + twoInputsState + `}`
	finalResult = `{"content":[{"type":"text","text":"done"}]}`
)

// inputAsks waits for n server-to-client requests with the bridge's input
// ids and returns them by method.
func inputAsks(t *testing.T, h *faultHost, n int) map[string]rpcMsg {
	t.Helper()
	out := map[string]rpcMsg{}
	waitFor(t, fmt.Sprintf("%d input requests on stdout", n), func() bool {
		for _, m := range h.messages() {
			if m.IsRequest() && hasPrefixID(m.ID, "mcpbridge-input-") {
				out[m.Method] = m
			}
		}
		return len(out) >= n
	})
	return out
}

func TestEraMRTRTwoInputs(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		tool := &scripted{answer: func(n int, req *seenRequest) string {
			if n == 0 {
				return resultFor(req.Msg.ID, twoInputs)
			}
			return resultFor(req.Msg.ID, finalResult)
		}}
		_, _, h := upgraded(t, "", tool.serve)
		h.send(toolsCall(5, "needs-input"))
		asks := inputAsks(t, h, 2)
		llm, ask := asks["sampling/createMessage"], asks["elicitation/create"]
		if string(llm.ID) == string(ask.ID) {
			t.Fatalf("the two input requests share id %s", llm.ID)
		}
		if !strings.Contains(string(llm.Params), `"maxTokens":5`) || !strings.Contains(string(ask.Params), `"message":"Name?"`) {
			t.Errorf("input request params not passed as they were: %s / %s", llm.Params, ask.Params)
		}
		h.noAnswer("5", 100*time.Millisecond)
		// Answered in the other order than asked.
		h.send(`{"jsonrpc":"2.0","id":`+string(ask.ID)+`,"result":{"action":"accept","content":{"name":"Ada"}}}`,
			`{"jsonrpc":"2.0","id":`+string(llm.ID)+`,"result":{"role":"assistant","content":{"type":"text","text":"hello"},"model":"m"}}`)
		if got := string(h.result("5")); got != finalResult {
			t.Errorf("final answer %s, want the server's %s", got, finalResult)
		}
		posts := tool.posts()
		if len(posts) != 2 {
			t.Fatalf("want the call and one retry, got %d POSTs", len(posts))
		}
		retry := posts[1]
		if !hasPrefixID(retry.Msg.ID, "mcpbridge-retry-") {
			t.Errorf("retry id %s: want a new id of the bridge's", retry.Msg.ID)
		}
		var p struct {
			InputResponses map[string]json.RawMessage `json:"inputResponses"`
			RequestState   json.RawMessage            `json:"requestState"`
			Name           string                     `json:"name"`
		}
		if err := json.Unmarshal(retry.Msg.Params, &p); err != nil {
			t.Fatal(err)
		}
		if string(p.RequestState) != twoInputsState {
			t.Errorf("requestState %s, want %s byte for byte", p.RequestState, twoInputsState)
		}
		if got := string(p.InputResponses["llm"]); !strings.Contains(got, `"text":"hello"`) {
			t.Errorf("inputResponses.llm = %s, want the sampling answer", got)
		}
		if got := string(p.InputResponses["ask"]); !strings.Contains(got, `"name":"Ada"`) {
			t.Errorf("inputResponses.ask = %s, want the elicitation answer", got)
		}
		if p.Name != "needs-input" || serverMeta(t, retry)[jsonrpc.MetaProtocolVersion] == nil || retry.Header.Get("Mcp-Name") != "needs-input" {
			t.Errorf("the retry lost the original request's params, _meta or headers: %s", retry.Body)
		}
	})
}

func TestEraMRTRClientError(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		tool := &scripted{answer: func(n int, req *seenRequest) string {
			if n == 0 {
				return resultFor(req.Msg.ID, twoInputs)
			}
			return echoResult(req)
		}}
		srv, _, h := upgraded(t, "", tool.serve)
		h.send(toolsCall(5, "needs-input"))
		asks := inputAsks(t, h, 2)
		h.send(`{"jsonrpc":"2.0","id":` + string(asks["elicitation/create"].ID) + `,"error":{"code":-1,"message":"User declined"}}`)
		h.failure("5", "ask", "User declined")
		// The other input's late answer goes nowhere.
		h.send(`{"jsonrpc":"2.0","id":` + string(asks["sampling/createMessage"].ID) + `,"result":{"role":"assistant","content":{"type":"text","text":"x"},"model":"m"}}`)
		stillServes(t, h, 6)
		if n := len(tool.posts()); n != 2 { // the failed call and stillServes
			t.Errorf("want no retry after the client's error, got %d tools/call POSTs", n)
		}
		for _, r := range srv.requests() {
			if r.IsRPC && r.Msg.IsResponse() {
				t.Errorf("the late input answer was sent to the 2026-07-28 server: %s", r.Body)
			}
		}
	})
}

func TestEraMRTRGivesUpAfterTenRounds(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		tool := &scripted{answer: func(n int, req *seenRequest) string {
			return resultFor(req.Msg.ID, fmt.Sprintf(`{"resultType":"input_required","requestState":"round-%d"}`, n))
		}}
		_, _, h := upgraded(t, "", tool.serve)
		h.send(toolsCall(5, "forever"))
		h.failure("5", "10 times")
		if n := len(tool.posts()); n != 11 {
			t.Errorf("want the call and 10 retries, got %d POSTs", n)
		}
	})
}

func TestEraMRTRMalformedInputRequests(t *testing.T) {
	t.Parallel()
	for name, bad := range map[string]string{
		"not an object": `{"x":"sampling/createMessage"}`,
		"no method":     `{"x":{"params":{}}}`,
		"a number":      `{"x":7}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			inBubble(t, func(t *testing.T) {
				tool := &scripted{answer: func(n int, req *seenRequest) string {
					return resultFor(req.Msg.ID, `{"resultType":"input_required","inputRequests":`+bad+`,"requestState":"s"}`)
				}}
				_, _, h := upgraded(t, "", tool.serve)
				h.send(toolsCall(5, "bad"))
				h.failure("5", "malformed")
				for _, m := range h.messages() {
					if m.IsRequest() {
						t.Errorf("a malformed input request reached the client: %s", m.Raw)
					}
				}
			})
		})
	}
}

func TestEraMRTRStateOnlyRetriesAtOnce(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		tool := &scripted{answer: func(n int, req *seenRequest) string {
			if n == 0 {
				return resultFor(req.Msg.ID, `{"resultType":"input_required","requestState":"busy-try-again"}`)
			}
			return resultFor(req.Msg.ID, finalResult)
		}}
		_, _, h := upgraded(t, "", tool.serve)
		h.send(toolsCall(5, "shed"))
		if got := string(h.result("5")); got != finalResult {
			t.Errorf("final answer %s", got)
		}
		posts := tool.posts()
		if len(posts) != 2 || !strings.Contains(string(posts[1].Msg.Params), `"requestState":"busy-try-again"`) {
			t.Errorf("want one retry carrying the state, got %d: %s", len(posts), posts[len(posts)-1].Body)
		}
		for _, m := range h.messages() {
			if m.IsRequest() {
				t.Errorf("a state-only round asked the client: %s", m.Raw)
			}
		}
	})
}

func TestEraMRTRCancelledWhileAsking(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		tool := &scripted{answer: func(n int, req *seenRequest) string { return resultFor(req.Msg.ID, twoInputs) }}
		srv, _, h := upgraded(t, "", tool.serve)
		h.send(toolsCall(5, "needs-input"))
		asks := inputAsks(t, h, 2)
		h.send(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":5,"reason":"user"}}`)
		synctest.Wait() // the bridge has taken the cancellation
		// Late answers.
		for _, a := range asks {
			h.send(`{"jsonrpc":"2.0","id":` + string(a.ID) + `,"result":{}}`)
		}
		h.noAnswer("5", 300*time.Millisecond)
		if n := len(tool.posts()); n != 1 {
			t.Errorf("want no retry of a cancelled request, got %d POSTs", n)
		}
		for _, r := range srv.requests() {
			if r.IsRPC && (r.Msg.Method == "notifications/cancelled" || r.Msg.IsResponse()) {
				t.Errorf("%s reached the server, which holds nothing for the request: %s", r.kind(), r.Body)
			}
		}
	})
}

// TestEraMRTRLargeResultAcrossReads: a 200 KB input_required answer
// arrives in several reads, its resultType across the boundary of two.
func TestEraMRTRLargeResultAcrossReads(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		tool := &scripted{answer: func(n int, req *seenRequest) string {
			if n > 0 {
				return resultFor(req.Msg.ID, finalResult)
			}
			head := `{"jsonrpc":"2.0","id":` + string(req.Msg.ID) + `,"result":{"pad":"`
			mid := `","resultType":"input_required","inputRequests":{"r":{"method":"roots/list"}},"tail":"`
			// "input_required" starts 5 bytes before the first chunk's end.
			pad := transport.ChunkSize - 5 - len(head) - strings.Index(mid, "input_required")
			return head + strings.Repeat("a", pad) + mid + strings.Repeat("b", 200<<10-transport.ChunkSize) + `"}}`
		}}
		_, _, h := upgraded(t, "", tool.serve)
		h.send(toolsCall(5, "big"))
		asks := inputAsks(t, h, 1)
		roots := asks["roots/list"]
		h.send(`{"jsonrpc":"2.0","id":` + string(roots.ID) + `,"result":{"roots":[]}}`)
		if got := string(h.result("5")); got != finalResult {
			t.Errorf("final answer %s", got)
		}
	})
}

// TestEraMRTRInputsPendingAtShutdown: stdin ends while the bridge waits
// for the client's input: the original request still gets exactly one
// answer (the harness checks it at cleanup).
func TestEraMRTRInputsPendingAtShutdown(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		tool := &scripted{answer: func(n int, req *seenRequest) string { return resultFor(req.Msg.ID, twoInputs) }}
		_, _, h := upgraded(t, "", tool.serve)
		h.send(toolsCall(5, "needs-input"))
		inputAsks(t, h, 2)
		h.closeStdin()
		h.waitRun()
	})
}
