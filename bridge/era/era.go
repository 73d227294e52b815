package era

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/mcpbridge/mcpbridge/bridge/inflight"
	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
)

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

// Translator speaks to the server in the other era than the client's.
type Translator interface {
	// FromClient handles a client message the server's era has no
	// counterpart for (or answers it locally); handled is false when the
	// message goes on to the server as usual.
	FromClient(m *jsonrpc.Message) (job func(), handled bool)
	// Outgoing rewrites a client message on its way to the server.
	Outgoing(m *jsonrpc.Message) *jsonrpc.Message
	// FromServer consumes a server message the client's era has no
	// counterpart for; handled is false when it goes on to the client.
	FromServer(m *jsonrpc.Message) (handled bool)
	// Shutdown answers the client requests only the translator holds: the
	// client can answer nothing more once its stdin has ended.
	Shutdown()
}

// Switch holds the client's messages from the first one until the eras
// are known, then lets them through in order. The pump routes; the Switch
// decides.
type Switch struct {
	settled atomic.Bool // the held messages are through: Hold passes all
	decided atomic.Bool // xl is chosen

	mu       sync.Mutex
	deciding bool
	queue    []*jsonrpc.Message // held messages, the first one included
	busy     inflight.Counter   // 1 while deciding: shutdown waits for it
	xl       Translator         // nil: the eras match, messages pass as they are
	server   string             // "legacy" or "modern", once known
}

// Hold queues m while the eras are being decided. The first message
// starts the decision: Hold reports it as first, and the caller runs
// Decide with it, then routes what Next returns.
func (e *Switch) Hold(m *jsonrpc.Message) (first, held bool) {
	if e.settled.Load() {
		return false, false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.settled.Load() {
		return false, false
	}
	e.queue = append(e.queue, m)
	if e.deciding {
		return false, true
	}
	e.deciding = true
	e.busy.Add()
	return true, true
}

// Next returns the next held message, or marks the eras settled and
// returns nil once the queue is empty.
func (e *Switch) Next() *jsonrpc.Message {
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

// Abandon returns the held messages and forgets the decision, so the next
// message decides again (the server may be back, or signed in); Idle
// closes once the caller has answered them and calls the returned done.
func (e *Switch) Abandon() (held []*jsonrpc.Message, done func()) {
	e.mu.Lock()
	held = e.queue
	e.queue = nil
	wasDeciding := e.deciding
	e.deciding = false
	e.mu.Unlock()
	if !wasDeciding {
		return held, func() {}
	}
	return held, e.busy.Done
}

// Idle returns a channel closed once no decision is under way.
func (e *Switch) Idle() <-chan struct{} { return e.busy.Zero() }

// PassThrough settles the eras at once, without a translator.
func (e *Switch) PassThrough() {
	e.server = "legacy"
	e.decided.Store(true)
	e.settled.Store(true)
}

// ServerModern reports whether the server is known to speak 2026-07-28.
func (e *Switch) ServerModern() bool { return e.decided.Load() && e.server == "modern" }

// Translator returns the translator in use, nil when none.
func (e *Switch) Translator() Translator {
	if !e.decided.Load() {
		return nil
	}
	return e.xl
}

// Decide learns both eras from the client's first message and the
// server, and picks the translator. An error leaves the eras unknown:
// the caller abandons the held messages with it.
func (e *Switch) Decide(b *Env, first *jsonrpc.Message) error {
	first.ReadMeta()
	clientModern := first.Modern != ""
	if settled, err := e.remembered(b, first); err != nil || settled {
		if err != nil {
			b.Log.Warn("could not reach the server", "error", err)
			return err
		}
		e.server = "legacy"
		e.decided.Store(true)
		return nil
	}
	server, d, err := serverEra(b, first)
	if err != nil {
		b.Log.Warn("could not learn which protocol era the server speaks", "error", err)
		return err
	}
	memorize(b, server)
	e.server = server
	switch {
	case server == "modern" && !clientModern:
		e.xl = newUpgrade(b, d)
		b.Log.Info("translating: the client speaks a legacy protocol version, the server 2026-07-28")
	case server == "legacy" && clientModern:
		d, err := newDowngrade(b, first)
		if err != nil {
			b.Log.Warn("could not open a session for the 2026-07-28 client", "error", err)
			return err
		}
		e.xl = d
		b.Log.Info("translating: the client speaks 2026-07-28, the server a legacy protocol version")
	default:
		b.Log.Debug("client and server speak the same protocol era", "era", server)
	}
	e.decided.Store(true)
	return nil
}

// serverEra returns the server's era: implied by the HTTP+SSE transport
// (which only legacy versions have), or probed; --protocol modern insists
// on a modern server.
func serverEra(b *Env, first *jsonrpc.Message) (string, *Discovery, error) {
	if b.LegacyOnly {
		return "legacy", nil, nil
	}
	d, err := discover(b, b.Ctx, first)
	if err != nil {
		return "", nil, err
	}
	if d.speaks(ModernVersion) {
		return "modern", d, nil
	}
	if b.Protocol == ProtocolModern {
		return "", nil, fmt.Errorf("--protocol modern: %w", d.notModern())
	}
	return "legacy", nil, nil
}
