// Package transport carries JSON-RPC messages to a remote MCP server and
// brings back what it sends, over Streamable HTTP or the legacy HTTP+SSE
// transport, behind one Connector: RoundTrip(ctx, message) returns once a
// request's answer went to the Sink (or cannot come), Close ends the session.
//
//   - config.go: Config, Mode (mcp-remote's --transport), Authorizer (and
//     its optional NonceRetrier), Sink.
//   - connector.go: the Connector; picks the transport and switches once
//     when the server speaks the other (2025-11-25 basic/transports
//     §Backwards Compatibility).
//   - httpx.go: one request to the server: the user's headers, the
//     transport's, credentials, one retry after a refusal; media types.
//   - streamable.go: Streamable HTTP POSTs and their JSON or SSE answers.
//   - session.go: the session (Mcp-Session-Id), its renewal, the GET stream.
//   - resume.go: resuming a broken answer stream (Last-Event-ID), bounded.
//   - legacy.go: the 2024-11-05 HTTP+SSE client (endpoint event, POSTs).
//   - sse.go: the one SSE parser (WHATWG HTML §9.2), events read in pieces.
//   - buffers.go: bodies read in pooled chunks under the memory budget.
//   - budget.go: the memory budget across all messages in flight, the
//     collection of a large answer once it is written out, and the
//     process's soft memory limit above it (LimitMemory).
//   - deadline.go: the time limits on bodies and events.
//   - errors.go: StatusError, an HTTP answer that is not JSON-RPC.
//   - events.go: the SSE parser and the fallback rule, for mcpbridge probe.
//
// Everything the server sends is held to a size (budget.go) and a time
// (deadline.go). It knows nothing of OAuth (credentials come from an
// Authorizer) nor of protocol eras (the bridge translates).
//
// Specifications: https://modelcontextprotocol.io/specification/2025-11-25/basic/transports,
// https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/streamable-http,
// https://modelcontextprotocol.io/specification/2024-11-05/basic/transports.
package transport
