package era

import (
	"errors"
	"slices"

	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
)

// Memo is what earlier runs learned of the server's era, kept across
// restarts (2026-07-28 basic/versioning §Backward Compatibility: clients
// "MAY persist it across restarts of the same server configuration,
// re-probing if the cached assumption later fails"). Only a legacy verdict
// is worth keeping: to a modern server the probe is the request that
// answers the client's initialize, not one more. tokencache.EraMemo keeps
// it in the config folder.
type Memo interface {
	// Legacy reports whether the server was found legacy, recently.
	Legacy() bool
	// Remember records a probe's verdict (legacy or not).
	Remember(legacy bool) error
}

// remembered settles a legacy client's eras without a probe when the Memo
// says the server is legacy: the client's initialize goes to the server at
// once, and its answer is the client's. A refusal or an error answer means
// the server may have changed: the Memo forgets it, and the caller probes
// (the client's initialize is still held, and goes again if the server is
// still legacy). It errs only when the server could not be asked.
func (e *Switch) remembered(b *Env, first *jsonrpc.Message) (settled bool, err error) {
	if b.Memo == nil || b.Protocol != ProtocolAuto || b.LegacyOnly ||
		first.Kind != jsonrpc.KindRequest || first.Method != "initialize" || first.Modern != "" || !b.Memo.Legacy() {
		return false, nil
	}
	ans, err := b.Ask(b.Ctx, first)
	switch {
	case err != nil && cannotAsk(err):
		return false, err
	case err == nil && ans.HasResult:
		e.unqueue(first) // answered here: not to be routed
		b.ReplyMsg(ans)
		b.Log.Debug("the server was legacy at the last probe, and it answered initialize: no probe")
		return true, nil
	case err == nil:
		if f := jsonrpc.Failure(ans); f != nil {
			err = f
		} else {
			err = errors.New("an answer with neither result nor error")
		}
	}
	b.Log.Info("the server was legacy at the last probe but refused initialize: probing it again", "error", err)
	if ferr := b.Memo.Remember(false); ferr != nil {
		b.Log.Debug("could not forget the server's era", "error", ferr)
	}
	return false, nil
}

// unqueue takes m out of the held messages.
func (e *Switch) unqueue(m *jsonrpc.Message) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.queue = slices.DeleteFunc(e.queue, func(h *jsonrpc.Message) bool { return h == m })
}

// memorize records the probe's verdict in the Memo, if there is one and
// a probe gave it (not the HTTP+SSE transport, legacy by definition).
func memorize(b *Env, server string) {
	if b.Memo == nil || b.Protocol != ProtocolAuto || b.LegacyOnly {
		return
	}
	if err := b.Memo.Remember(server == "legacy"); err != nil {
		b.Log.Debug("could not remember the server's era", "error", err)
	}
}
