package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mcpbridge/mcpbridge/internal/logx"
	"github.com/mcpbridge/mcpbridge/internal/netrule"
)

type ioStreams struct {
	in       io.Reader
	out, err io.Writer
}

// runOr runs runF instead of run when it is set: each command's seam for
// tests of its flags (newXCmd(s, runF); the root passes nil).
func runOr[O any](ctx context.Context, o *O, runF, run func(context.Context, *O) error) error {
	if runF != nil {
		return runF(ctx, o)
	}
	return run(ctx, o)
}

// version, commit and date are stamped by the release build (-X).
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

// usageError marks errors in the command line (exit code 2).
type usageError struct{ error }

// urlArgs checks for URL [callback-port], as mcp-remote takes them.
func urlArgs(c *cobra.Command, args []string) error {
	if err := cobra.RangeArgs(1, 2)(c, args); err != nil {
		return usageError{fmt.Errorf("%w: give the server URL, and optionally the OAuth callback port", err)}
	}
	return nil
}

// positional takes URL [callback-port], as mcp-remote does.
func (o *options) positional(args []string) error {
	o.url = args[0]
	if len(args) == 2 {
		port, err := strconv.Atoi(args[1])
		if err != nil || port < 1 || port > 65535 {
			return usageError{fmt.Errorf("callback port %q is not a port number", args[1])}
		}
		o.callbackPort = port
	}
	return nil
}

// userAgent names this build to servers: the version the release stamped.
func userAgent() string { return "mcpbridge/" + version }

// run executes the command line and returns the exit code.
func run(ctx context.Context, args []string, s ioStreams) int {
	root := newBridgeCmd(s)
	if !startsBridge(args) {
		addCommands(root, s)
	}
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	fmt.Fprintf(s.err, "mcpbridge: %s\n", logx.Clean(netrule.HideQueries(args...), err.Error()))
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintln(s.err, "Run 'mcpbridge --help' for usage.")
		return 2
	}
	return 1
}

// startsBridge: a host's line (the URL first) needs only the root, not the
// subcommands' flag sets (0.3 ms a start); help and version list them all.
func startsBridge(args []string) bool {
	return len(args) > 0 && strings.Contains(args[0], "://") &&
		!slices.ContainsFunc(args, func(a string) bool { return a == "-h" || a == "--help" || a == "-v" || a == "--version" })
}

// addCommands adds the subcommands to the root.
func addCommands(cmd *cobra.Command, s ioStreams) {
	cmd.AddCommand(newDemoCmd(s, nil), newLoginCmd(s, nil), newLogoutCmd(s, nil), newStatusCmd(s, nil), newGrantsCmd(s, nil),
		newImportCmd(s, nil), newProbeCmd(s, nil), newInstallCmd(s, nil), newMigrateCmd(s, nil))
	for _, extra := range extraCommands() {
		cmd.AddCommand(extra())
	}
}

// newBridgeCmd is the root command alone: the bridge and its flags.
func newBridgeCmd(s ioStreams) *cobra.Command {
	o := &options{}
	cmd := &cobra.Command{
		Use:   "mcpbridge URL [callback-port] [flags]",
		Short: "Use a remote MCP server from any stdio MCP client",
		Long: `mcpbridge lets a local MCP client (Claude Desktop, Claude Code, Cursor, Zed…)
use a remote MCP server. The client starts mcpbridge as a stdio server; mcpbridge
forwards every message to the server over Streamable HTTP (or the legacy
HTTP+SSE transport) and writes the server's messages back on stdout.

It is a drop-in for mcp-remote: the same arguments and flags work.`,
		Example: `  mcpbridge https://mcp.clerk.com/mcp
  mcpbridge https://example.com/mcp --header "Authorization: Bearer ${API_TOKEN}"
  mcpbridge http://10.0.0.5:8080/mcp --allow-http --transport sse-only
  mcpbridge https://example.com/mcp --dpop --workload-identity file:/var/run/secrets/tokens/mcp
  mcpbridge https://example.com/mcp --idp-issuer https://acme.okta.com --idp-client-info '{"client_id":"…"}' --static-oauth-client-info @client.json
  mcpbridge demo                      # try it with a built-in server`,
		Args:          urlArgs,
		Version:       fmt.Sprintf("%s (commit %s, built %s)", version, commit, date),
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.positional(args); err != nil {
				return err
			}
			return runBridge(cmd.Context(), o, s)
		},
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	cmd.SetOut(s.out)
	cmd.SetErr(s.err)
	o.register(cmd)
	return cmd
}

// shown makes text that may hold network text (an error, a name, a value
// from a server or the index) inert on a terminal: one line, no escape
// sequence, no bidi override; logx's rule for its lines.
func shown(s string) string { return logx.Clean(nil, s) }

// redactedArg shows a server URL without a password or query values, inert.
func redactedArg(raw string) string { return shown(netrule.RedactString(raw)) }
