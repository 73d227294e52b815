package bridge

import "github.com/mcpbridge/mcpbridge/bridge/jsonrpc"

// rejectBatch answers a JSON-RPC batch (jsonrpc.RefuseBatch): MCP has none
// since 2025-06-18.
func (b *Bridge) rejectBatch(line []byte) {
	answer, n := jsonrpc.RefuseBatch(line)
	if answer != nil {
		b.reply(answer)
	}
	b.log.Warn("the client sent a JSON-RPC batch; refused", "messages", n)
}
