package era

import (
	"bytes"
	"errors"
	"fmt"
	"sync"

	"github.com/mcpbridge/mcpbridge/bridge/inflight"
	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
)

// roundTrips turns the multi round-trip requests of 2026-07-28
// (basic/patterns/mrtr) into what a legacy client knows: when the server
// answers tools/call, prompts/get or resources/read with an
// InputRequiredResult, each of its inputRequests goes to the client as a
// server-to-client request (sampling/createMessage, elicitation/create,
// roots/list); once the client has answered them all, the bridge retries
// the original request under a new id with inputResponses and the
// requestState echoed unchanged, and the client hears the final result
// under its own id. A client error to one of them answers the original
// request with that error.
type roundTrips struct {
	b *Env

	mu      sync.Mutex
	byInput map[string]*roundTrip // the id of a request to the client → its round trip
	byCall  map[string]*roundTrip // the client's request id → its round trip, while inputs are asked
}

// roundTrip is one client request going through input rounds.
type roundTrip struct {
	c         *inflight.Call
	orig      *jsonrpc.Message // the request as first sent, the base of every retry
	pending   int
	responses [][]byte // "key":response members
	inputKeys map[string]string
	state     []byte // raw requestState; nil when the server sent none
}

// maxRounds bounds the rounds of one request, as the Go SDK does.
const maxRounds = 10

func newRoundTrips(b *Env) *roundTrips {
	return &roundTrips{b: b, byInput: map[string]*roundTrip{}, byCall: map[string]*roundTrip{}}
}

// supportsInput lists the requests that may get an InputRequiredResult
// (basic/patterns/mrtr §Supported Requests).
func supportsInput(method string) bool {
	return method == "tools/call" || method == "prompts/get" || method == "resources/read"
}

var inputRequired = []byte(`"input_required"`)

// result takes a server answer that asks for input; every other answer
// goes on to the client. The cheap byte search keeps large results off
// the JSON scanner.
func (r *roundTrips) result(m *jsonrpc.Message) bool {
	if !containsAcross(m, inputRequired) {
		return false
	}
	c := r.b.Calls.Peek(m.ID)
	if c == nil || c.Internal || !supportsInput(c.Method) {
		return false
	}
	f := m.Flat()
	if !f.HasResult || string(jsonrpc.Field(f.Result, "resultType")) != string(inputRequired) {
		return false
	}
	if r.b.Calls.Take(m.ID) == nil {
		return true // answered or cancelled meanwhile
	}
	r.begin(c, f.Result)
	return true
}

// containsAcross reports whether needle occurs in m, also across the
// pieces of a large message.
func containsAcross(m *jsonrpc.Message, needle []byte) bool {
	if m.Parts == nil {
		return bytes.Contains(m.Raw, needle)
	}
	var tail []byte
	for _, p := range m.Parts {
		if bytes.Contains(p, needle) {
			return true
		}
		head := p[:min(len(p), len(needle))]
		if bytes.Contains(append(tail, head...), needle) {
			return true
		}
		tail = append([]byte(nil), p[max(0, len(p)-len(needle)):]...)
	}
	return false
}

// begin starts a round for c from the server's InputRequiredResult.
func (r *roundTrips) begin(c *inflight.Call, result []byte) {
	c.Rounds++
	rt := &roundTrip{c: c, orig: c.Req, state: jsonrpc.Field(result, "requestState"), inputKeys: map[string]string{}}
	if c.Rounds > maxRounds {
		r.fail(rt, fmt.Errorf("the server asked for input %d times; giving up", maxRounds))
		return
	}
	var asks [][]byte
	var bad error
	_ = jsonrpc.Members(jsonrpc.Field(result, "inputRequests"), func(key, req []byte) {
		ask, err := inputRequest(req)
		if err != nil {
			bad = err
			return
		}
		id := inflight.OwnID("input")
		rt.inputKeys[jsonrpc.IDKey(id)] = string(key)
		asks = append(asks, spliceID(ask, id))
	})
	if bad != nil {
		r.fail(rt, fmt.Errorf("the server's input request is malformed: %w", bad))
		return
	}
	if len(asks) == 0 { // only requestState: retry at once (load shedding)
		r.retry(rt)
		return
	}
	r.mu.Lock()
	rt.pending = len(asks)
	for k := range rt.inputKeys {
		r.byInput[k] = rt
	}
	r.byCall[jsonrpc.IDKey(c.ID)] = rt
	r.mu.Unlock()
	for _, a := range asks {
		r.b.Reply(a)
	}
}

