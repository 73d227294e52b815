package e2e

import (
	"encoding/json"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"
)

// The hosts of the protocol-era tests, built on Host: a legacy host speaks
// 2025-11-25 (initialize, then requests; it answers the server's sampling,
// elicitation and roots requests), a modern host speaks 2026-07-28 (no
// initialize; every request carries its protocol version, capabilities and
// identity in _meta, and an input_required result is retried with
// inputResponses and requestState). Every wait here lasts at most
// eraTimeout, so a missing feature fails fast.

const eraTimeout = 5 * time.Second

// _meta keys of 2026-07-28 (basic/index §_meta).
const (
	metaProtocolVersion    = "io.modelcontextprotocol/protocolVersion"
	metaClientCapabilities = "io.modelcontextprotocol/clientCapabilities"
	metaClientInfo         = "io.modelcontextprotocol/clientInfo"
	metaLogLevel           = "io.modelcontextprotocol/logLevel"
	metaServerInfo         = "io.modelcontextprotocol/serverInfo"
	metaSubscriptionID     = "io.modelcontextprotocol/subscriptionId"
)

const (
	legacyHostName = "mcpbridge-e2e-host" // what initParams sends
	modernHostName = "mcpbridge-e2e-modern-host"
)

// eraHost drives mcpbridge as one host of one era.
type eraHost struct {
	*Host
	modern bool
	caps   map[string]any

	idMu    sync.Mutex
	sentIDs []string // ids of every request the host sent
}

// startEraHost starts mcpbridge URL args... for a host of the given era
// that supports sampling, form elicitation and roots, and answers them
// with eraAnswers.
func startEraHost(t testing.TB, modern bool, url string, args ...string) *eraHost {
	t.Helper()
	e := &eraHost{Host: StartBridge(t, url, args...), modern: modern, caps: fullCapabilities()}
	if !modern {
		for method, fn := range eraAnswers() {
			e.Handle(method, fn)
		}
	}
	return e
}

// eraAnswers are the host's answers to the server's requests: its "LLM",
// its "user" and its roots.
func eraAnswers() map[string]ServerRequestHandler {
	return map[string]ServerRequestHandler{
		"sampling/createMessage": func(params json.RawMessage) (any, *RPCError) {
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
			return samplingAnswer("answer to " + p.Messages[0].Content.Text), nil
		},
		"elicitation/create": func(json.RawMessage) (any, *RPCError) {
			return map[string]any{"action": "accept", "content": map[string]any{"name": "Ada"}}, nil
		},
		"roots/list": func(json.RawMessage) (any, *RPCError) {
			return map[string]any{"roots": []map[string]any{
				{"uri": "file:///work/a", "name": "a"}, {"uri": "file:///work/b", "name": "b"},
			}}, nil
		},
	}
}

// wait is Host.Wait with the shorter eraTimeout.
func (e *eraHost) wait(what string, match func(*Msg) bool) *Msg {
	e.t.Helper()
	return e.Host.WaitWithin(eraTimeout, what, match)
}

func (e *eraHost) waitResponse(id string) *Msg {
	e.t.Helper()
	return e.wait("the answer to request id "+id, func(m *Msg) bool { return m.IsResponse() && string(m.ID) == id })
}

func (e *eraHost) waitNotification(method string, match func(*Msg) bool) *Msg {
	e.t.Helper()
	return e.wait("a "+method+" notification", func(m *Msg) bool {
		return m.IsNotification() && m.Method == method && (match == nil || match(m))
	})
}

// withMeta returns a copy of params whose _meta carries the modern host's
// per-request fields (any _meta keys already there are kept).
func (e *eraHost) withMeta(params map[string]any) map[string]any {
	out := maps.Clone(params)
	if out == nil {
		out = map[string]any{}
	}
	meta, _ := out["_meta"].(map[string]any)
	meta = maps.Clone(meta)
	if meta == nil {
		meta = map[string]any{}
	}
	meta[metaProtocolVersion] = eraModern
	meta[metaClientCapabilities] = e.caps
	meta[metaClientInfo] = map[string]any{"name": modernHostName, "version": "1.0.0"}
	out["_meta"] = meta
	return out
}

// send writes a request (with the modern _meta for a modern host) and
// returns its id.
func (e *eraHost) send(method string, params map[string]any) string {
	e.t.Helper()
	id := e.NewID()
	e.idMu.Lock()
	e.sentIDs = append(e.sentIDs, id)
	e.idMu.Unlock()
	var p any
	if e.modern {
		p = e.withMeta(params)
	} else if params != nil {
		p = params
	}
	e.Send(RequestLine(id, method, p))
	return id
}

