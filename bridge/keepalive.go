package bridge

import (
	"strconv"
	"time"

	"github.com/mcpbridge/mcpbridge/bridge/inflight"
	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
)

// keepAlive sends a JSON-RPC ping every interval (mcp-remote's --keep-alive
// and --ping-interval), so idle sessions survive servers and proxies that
// expire them. The answers are the bridge's own and never reach stdout.
func (b *Bridge) keepAlive(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for n := 1; ; n++ {
		select {
		case <-b.ctx.Done():
			return
		case <-t.C:
		}
		if b.eras.ServerModern() {
			continue // 2026-07-28 has no ping, and no session to keep alive
		}
		id := []byte(strconv.Quote("mcpbridge-ping-" + strconv.Itoa(n)))
		raw := append(append([]byte(`{"jsonrpc":"2.0","id":`), id...), `,"method":"ping"}`...)
		m := &jsonrpc.Message{Raw: raw, Kind: jsonrpc.KindRequest, ID: id, Method: "ping"}
		failed := func(_ *jsonrpc.Message, err error) {
			if err != nil {
				b.log.Warn("keep-alive ping failed", "error", err)
			}
		}
		if !b.calls.Add(&inflight.Call{ID: id, Method: "ping", Req: m, Internal: true, OnAnswer: failed}) {
			continue
		}
		if b.gate.hold(m, nil) {
			continue
		}
		go b.sendJob(m, nil)()
	}
}
