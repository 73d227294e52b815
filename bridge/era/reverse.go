package era

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/mcpbridge/mcpbridge/bridge/inflight"
	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
)

// parkedCalls gives a 2026-07-28 client the requests a legacy server sends
// while it works on one of the client's tools/call, prompts/get or
// resources/read (sampling/createMessage, elicitation/create, roots/list):
// the client's request is answered with an InputRequiredResult holding
// them (2026-07-28 basic/patterns/mrtr) and a requestState naming the
// parked exchange; the server's request stays open. When the client
// retries with inputResponses and that requestState, the responses go to
// the server as the answers to its requests, and the retry receives what
// the server sends next: another round of input requests, or the result.
type parkedCalls struct {
	b *Env

	mu     sync.Mutex
	byWire map[string]*parked // the request's id at the server → its exchange
	byKey  map[string]*parked // requestState → its exchange
}

// parked is one client request whose exchange with the server waits for
// the client's input.
type parked struct {
	wire   []byte            // the id the server knows the request by
	method string            // the client's method
	client []byte            // the client request waiting for the next answer; nil between rounds
	key    string            // the requestState of the round under way
	asks   map[string][]byte // input key → the server request's id
	order  []string          // input keys, in arrival order
	bodies map[string][]byte // input key → {"method":…,"params":…}
	timer  *time.Timer       // ends the gathering of a round
	final  *jsonrpc.Message  // the server's answer, when it came between rounds
	failed error             // the exchange's end, when it broke between rounds
}

// gatherWindow lets requests the server sends together (the Go SDK sends
// a handler's input requests side by side) go to the client in one round.
const gatherWindow = 20 * time.Millisecond

func newParkedCalls(b *Env) *parkedCalls {
	return &parkedCalls{b: b, byWire: map[string]*parked{}, byKey: map[string]*parked{}}
}

