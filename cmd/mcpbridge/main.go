// Command mcpbridge lets a local MCP client that speaks stdio use a remote
// MCP server over Streamable HTTP or HTTP+SSE: a drop-in for mcp-remote.
//
// This package is the command layer only: flags, the library calls, printing
// and exit codes. root.go builds the tree, maps errors to exit codes and
// hints and makes network text inert for printing; options.go and auth.go
// turn the bridge's flags into bridge.Config and the sign-in; one file per
// command: accounts.go (login, logout, status), grants.go, demo.go,
// import.go, install.go, migrate.go, probe.go; gendocs.go and nogendocs.go
// choose whether the docs build's gen-docs command exists.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/mcpbridge/mcpbridge/bridge"
	"github.com/mcpbridge/mcpbridge/bridge/transport"
)

func main() {
	bridge.StartOnOneP()
	transport.LimitMemory()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], ioStreams{in: os.Stdin, out: os.Stdout, err: os.Stderr})
	stop()
	os.Exit(code)
}
