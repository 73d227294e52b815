// Command mcpbpack owns mcpbridge's Claude Desktop extensions: it writes one
// MCP Bundle (.mcpb, the Desktop Extension format) for one built binary, a zip
// holding manifest.json and LICENSE at its root and the binary under server/.
// The manifest follows the MCPB spec (github.com/anthropics/mcpb, MANIFEST.md)
// and asks the user for the server URL and a few optional flags.
//
// goreleaser runs it as a post-build hook for each target:
//
//	go run ./internal/mcpbpack -binary dist/…/mcpbridge -license LICENSE -os darwin -arch arm64 -version 1.2.3 -out dist
//
// .ci/release-check validates every bundle with the reference tool (mcpb).
//
// Files: main.go (flags), manifest.go (manifest.json and the user's settings),
// pack.go (the zip).
package main
