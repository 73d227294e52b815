package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/mcpbridge/mcpbridge/bridge"
	"github.com/mcpbridge/mcpbridge/internal/demo"
	"github.com/mcpbridge/mcpbridge/internal/logx"
)

// demoOptions are demo's: --serve and --oauth.
type demoOptions struct {
	io           ioStreams
	serve, oauth bool
}

// newDemoCmd is `mcpbridge demo`; runF, when set, runs instead of runDemo
// (tests of the flags).
func newDemoCmd(s ioStreams, runF func(context.Context, *demoOptions) error) *cobra.Command {
	o := &demoOptions{io: s}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Try mcpbridge with a built-in MCP server on this machine",
		Long: `demo starts a small MCP server on 127.0.0.1 (tools echo, add and count, a
resource and a prompt) and bridges to it.

Run in a terminal, it plays a short session and shows each message that crosses
the bridge. Started by an MCP client (stdin is not a terminal), it is an
ordinary bridge to that server, so it can go into a client's config as is.
With --serve it only runs the server and prints its URL. With --oauth the server
sits behind an OAuth authorization server of its own (it approves at once: no
account, no password), to watch the whole sign-in on one machine; tokens go to a
throwaway folder.`,
		Example: `  mcpbridge demo
  mcpbridge demo --serve          # then: mcpbridge http://127.0.0.1:PORT/mcp
  mcpbridge demo --oauth          # the same, signing in first
  claude mcp add demo -- mcpbridge demo`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runOr(cmd.Context(), o, runF, runDemo)
		},
	}
	cmd.Flags().BoolVar(&o.serve, "serve", false, "only run the demo server and print its URL")
	cmd.Flags().BoolVar(&o.oauth, "oauth", false, "protect the demo server with OAuth, to watch the sign-in")
	return cmd
}

// runDemo serves the demo server and, unless --serve, tours it (in a
// terminal) or bridges to it (under an MCP client).
func runDemo(ctx context.Context, o *demoOptions) error {
	d, err := demo.Start(o.oauth)
	if err != nil {
		return err
	}
	defer d.Stop()
	b := &options{transport: string(bridge.HTTPFirst), url: d.URL}
	if o.oauth { // its tokens in the throwaway folder
		b.dir, b.auth.tokenStore = d.Dir, "file"
		if demo.Interactive(o.io.in) && !o.serve { // the tour: the authorization server plays the browser
			b.open = d.Open
		}
	}
	switch {
	case o.serve:
		fmt.Fprintf(o.io.out, "%s\n", d.URL)
		fmt.Fprintln(o.io.err, "mcpbridge: demo server running; Ctrl-C stops it")
		<-ctx.Done()
		return nil
	case demo.Interactive(o.io.in):
		return tour(ctx, b, o.io)
	}
	return runBridge(ctx, b, o.io)
}

// tour runs demo's tour through a real bridge to the server at o.url.
func tour(ctx context.Context, o *options, s ioStreams) error {
	log, _, _ := logx.New(logx.Options{Stderr: s.err})
	cfg, err := o.config(log)
	if err != nil {
		return err
	}
	return demo.Tour(ctx, o.url, s.out, func(ctx context.Context, in io.Reader, out io.Writer) error {
		return bridge.Run(ctx, cfg, in, out)
	})
}
