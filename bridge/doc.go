// Package bridge is mcpbridge's message pump: it reads newline-delimited
// JSON-RPC from a local MCP client on stdin, sends each message to a remote
// MCP server over Streamable HTTP or the legacy HTTP+SSE transport, and
// writes the server's messages to stdout, one compact message per line.
//
// It owns stdio framing (stdio.go), the JSON scanning that lets it forward
// raw bytes while reading only id and method (jsonscan.go, message.go), the
// Streamable HTTP client with sessions, resumption and the GET stream
// (streamable.go, session.go, resume.go), the time limits on what the
// server sends (deadline.go), the HTTP+SSE client (legacy.go), the choice
// between them (connector.go), the initialize gate (gate.go), 2026-07-28
// request headers (modern.go), tool filtering (tools.go), and the rule that
// every client request gets exactly one answer (inflight.go, bridge.go).
// Everything from the server is held to limits: the memory budget across
// all messages in flight (budget.go, used by buffers.go, stdio.go and
// sse.go) and the deadlines of answer bodies and events (deadline.go).
//
// Start reading at Bridge.handleLine in bridge.go.
//
// It knows nothing of OAuth: credentials come from an Authorizer.
//
// Specifications: https://modelcontextprotocol.io/specification/2025-11-25/basic/transports,
// https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/streamable-http,
// https://modelcontextprotocol.io/specification/2024-11-05/basic/transports.
package bridge
