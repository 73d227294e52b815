// Command mcpbridge lets a local MCP client that speaks stdio use a remote
// MCP server over Streamable HTTP or HTTP+SSE: a drop-in for mcp-remote.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], ioStreams{in: os.Stdin, out: os.Stdout, err: os.Stderr})
	stop()
	os.Exit(code)
}
