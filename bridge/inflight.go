package bridge

import (
	"context"
	"sync"

	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
)

// call is one client request waiting for its answer.
type call struct {
	id       []byte
	method   string
	req      *jsonrpc.Message
	internal bool          // the bridge's own request (keep-alive ping, probes): never answered on stdout
	done     chan struct{} // closed once the request is answered
	// wire is the id the request went to the server under, when not id (a
	// retry after a broken stream, a multi round-trip retry); guarded by
	// the inflight table's lock.
	wire []byte
	// onAnswer receives the answer to an internal request, or the error
	// that left it unanswered.
	onAnswer func(*jsonrpc.Message, error)
	// longLived marks a stream the bridge keeps open (subscriptions/listen):
	// shutdown does not wait for its answer.
	longLived bool
	rounds    int // multi round-trip rounds so far (mrtr.go)

	mu      sync.Mutex
	cancel  context.CancelFunc // aborts the HTTP exchange carrying it
	aborted bool
}

// setCancel records how to abort the exchange; if the call was aborted
// before it started, the exchange is aborted at once.
func (c *call) setCancel(f context.CancelFunc) {
	c.mu.Lock()
	c.cancel = f
	aborted := c.aborted
	c.mu.Unlock()
	if aborted {
		f()
	}
}

// abort stops the exchange carrying the call, now or as soon as it starts.
func (c *call) abort() {
	c.mu.Lock()
	c.aborted = true
	f := c.cancel
	c.mu.Unlock()
	if f != nil {
		f()
	}
}

// inflight tracks the client's requests from the moment they are read until
// they are answered. take is the single place that decides who answers: the
// first caller to take a call owns its answer, every later caller gets nil.
// That is how each request gets exactly one answer, whatever races.
type inflight struct {
	mu      sync.Mutex
	calls   map[string]*call
	alias   map[string]string // the client's id → the id its request went out under, when they differ
	waiting counter           // len(calls), to wait for the table to empty
}

func newInflight() *inflight {
	return &inflight{calls: make(map[string]*call), alias: make(map[string]string)}
}

// add registers a request; it reports false when a request with the same id
// is still unanswered.
func (f *inflight) add(c *call) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := jsonrpc.IDKey(c.id)
	if _, dup := f.calls[k]; dup {
		return false
	}
	c.done = make(chan struct{})
	f.calls[k] = c
	if !c.longLived {
		f.waiting.add()
	}
	return true
}

// addAs registers c again, answered earlier in the bridge's own round
// trip, now going to the server under the id wire.
func (f *inflight) addAs(c *call, wire []byte) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := jsonrpc.IDKey(wire)
	if _, dup := f.calls[k]; dup {
		return false
	}
	c.done = make(chan struct{})
	c.wire = wire
	f.calls[k] = c
	f.alias[jsonrpc.IDKey(c.id)] = k
	f.waiting.add()
	return true
}

// take removes and returns the call whose request went out under id, or
// nil when there is none.
func (f *inflight) take(id []byte) *call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.takeKey(jsonrpc.IDKey(id))
}

func (f *inflight) takeKey(k string) *call {
	c := f.calls[k]
	if c == nil {
		return nil
	}
	delete(f.calls, k)
	if c.wire != nil {
		delete(f.alias, jsonrpc.IDKey(c.id))
	}
	close(c.done)
	if !c.longLived {
		f.waiting.done()
	}
	return c
}

// takeClient is take for the id the client knows the request by.
func (f *inflight) takeClient(id []byte) *call {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := jsonrpc.IDKey(id)
	if wire, ok := f.alias[k]; ok {
		return f.takeKey(wire)
	}
	if c := f.calls[k]; c != nil && c.wire != nil {
		return nil // k is another request's wire id, not a client's id
	}
	return f.takeKey(k)
}

// rename moves the call whose request went out under old to the wire id
// next; the client still hears its answer under its own id. It returns
// nil when no call waits under old.
func (f *inflight) rename(old, next []byte) *call {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.calls[jsonrpc.IDKey(old)]
	if c == nil {
		return nil
	}
	delete(f.calls, jsonrpc.IDKey(old))
	c.wire = next
	f.calls[jsonrpc.IDKey(next)] = c
	f.alias[jsonrpc.IDKey(c.id)] = jsonrpc.IDKey(next)
	return c
}

// wireID is the id c's request is on the wire under.
func (f *inflight) wireID(c *call) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c.wire != nil {
		return c.wire
	}
	return c.id
}

// peek returns the call for id without removing it.
func (f *inflight) peek(id []byte) *call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[jsonrpc.IDKey(id)]
}

// all returns the calls still waiting.
func (f *inflight) all() []*call {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]*call, 0, len(f.calls))
	for _, c := range f.calls {
		out = append(out, c)
	}
	return out
}

// drained returns a channel closed once no request is waiting.
func (f *inflight) drained() <-chan struct{} { return f.waiting.zero() }

// counter counts work under way; unlike sync.WaitGroup, it may be waited
// on while more work starts (a late message during shutdown).
type counter struct {
	mu   sync.Mutex
	n    int
	idle chan struct{}
}

func (c *counter) add() {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
}

func (c *counter) done() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n--; c.n == 0 && c.idle != nil {
		close(c.idle)
		c.idle = nil
	}
}

// zero returns a channel closed once nothing is under way.
func (c *counter) zero() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == 0 {
		ch := make(chan struct{})
		close(ch)
		return ch
	}
	if c.idle == nil {
		c.idle = make(chan struct{})
	}
	return c.idle
}