// serverRequest takes a request the server sent on the answer stream of
// one of the client's requests; false when it came elsewhere.
func (p *parkedCalls) serverRequest(m *jsonrpc.Message) bool {
	if m.Via == nil {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	pk := p.byWire[jsonrpc.IDKey(m.Via)]
	if pk == nil {
		c := p.b.Calls.Peek(m.Via)
		if c == nil || c.Internal || !supportsInput(c.Method) || !p.park(c) {
			return false
		}
		pk = &parked{wire: m.Via, method: c.Method, client: c.ID}
		p.byWire[jsonrpc.IDKey(m.Via)] = pk
	}
	if pk.asks == nil {
		pk.asks, pk.bodies = map[string][]byte{}, map[string][]byte{}
		pk.key = string(inflight.OwnID("mrtr"))
		pk.timer = time.AfterFunc(gatherWindow, func() { p.ask(pk) })
	}
	key := inputKey(m.Method, len(pk.order)+1)
	pk.asks[key] = m.ID
	pk.order = append(pk.order, key)
	f := m.Flat()
	body := jsonrpc.Member([]byte("method"), []byte(strconv.Quote(m.Method)))
	if f.Params != nil {
		body = jsonrpc.JoinMembers(body, jsonrpc.Member([]byte("params"), f.Params))
	}
	pk.bodies[key] = jsonrpc.WrapObject(body)
	return true
}

// park turns c into a call the bridge answers itself: the client hears
// the server's answer under the id of its latest retry. p.mu is held.
func (p *parkedCalls) park(c *inflight.Call) bool {
	if p.b.Calls.Take(p.b.Calls.WireID(c)) == nil {
		return false
	}
	wire := p.b.Calls.WireID(c)
	c.Internal = true
	c.OnAnswer = func(ans *jsonrpc.Message, err error) { p.ended(wire, ans, err) }
	return p.b.Calls.AddAs(c, wire)
}

func inputKey(method string, n int) string {
	name := method
	if i := bytes.IndexByte([]byte(method), '/'); i > 0 {
		name = method[:i]
	}
	return name + "-" + strconv.Itoa(n)
}

// ask answers the waiting client request with the round's input requests.
func (p *parkedCalls) ask(pk *parked) {
	p.mu.Lock()
	client := pk.client
	if client == nil { // the client has not retried yet: it hears at the retry
		p.mu.Unlock()
		return
	}
	pk.client = nil
	p.byKey[pk.key] = pk
	reqs := make([][]byte, 0, len(pk.order))
	for _, k := range pk.order {
		reqs = append(reqs, jsonrpc.Member([]byte(k), pk.bodies[k]))
	}
	state := pk.key
	p.mu.Unlock()
	res := jsonrpc.WrapObject(jsonrpc.JoinMembers(
		jsonrpc.Member([]byte("resultType"), []byte(`"input_required"`)),
		jsonrpc.Member([]byte("inputRequests"), jsonrpc.WrapObject(jsonrpc.JoinMembers(reqs...))),
		jsonrpc.Member([]byte("requestState"), []byte(state)),
	))
	p.b.Reply(jsonrpc.ResultResponse(client, res))
}

// retry takes a client request that carries a requestState of the
// bridge's; false for any other request.
func (p *parkedCalls) retry(m *jsonrpc.Message) bool {
	if !supportsInput(m.Method) || !bytes.Contains(m.Params, []byte(`"mcpbridge-mrtr-`)) {
		return false
	}
	state := jsonrpc.Field(m.Params, "requestState")
	p.mu.Lock()
	pk := p.byKey[string(state)]
	if pk == nil {
		p.mu.Unlock()
		p.b.Reply(jsonrpc.ErrorResponse(m.ID, jsonrpc.CodeInvalidParams, "Invalid params: requestState names no request the bridge holds (it may have ended)", nil))
		return true
	}
	answers, missing := p.takeAnswers(pk, jsonrpc.Field(m.Params, "inputResponses"))
	if len(missing) > 0 {
		pk.client = m.ID
		p.mu.Unlock()
		p.ask(pk) // ask again for what is missing (mrtr §Error Handling)
		return true
	}
	delete(p.byKey, pk.key)
	pk.asks, pk.order, pk.bodies = nil, nil, nil
	final, failed := pk.final, pk.failed
	if final == nil && failed == nil {
		pk.client = m.ID
	}
	p.mu.Unlock()
	for _, a := range answers {
		go p.b.Send(a)()
	}
	switch {
	case final != nil:
		p.finish(m.ID, final, nil)
	case failed != nil:
		p.finish(m.ID, nil, failed)
	}
	return true
}

// takeAnswers turns the client's inputResponses into answers to the
// server's requests; missing lists the keys without a response. p.mu is
// held.
func (p *parkedCalls) takeAnswers(pk *parked, responses []byte) (answers []*jsonrpc.Message, missing []string) {
	for _, k := range pk.order {
		r := jsonrpc.Field(responses, k)
		if r == nil {
			missing = append(missing, k)
			continue
		}
		if a, err := jsonrpc.Parse(jsonrpc.ResultResponse(pk.asks[k], r)); err == nil {
			answers = append(answers, a)
		}
	}
	if len(missing) > 0 {
		return nil, missing
	}
	return answers, nil
}

// ended receives the server's answer to a parked request, or the error
// that ended its exchange.
func (p *parkedCalls) ended(wire []byte, ans *jsonrpc.Message, err error) {
	p.mu.Lock()
	pk := p.byWire[jsonrpc.IDKey(wire)]
	delete(p.byWire, jsonrpc.IDKey(wire))
	if pk == nil {
		p.mu.Unlock()
		return
	}
	if pk.timer != nil {
		pk.timer.Stop()
	}
	client := pk.client
	if client == nil { // between rounds: the retry hears it
		pk.final, pk.failed = ans, err
		if pk.key != "" {
			p.byKey[pk.key] = pk
		}
	}
	p.mu.Unlock()
	if client != nil {
		p.finish(client, ans, err)
	}
}

// finish answers the client's latest request of the exchange.
func (p *parkedCalls) finish(client []byte, ans *jsonrpc.Message, err error) {
	switch {
	case err != nil && errors.Is(err, inflight.ErrShuttingDown):
		p.b.Reply(jsonrpc.ErrorResponse(client, jsonrpc.CodeServerError, "mcpbridge: shutting down before the server answered", nil))
	case err != nil:
		p.b.Reply(jsonrpc.ErrorFor(client, fmt.Errorf("the server's answer did not come: %w", err)))
	default:
		p.b.ReplyMsg(ans.WithID(client))
	}
}
