package bridge

import (
	"context"

	"github.com/mcpbridge/mcpbridge/bridge/era"
	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
)

// The pump's side of the protocol eras (bridge/era decides them and
// translates): the messages held while the eras are learned, and what the
// era code may ask of the pump (era.Pump).

// hold keeps m back while the eras are being decided; for the first
// message it returns the job that decides them and then routes the held
// messages.
func (b *Bridge) hold(m *jsonrpc.Message) (job func(), held bool) {
	first, held := b.eras.Hold(m)
	if !first {
		return nil, held
	}
	return func() { b.decideEras(m) }, true
}

func (b *Bridge) decideEras(first *jsonrpc.Message) {
	if err := b.eras.Decide(b.env, first); err != nil {
		b.abandonHeld(err)
		return
	}
	b.release()
}

// release routes the held messages, the first one first, in order.
// Their sends run side by side; each took its place in the message order
// when it was routed.
func (b *Bridge) release() {
	for m := b.eras.Next(); m != nil; m = b.eras.Next() {
		if job := b.route(m); job != nil {
			b.work.run(job)
		}
	}
}

// abandonHeld answers every held request with err; the next message
// decides again. Shutdown, which waits for the decision, returns only
// after the answers.
func (b *Bridge) abandonHeld(err error) {
	held, done := b.eras.Abandon()
	defer done()
	for _, m := range held {
		switch m.Kind {
		case jsonrpc.KindRequest:
			b.reply(jsonrpc.ErrorFor(m.ID, err))
		case jsonrpc.KindNotification:
			b.log.Warn("dropped a notification", "method", m.Method, "reason", err)
		}
	}
}

// eraEnv is what the era code gets of the bridge.
func (b *Bridge) eraEnv() *era.Env {
	return &era.Env{Pump: pump{b}, Calls: b.calls, Catalog: b.tools, Ctx: b.ctx, Log: b.log,
		Version: b.cfg.Version, Host: b.cfg.URL.Host, AckTimeout: b.cfg.AckTimeout, ProbeSilence: b.cfg.ProbeSilence,
		Protocol: b.cfg.Protocol, LegacyOnly: b.cfg.Transport == SSEOnly || b.cfg.Transport == SSEFirst, Memo: b.cfg.EraMemo}
}

// pump is the Bridge as the era code sees it (era.Pump).
type pump struct{ b *Bridge }

func (p pump) Reply(msg []byte)                     { p.b.reply(msg) }
func (p pump) ReplyMsg(m *jsonrpc.Message)          { p.b.replyMsg(m) }
func (p pump) ToClient(m *jsonrpc.Message)          { p.b.toClient(m) }
func (p pump) Send(m *jsonrpc.Message) (job func()) { return p.b.sendJob(m, nil) }
func (p pump) SigningIn() bool                      { return p.b.conn.SigningIn() }

func (p pump) Forward(m *jsonrpc.Message) (job func()) {
	return p.b.request(m, p.b.eras.Translator())
}

func (p pump) Ask(ctx context.Context, m *jsonrpc.Message) (*jsonrpc.Message, error) {
	return p.b.ask(ctx, m)
}

func (p pump) Tell(ctx context.Context, m *jsonrpc.Message) error { return p.b.tell(ctx, m) }