// call sends a request and waits for its answer.
func (e *eraHost) call(method string, params map[string]any) *Msg {
	e.t.Helper()
	return e.waitResponse(e.send(method, params))
}

// result is call that fails the test on an error answer and decodes the
// result into out (when not nil).
func (e *eraHost) result(method string, params map[string]any, out any) *Msg {
	e.t.Helper()
	m := e.call(method, params)
	if m.Error != nil {
		e.t.Fatalf("%s: the answer is an error: %s (line %s)", method, m.Error, clip(m.Raw))
	}
	if out != nil {
		if err := json.Unmarshal(m.Result, out); err != nil {
			e.t.Fatalf("%s: cannot decode the result %s: %v", method, clip(m.Result), err)
		}
	}
	return m
}

// initialize runs the legacy handshake and returns the initialize result.
func (e *eraHost) initialize() InitializeResult {
	e.t.Helper()
	var res InitializeResult
	e.result("initialize", initParams(e.caps), &res)
	e.Notify("notifications/initialized", nil)
	return res
}

// toolText calls a tool (through MRTR rounds for a modern host) and returns
// its text; it fails the test on an error answer or an isError result.
func (e *eraHost) toolText(name string, args map[string]any) string {
	e.t.Helper()
	var m *Msg
	if e.modern {
		m, _ = e.callMRTR("tools/call", callParams(name, args, nil))
	} else {
		m = e.call("tools/call", callParams(name, args, nil))
	}
	r := decodeTool(e.t, name, m)
	if r.IsError {
		e.t.Fatalf("tools/call %s: the tool failed: %s", name, r.text())
	}
	return r.text()
}

// mrtrResult is what the modern host reads of any result.
type mrtrResult struct {
	ResultType    string `json:"resultType"`
	InputRequests map[string]struct {
		Method string          `json:"method"`
		Params json.RawMessage `json:"params"`
	} `json:"inputRequests"`
	RequestState *string `json:"requestState"`
}

// callMRTR sends a request as a 2026-07-28 client does (basic/patterns/mrtr
// §Client Requirements): while the answer is input_required, it fulfils the
// input requests with eraAnswers and retries with a new id, the
// inputResponses, and the requestState echoed unchanged (none when there
// was none). It returns the final answer and every answer on the way.
func (e *eraHost) callMRTR(method string, params map[string]any) (*Msg, []*Msg) {
	e.t.Helper()
	answers := eraAnswers()
	var rounds []*Msg
	for range 10 {
		m := e.call(method, params)
		rounds = append(rounds, m)
		if m.Error != nil {
			return m, rounds
		}
		var r mrtrResult
		if err := json.Unmarshal(m.Result, &r); err != nil {
			e.t.Fatalf("%s: cannot decode %s: %v", method, clip(m.Result), err)
		}
		if r.ResultType != "input_required" {
			return m, rounds
		}
		responses := map[string]any{}
		for key, ir := range r.InputRequests {
			fn := answers[ir.Method]
			if fn == nil {
				e.t.Fatalf("%s: input request %q has the method %q, which the host does not support", method, key, ir.Method)
			}
			res, rpcErr := fn(ir.Params)
			if rpcErr != nil {
				e.t.Fatalf("%s: the host cannot answer input request %q: %s", method, key, rpcErr)
			}
			responses[key] = res
		}
		params = maps.Clone(params)
		params["inputResponses"] = responses
		delete(params, "requestState")
		if r.RequestState != nil {
			params["requestState"] = *r.RequestState
		}
	}
	e.t.Fatalf("%s: still input_required after 10 rounds: %s", method, clip(rounds[len(rounds)-1].Raw))
	return nil, nil
}

// lastIndex returns the stdout line index of the last message so far (-1:
// none).
func (e *eraHost) lastIndex() int {
	all := e.Messages(nil)
	if len(all) == 0 {
		return -1
	}
	return all[len(all)-1].Index
}

// ids returns the ids of the requests the host sent so far.
func (e *eraHost) ids() []string {
	e.idMu.Lock()
	defer e.idMu.Unlock()
	return slices.Clone(e.sentIDs)
}

// checkServerRequestIDs fails the test when a request mcpbridge sent the
// host reuses the id of a request the host sent, or of another such request.
func (e *eraHost) checkServerRequestIDs() {
	e.t.Helper()
	mine := e.ids()
	seen := map[string]bool{}
	for _, m := range e.Messages(func(m *Msg) bool { return m.IsRequest() }) {
		id := string(m.ID)
		if slices.Contains(mine, id) {
			e.t.Errorf("the %s request to the host has the id %s, which the host used for its own request", m.Method, id)
		}
		if seen[id] {
			e.t.Errorf("two requests to the host have the id %s", id)
		}
		seen[id] = true
	}
}