// inputRequest checks one InputRequests value: an object with a method.
func inputRequest(req []byte) ([]byte, error) {
	if len(req) < 2 || req[0] != '{' {
		return nil, errors.New("not an object")
	}
	if _, ok := jsonrpc.StringValue(jsonrpc.Field(req, "method")); !ok {
		return nil, errors.New("no method")
	}
	return req, nil
}

// spliceID makes a request message of an input request object.
func spliceID(obj, id []byte) []byte {
	out := make([]byte, 0, len(obj)+len(id)+24)
	out = append(out, `{"jsonrpc":"2.0","id":`...)
	out = append(out, id...)
	if inner := jsonrpc.TrimSpace(obj[1:]); len(inner) > 1 { // more than the closing brace
		out = append(out, ',')
	}
	return append(out, obj[1:]...)
}

// answer takes the client's answer to one of the bridge's input requests.
func (r *roundTrips) answer(m *jsonrpc.Message) bool {
	r.mu.Lock()
	k := jsonrpc.IDKey(m.ID)
	rt := r.byInput[k]
	if rt == nil {
		r.mu.Unlock()
		return false
	}
	delete(r.byInput, k)
	key := rt.inputKeys[k]
	if f := jsonrpc.Failure(m); f != nil {
		r.forget(rt)
		r.mu.Unlock()
		r.fail(rt, fmt.Errorf("the client could not give the input the server asked for (%s): %s", key, f.Message))
		return true
	}
	rt.responses = append(rt.responses, jsonrpc.Member([]byte(key), m.Flat().Result))
	rt.pending--
	ready := rt.pending == 0
	if ready {
		delete(r.byCall, jsonrpc.IDKey(rt.c.ID))
	}
	r.mu.Unlock()
	if ready {
		go r.retry(rt)
	}
	return true
}

// forget drops rt's open input requests; r.mu is held.
func (r *roundTrips) forget(rt *roundTrip) {
	for k := range rt.inputKeys {
		delete(r.byInput, k)
	}
	delete(r.byCall, jsonrpc.IDKey(rt.c.ID))
}

// cancel takes the client's cancellation of a request that waits for its
// input: the server holds nothing for it, so nothing goes to the server.
func (r *roundTrips) cancel(m *jsonrpc.Message) bool {
	id := jsonrpc.Field(m.Params, "requestId")
	r.mu.Lock()
	defer r.mu.Unlock()
	rt := r.byCall[jsonrpc.IDKey(id)]
	if rt == nil {
		return false
	}
	r.forget(rt)
	return true
}

// shutdown answers the requests whose inputs the client can no longer give.
func (r *roundTrips) shutdown() {
	r.mu.Lock()
	var waiting []*roundTrip
	for _, rt := range r.byCall {
		waiting = append(waiting, rt)
	}
	r.byInput, r.byCall = map[string]*roundTrip{}, map[string]*roundTrip{}
	r.mu.Unlock()
	for _, rt := range waiting {
		r.b.Reply(jsonrpc.ErrorResponse(rt.c.ID, jsonrpc.CodeServerError, "mcpbridge: shutting down before the client gave the input the server asked for", nil))
	}
}

// retry sends the original request again, under a new id, with the
// inputs and the request state.
func (r *roundTrips) retry(rt *roundTrip) {
	fields := [][2][]byte{{[]byte("inputResponses"), jsonrpc.WrapObject(jsonrpc.JoinMembers(rt.responses...))}}
	if rt.state != nil {
		fields = append(fields, [2][]byte{[]byte("requestState"), rt.state})
	}
	m := jsonrpc.WithParams(jsonrpc.WithRequestID(rt.orig, inflight.OwnID("retry")), fields)
	m.ReadMeta()
	r.b.Catalog.Annotate(m)
	if !r.b.Calls.AddAs(rt.c, m.ID) {
		r.fail(rt, errors.New("the retry's id is in use"))
		return
	}
	r.b.Send(m)()
}

// fail answers the client's request with err.
func (r *roundTrips) fail(rt *roundTrip, err error) {
	r.b.Log.Warn("a multi round-trip request failed", "method", rt.c.Method, "error", err)
	r.b.Reply(jsonrpc.ErrorFor(rt.c.ID, err))
}
