// Package e2e holds mcpbridge's end-to-end tests: each test starts the real
// mcpbridge binary the way an MCP client does (a stdio server), talks
// newline-delimited JSON-RPC to it, and points it at a real MCP server on
// 127.0.0.1: the official Go SDK's server in-process, and npm's
// @modelcontextprotocol/server-everything (install it first with
// `bash e2e/setup.sh`).
//
//	bash e2e/setup.sh && go test -race -count=1 ./e2e/
package e2e
