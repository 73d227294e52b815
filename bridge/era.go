package bridge

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/mcpbridge/mcpbridge/bridge/inflight"
	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
)

// Protocol eras (MCP 2026-07-28 basic/versioning §Terminology): legacy
// versions open a session with initialize (2025-11-25 and earlier); modern
// ones carry version, identity and capabilities in every request's _meta
// (2026-07-28). The client's era shows in its first message; the server's
// is probed once per process (§Backward Compatibility: "Clients SHOULD
// cache the result for the lifetime of the server process"). When the two
// differ, a translator speaks each side's era.

// ProtocolMode is --protocol: which era to speak to the server.
type ProtocolMode string

const (
	ProtocolAuto   ProtocolMode = "auto"   // probe the server with server/discover
	ProtocolLegacy ProtocolMode = "legacy" // no probe, no translation: messages pass as they are

	ProtocolModern ProtocolMode = "modern" // the server speaks 2026-07-28
)

// ParseProtocolMode validates a --protocol value.
func ParseProtocolMode(s string) (ProtocolMode, error) {
	switch m := ProtocolMode(s); m {
	case ProtocolAuto, ProtocolLegacy, ProtocolModern:
		return m, nil
	}
	return "", fmt.Errorf("unknown protocol mode %q: use auto, legacy or modern", s)
}

// ModernVersion is the modern protocol version the bridge speaks.
const ModernVersion = "2026-07-28"

// legacyVersions are the initialize-era versions, newest first.
var legacyVersions = []string{"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"}

func isLegacyVersion(v string) bool {
	for _, l := range legacyVersions {
		if v == l {
			return true
		}
	}
	return false
}

// translator speaks to the server in the other era than the client's.
type translator interface {
	// fromClient handles a client message the server's era has no
	// counterpart for (or answers it locally); handled is false when the
	// message goes on to the server as usual.
	fromClient(m *jsonrpc.Message) (job func(), handled bool)
	// outgoing rewrites a client message on its way to the server.
	outgoing(m *jsonrpc.Message) *jsonrpc.Message
	// fromServer consumes a server message the client's era has no
	// counterpart for; handled is false when it goes on to the client.
	fromServer(m *jsonrpc.Message) (handled bool)
	// shutdown answers the client requests only the translator holds: the
	// client can answer nothing more once its stdin has ended.
	shutdown()
}

// eraSwitch holds the client's messages from the first one until the
// eras are known, then lets them through in order.
type eraSwitch struct {
	settled atomic.Bool // the held messages are through: hold passes all
	decided atomic.Bool // xl is chosen

	mu       sync.Mutex
	deciding bool
	queue    []*jsonrpc.Message // held messages, the first one included
	busy     inflight.Counter   // 1 while deciding: shutdown waits for it
	xl       translator         // nil: the eras match, messages pass as they are
	server   string             // "legacy" or "modern", once known
}

// hold queues m while the eras are being decided. The first message starts
// the decision: hold returns the job that decides and then releases the
// queue.
func (e *eraSwitch) hold(b *Bridge, m *jsonrpc.Message) (job func(), held bool) {
	if e.settled.Load() {
		return nil, false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.settled.Load() {
		return nil, false
	}
	e.queue = append(e.queue, m)
	if e.deciding {
		return nil, true
	}
	e.deciding = true
	e.busy.Add()
	return func() { b.decideEras(m) }, true
}

// next returns the next held message, or marks the eras settled and
// returns nil once the queue is empty.
func (e *eraSwitch) next() *jsonrpc.Message {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.queue) == 0 {
		if e.deciding {
			e.deciding = false
			e.settled.Store(true)
			e.busy.Done()
		}
		return nil
	}
	m := e.queue[0]
	e.queue = e.queue[1:]
	return m
}

// passThrough settles the eras at once, without a translator.
func (e *eraSwitch) passThrough() {
	e.server = "legacy"
	e.decided.Store(true)
	e.settled.Store(true)
}

// serverModern reports whether the server is known to speak 2026-07-28.
func (e *eraSwitch) serverModern() bool { return e.decided.Load() && e.server == "modern" }

// translator returns the translator in use, nil when none.
func (e *eraSwitch) translator() translator {
	if !e.decided.Load() {
		return nil
	}
	return e.xl
}

// decideEras learns both eras from the client's first message and the
// server, picks the translator, and then routes the held messages.
func (b *Bridge) decideEras(first *jsonrpc.Message) {
	first.ReadMeta()
	clientModern := first.Modern != ""
	server, d, err := b.serverEra(first)
	if err != nil {
		b.log.Warn("could not learn which protocol era the server speaks", "error", err)
		b.abandonHeld(err)
		return
	}
	e := &b.eras
	e.server = server
	switch {
	case server == "modern" && !clientModern:
		e.xl = newUpgrade(b, d)
		b.log.Info("translating: the client speaks a legacy protocol version, the server 2026-07-28")
	case server == "legacy" && clientModern:
		d, err := newDowngrade(b, first)
		if err != nil {
			b.log.Warn("could not open a session for the 2026-07-28 client", "error", err)
			b.abandonHeld(err)
			return
		}
		e.xl = d
		b.log.Info("translating: the client speaks 2026-07-28, the server a legacy protocol version")
	default:
		b.log.Debug("client and server speak the same protocol era", "era", server)
	}
	e.decided.Store(true)
	b.release()
}

// release routes the held messages, the first one first, in order.
// Their sends run side by side; each took its place in the message order
// when it was routed.
func (b *Bridge) release() {
	for m := b.eras.next(); m != nil; m = b.eras.next() {
		if job := b.route(m); job != nil {
			b.work.run(job)
		}
	}
}

// abandonHeld answers every held request with err and forgets the
// decision, so the next message probes again (the server may be back, or
// signed in); shutdown, which waits for the decision, returns only after
// the answers.
func (b *Bridge) abandonHeld(err error) {
	e := &b.eras
	e.mu.Lock()
	held := e.queue
	e.queue = nil
	wasDeciding := e.deciding
	e.deciding = false
	e.mu.Unlock()
	for _, m := range held {
		switch m.Kind {
		case jsonrpc.KindRequest:
			b.reply(jsonrpc.ErrorFor(m.ID, err))
		case jsonrpc.KindNotification:
			b.log.Warn("dropped a notification", "method", m.Method, "reason", err)
		}
	}
	if wasDeciding {
		e.busy.Done()
	}
}

// serverEra returns the server's era: implied by the HTTP+SSE transport
// (which only legacy versions have), or probed; --protocol modern insists
// on a modern server.
func (b *Bridge) serverEra(first *jsonrpc.Message) (string, *Discovery, error) {
	mode := b.cfg.Protocol
	if b.cfg.Transport == SSEOnly || b.cfg.Transport == SSEFirst {
		return "legacy", nil, nil
	}
	d, err := b.discover(b.ctx, first)
	if err != nil {
		return "", nil, err
	}
	if d.speaks(ModernVersion) {
		return "modern", d, nil
	}
	if mode == ProtocolModern {
		return "", nil, fmt.Errorf("--protocol modern: %w", d.notModern())
	}
	return "legacy", nil, nil
}
