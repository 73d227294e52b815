// Package bridge is mcpbridge's message pump: it reads newline-delimited
// JSON-RPC from a local MCP client on stdin, hands each message to the
// transport (bridge/transport) bound for the remote MCP server, and writes
// the server's messages to stdout, one compact message per line. Messages
// stay the bytes they came as (bridge/jsonrpc).
//
// One message's walk: stdin.go reads the line; bridge.go routes it
// (handleLine, route, request, send), asking eras.go whether the eras are
// settled, tools.go whether the tool filter lets it through, gate.go
// whether initialize or a notification before it holds it, and
// bridge/inflight to record the request, and handing the reading of the
// next line to another of workers.go's goroutines; the transport's
// Connector carries it. The answer comes back through fromServer
// (deliver.go: deliver, toClient, which takes the record back) and
// stdout.go writes it. The way out and the way back share no file.
//
//   - bridge.go: Bridge, Serve and Run; routing to the server, shutdown.
//   - config.go: Config, its defaults (validated once), and the names the
//     command uses of the transport's (TransportMode, Authorizer) and of
//     the era code's (ProtocolMode).
//   - stdin.go: stdin framing under the memory budget (the way out).
//   - deliver.go: the way back: the transport's Sink, the answer matched
//     to its request, replies to the client.
//   - stdout.go: stdout writes, one whole message a line.
//   - workers.go: the reused goroutines the reader and its jobs run on.
//   - process.go, process_unix.go, process_other.go: StartOnOneP and
//     OwnProcess, which cmd/mcpbridge calls for the process's own stdin:
//     read through the poller, on one thread.
//   - ask.go: the bridge's own requests to the server (ask, tell).
//   - gate.go: the initialize gate and the order of messages.
//   - tools.go: --ignore-tool/--allow-tool filtering of tools/list and calls.
//   - keepalive.go: --keep-alive pings; batch.go: batches refused.
//   - eras.go: the pump's side of the protocol eras (bridge/era decides
//     and translates them): the messages held while they are learned, and
//     the era.Pump the era code is lent.
//
// It knows nothing of OAuth: credentials come from an Authorizer.
//
// Specifications: https://modelcontextprotocol.io/specification/2025-11-25/basic/transports,
// https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/stdio.
package bridge
