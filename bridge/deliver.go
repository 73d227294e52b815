package bridge

import (
	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
	"github.com/mcpbridge/mcpbridge/internal/safetext"
)

// The way back: what the server sends comes through fromServer (the
// transport's Sink), past the translator when there is one, takes its
// request out of the in-flight table and goes to stdout (stdout.go).

// deliver passes one message from the server to the client. An answer goes
// out only when its request is still waiting; anything else is dropped.
func (b *Bridge) deliver(m *jsonrpc.Message) {
	if xl := b.eras.Translator(); xl != nil && xl.FromServer(m) {
		return
	}
	b.toClient(m)
}

// toClient is deliver past the translator: for a message it has shaped.
func (b *Bridge) toClient(m *jsonrpc.Message) {
	if m.Kind != jsonrpc.KindResponse {
		b.replyMsg(m)
		return
	}
	c := b.calls.Take(m.ID)
	switch {
	case c == nil:
		b.log.Warn("dropped an answer whose id matches no request in flight", "id", safetext.Line(m.ID, 80))
	case c.Internal:
		c.Answered(m, nil)
	case c.Method == "tools/list":
		b.replyMsg(shapeTools(b.cfg.Tools, b.tools, c, m).WithID(c.ID))
	default:
		b.replyMsg(m.WithID(c.ID))
	}
}

// fromServer is the transport's Sink: what the server sends comes to the
// bridge through it.
type fromServer struct{ b *Bridge }

func (s fromServer) Deliver(m *jsonrpc.Message) { s.b.deliver(m) }

func (s fromServer) Waiting(id []byte) <-chan struct{} {
	if c := s.b.calls.Peek(id); c != nil {
		return c.Done
	}
	return nil
}

// reply writes one message to stdout.
func (b *Bridge) reply(msg []byte) { b.replyParts(msg) }

// replyMsg writes a server message to stdout, from its pieces if it came in
// pieces.
func (b *Bridge) replyMsg(m *jsonrpc.Message) {
	if m.Parts != nil {
		b.replyParts(m.Parts...)
		return
	}
	b.replyParts(m.Raw)
}

func (b *Bridge) replyParts(parts ...[]byte) {
	if err := b.out.write(parts...); err != nil {
		b.log.Debug("stdout is gone", "error", err)
	}
}
