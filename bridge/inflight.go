package bridge

import (
	"context"
	"sync"
)

// call is one client request waiting for its answer.
type call struct {
	id       []byte
	method   string
	req      *message
	internal bool          // the bridge's own request (keep-alive ping): never answered on stdout
	done     chan struct{} // closed once the request is answered

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
	waiting counter // len(calls), to wait for the table to empty
}

func newInflight() *inflight { return &inflight{calls: make(map[string]*call)} }

// add registers a request; it reports false when a request with the same id
// is still unanswered.
func (f *inflight) add(c *call) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := idKey(c.id)
	if _, dup := f.calls[k]; dup {
		return false
	}
	c.done = make(chan struct{})
	f.calls[k] = c
	f.waiting.add()
	return true
}

// take removes and returns the call for id, or nil when there is none.
func (f *inflight) take(id []byte) *call {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := idKey(id)
	c := f.calls[k]
	if c == nil {
		return nil
	}
	delete(f.calls, k)
	close(c.done)
	f.waiting.done()
	return c
}

// peek returns the call for id without removing it.
func (f *inflight) peek(id []byte) *call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[idKey(id)]
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
