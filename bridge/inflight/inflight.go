// Package inflight is the bridge's record of the requests in flight: the
// client's, from the moment they are read until they are answered, and the
// bridge's own (keep-alive pings, the era probe, translators' requests).
// Its Table decides who answers each request: the first to Take a call
// owns its answer, so every request gets exactly one.
//
// Files:
//   - inflight.go: Call, Table, Counter, and the ids of the bridge's own
//     requests (OwnID).
//   - ctx.go: Ctx, the context of one send (one allocation, where
//     context.WithCancel and the exchange's AfterFunc made seven), and
//     Scope, the bridge's lifetime that ends them all.
//   - inflight_test.go: one taker per call, renamed calls, long-lived ones.
//   - ctx_test.go: a send's context ending every way it can, and racing.
package inflight

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
)

// Call is one client request waiting for its answer.
type Call struct {
	ID       []byte
	Method   string
	Req      *jsonrpc.Message
	Internal bool          // the bridge's own request (keep-alive ping, probes): never answered on stdout
	Done     chan struct{} // closed once the request is answered
	// Wire is the id the request went to the server under, when not id (a
	// retry after a broken stream, a multi round-trip retry); guarded by
	// the inflight table's lock.
	Wire []byte
	// OnAnswer receives the answer to an internal request, or the error
	// that left it unanswered.
	OnAnswer func(*jsonrpc.Message, error)
	// LongLived marks a stream the bridge keeps open (subscriptions/listen):
	// shutdown does not wait for its answer.
	LongLived bool
	Rounds    int // multi round-trip rounds so far (bridge/era's mrtr.go)

	key string // the table's key for the call: IDKey of the id it is under

	mu      sync.Mutex
	ctx     *Ctx // the context of the send carrying it (the latest one)
	aborted bool
}

// Carry records the context of the send carrying the call; if the call was
// aborted before it started, that context ends at once.
func (c *Call) Carry(ctx *Ctx) {
	c.mu.Lock()
	c.ctx = ctx
	aborted := c.aborted
	c.mu.Unlock()
	if aborted {
		ctx.cancel(context.Canceled)
	}
}

// Abort stops the exchange carrying the call, now or as soon as it starts.
func (c *Call) Abort() {
	c.mu.Lock()
	c.aborted = true
	ctx := c.ctx
	c.mu.Unlock()
	if ctx != nil {
		ctx.cancel(context.Canceled)
	}
}

// Table tracks the client's requests from the moment they are read until
// they are answered. take is the single place that decides who answers: the
// first caller to take a call owns its answer, every later caller gets nil.
// That is how each request gets exactly one answer, whatever races.
type Table struct {
	mu      sync.Mutex
	calls   map[string]*Call
	alias   map[string]string // the client's id → the id its request went out under, when they differ
	waiting Counter           // len(calls), to wait for the table to empty
}

func NewTable() *Table {
	return &Table{calls: make(map[string]*Call), alias: make(map[string]string)}
}

// Add registers a request; it reports false when a request with the same id
// is still unanswered.
func (f *Table) Add(c *Call) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := jsonrpc.IDKey(c.ID)
	if _, dup := f.calls[k]; dup {
		return false
	}
	c.Done = make(chan struct{})
	c.key = k
	f.calls[k] = c
	if !c.LongLived {
		f.waiting.Add()
	}
	return true
}

// AddAs registers c again, answered earlier in the bridge's own round
// trip, now going to the server under the id wire.
func (f *Table) AddAs(c *Call, wire []byte) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := jsonrpc.IDKey(wire)
	if _, dup := f.calls[k]; dup {
		return false
	}
	c.Done = make(chan struct{})
	c.Wire = wire
	c.key = k
	f.calls[k] = c
	f.alias[jsonrpc.IDKey(c.ID)] = k
	f.waiting.Add()
	return true
}

// Take removes and returns the call whose request went out under id, or
// nil when there is none.
func (f *Table) Take(id []byte) *Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.takeCall(f.get(id))
}

// get finds the call under id; the usual ids cost no allocation.
func (f *Table) get(id []byte) *Call {
	if k, ok := jsonrpc.PlainIDKey(id); ok {
		return f.calls[string(k)]
	}
	return f.calls[jsonrpc.IDKey(id)]
}

func (f *Table) takeKey(k string) *Call { return f.takeCall(f.calls[k]) }

// takeCall removes c, found in the table, from it.
func (f *Table) takeCall(c *Call) *Call {
	if c == nil {
		return nil
	}
	delete(f.calls, c.key)
	if c.Wire != nil {
		delete(f.alias, jsonrpc.IDKey(c.ID))
	}
	close(c.Done)
	if !c.LongLived {
		f.waiting.Done()
	}
	return c
}

// TakeClient is take for the id the client knows the request by.
func (f *Table) TakeClient(id []byte) *Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := jsonrpc.IDKey(id)
	if wire, ok := f.alias[k]; ok {
		return f.takeKey(wire)
	}
	if c := f.calls[k]; c != nil && c.Wire != nil {
		return nil // k is another request's wire id, not a client's id
	}
	return f.takeKey(k)
}

// Rename moves the call whose request went out under old to the wire id
// next; the client still hears its answer under its own id. It returns
// nil when no call waits under old.
func (f *Table) Rename(old, next []byte) *Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.calls[jsonrpc.IDKey(old)]
	if c == nil {
		return nil
	}
	delete(f.calls, c.key)
	c.Wire = next
	c.key = jsonrpc.IDKey(next)
	f.calls[c.key] = c
	f.alias[jsonrpc.IDKey(c.ID)] = c.key
	return c
}

// WireID is the id c's request is on the wire under.
func (f *Table) WireID(c *Call) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c.Wire != nil {
		return c.Wire
	}
	return c.ID
}

// Peek returns the call for id without removing it.
func (f *Table) Peek(id []byte) *Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.get(id)
}

// All returns the calls still waiting.
func (f *Table) All() []*Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]*Call, 0, len(f.calls))
	for _, c := range f.calls {
		out = append(out, c)
	}
	return out
}

// Drained returns a channel closed once no request is waiting.
func (f *Table) Drained() <-chan struct{} { return f.waiting.Zero() }

// Counter counts work under way; unlike sync.WaitGroup, it may be waited
// on while more work starts (a late message during shutdown).
type Counter struct {
	mu   sync.Mutex
	n    int
	idle chan struct{}
}

func (c *Counter) Add() {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
}

func (c *Counter) Done() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n--; c.n == 0 && c.idle != nil {
		close(c.idle)
		c.idle = nil
	}
}

// Zero returns a channel closed once nothing is under way.
func (c *Counter) Zero() <-chan struct{} {
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

// The bridge sends requests of its own: keep-alive pings, the era probe,
// the initialize it runs for a 2026-07-28 client, subscriptions/listen
// streams, multi round-trip retries. Their ids are strings that start with
// "mcpbridge-", and their answers never reach stdout.

var ErrShuttingDown = errors.New("mcpbridge is shutting down")

// Answered hands an internal request's outcome to whoever waits for it.
func (c *Call) Answered(m *jsonrpc.Message, err error) {
	if c.OnAnswer != nil {
		c.OnAnswer(m, err)
	}
}

// ownIDs numbers the bridge's own requests.
var ownIDs atomic.Int64

// OwnID returns a fresh JSON string id for a request of the bridge's own.
func OwnID(kind string) []byte {
	return []byte(strconv.Quote("mcpbridge-" + kind + "-" + strconv.FormatInt(ownIDs.Add(1), 10)))
}
