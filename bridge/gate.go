package bridge

import (
	"sync"

	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
)

// initGate holds the messages a client pipelines behind initialize (one
// write with initialize, notifications/initialized, tools/list…) until the
// initialize answer has told the bridge the session id and protocol
// version (MCP 2025-11-25 basic/transports §Session Management): sent
// earlier, they would reach the server outside the session.
type initGate struct {
	mu     sync.Mutex
	closed bool
	queue  []held
}

// held is a message waiting at the gate and what to do once it is sent.
type held struct {
	m     *jsonrpc.Message
	after func()
}

// close starts holding messages.
func (g *initGate) close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
}

// hold queues m while the gate is closed and reports whether it did.
// Requests of the stateless 2026-07-28 protocol belong to no session and
// pass.
func (g *initGate) hold(m *jsonrpc.Message, after func()) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.closed || m.Modern != "" {
		return false
	}
	g.queue = append(g.queue, held{m, after})
	return true
}

// pop returns the next held message, or opens the gate and returns false.
func (g *initGate) pop() (held, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.queue) == 0 {
		g.closed = false
		g.queue = nil
		return held{}, false
	}
	h := g.queue[0]
	g.queue = g.queue[1:]
	return h, true
}

// The client's messages reach the server in the order it wrote them where
// order matters: a notification (notifications/initialized,
// roots/list_changed, cancelled…) may change how the server treats what
// follows, so each one is a barrier: later messages leave only once the
// server has taken it (its 202 came back). Requests between two
// notifications still go out side by side.
type barrier struct {
	mu   sync.Mutex
	last chan struct{} // closed when the latest notification has been sent; nil when none
}

// enter returns the barrier m must wait for, and for a notification the
// function that lifts the barrier it sets for the messages after it.
func (o *barrier) enter(m *jsonrpc.Message) (wait <-chan struct{}, lift func()) {
	o.mu.Lock()
	defer o.mu.Unlock()
	wait = o.last
	if m.Kind != jsonrpc.KindNotification {
		return wait, func() {}
	}
	ch := make(chan struct{})
	o.last = ch
	return wait, func() { close(ch) }
}
