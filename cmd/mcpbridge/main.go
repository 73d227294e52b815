// Command mcpbridge lets a local MCP client that speaks stdio use a remote
// MCP server over Streamable HTTP or HTTP+SSE: a drop-in for mcp-remote.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/mcpbridge/mcpbridge/bridge/transport"
)

func main() {
	limitMemory()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], ioStreams{in: os.Stdin, out: os.Stdout, err: os.Stderr})
	stop()
	os.Exit(code)
}

// limitMemory gives the garbage collector a soft ceiling just above what the
// bridge may hold (one largest message plus its pool, transport.MemoryCeiling),
// so that garbage from one large answer is collected before the next one
// grows: peak memory stays near the budget. GOMEMLIMIT, when set, wins.
func limitMemory() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(transport.MemoryCeiling)
	}
}
