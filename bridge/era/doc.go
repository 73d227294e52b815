// Package era is the bridge's protocol-era code. MCP has two eras
// (2026-07-28 basic/versioning §Terminology): legacy versions (2025-11-25
// and earlier) open a session with initialize; modern ones (2026-07-28)
// carry version, identity and capabilities in every request's _meta. The
// client's era shows in its first message, the server's is probed once
// (or, for a server an earlier run found legacy, remembered); when they
// differ, a Translator speaks to each side in its own era.
//
// The era code holds no pump. It works with an Env: the pump seen through
// the small Pump interface (reply to the client, send to the server, ask
// the server), the in-flight table it shares with the pump
// (bridge/inflight), the tool catalog, and its settings. Data flows one
// way: package bridge imports this package, never the reverse.
//
// Files:
//   - pump.go: Pump and Env, all the era code asks of the pump.
//   - era.go: ProtocolMode, the versions, Translator, and Switch, which
//     holds the client's first messages while Decide learns the eras.
//   - memo.go: Memo, a legacy verdict kept across runs, and the
//     initialize sent at once (no probe) to a server it names.
//   - discover.go: the era probe (server/discover) and its verdicts;
//     discover_request.go: the probe's request and the reading of its
//     answer, exported for mcpbridge probe.
//   - upgrade.go: a legacy client and a modern server, with mrtr.go
//     (input_required results as server-to-client requests) and listen.go
//     (change notifications from subscriptions/listen).
//   - downgrade.go: a modern client and a legacy server, with reverse.go
//     (server-to-client requests as input_required results).
//   - modern.go: the 2026-07-28 request headers (Mcp-Method, Mcp-Name,
//     Mcp-Param-*) and the Catalog of tools' x-mcp-header parameters.
//   - reissue.go: a read-only 2026-07-28 request sent again when its
//     answer stream broke.
//
// Specifications: https://modelcontextprotocol.io/specification/2026-07-28/basic/versioning,
// https://modelcontextprotocol.io/specification/2026-07-28/basic/patterns/mrtr,
// https://modelcontextprotocol.io/specification/2026-07-28/basic/patterns/subscriptions.
package era
