package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/mcpbridge/mcpbridge/bridge"
	"github.com/mcpbridge/mcpbridge/internal/demo"
	"github.com/mcpbridge/mcpbridge/internal/logx"
)

func newDemoCmd(s ioStreams) *cobra.Command {
	var serve, withOAuth bool
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
			o := &options{transport: string(bridge.HTTPFirst)}
			url, stop, err := demo.Serve()
			if withOAuth {
				url, stop, err = demoOAuth(o, isTerminal(s.in) && !serve)
			}
			if err != nil {
				return err
			}
			defer stop()
			switch {
			case serve:
				fmt.Fprintf(s.out, "%s\n", url)
				fmt.Fprintln(s.err, "mcpbridge: demo server running; Ctrl-C stops it")
				<-cmd.Context().Done()
				return nil
			case isTerminal(s.in):
				return tour(cmd.Context(), url, o, s)
			}
			o.url = url
			return runBridge(cmd.Context(), o, s)
		},
	}
	cmd.Flags().BoolVar(&serve, "serve", false, "only run the demo server and print its URL")
	cmd.Flags().BoolVar(&withOAuth, "oauth", false, "protect the demo server with OAuth, to watch the sign-in")
	return cmd
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	return term.IsTerminal(int(f.Fd()))
}

// demoOAuth starts the protected demo server, its tokens in a throwaway
// folder; in the tour, the authorization server plays the browser.
func demoOAuth(o *options, playBrowser bool) (string, func(), error) {
	d, err := demo.ServeOAuthScratch()
	if err != nil {
		return "", nil, err
	}
	o.dir, o.auth.tokenStore = d.Dir, "file"
	if playBrowser {
		o.open = d.Open
	}
	return d.URL, d.Stop, nil
}

// tour runs demo's tour through a real bridge to the server at url.
func tour(ctx context.Context, url string, o *options, s ioStreams) error {
	log, _, _ := logx.New(logx.Options{Stderr: s.err})
	o.url = url
	cfg, err := o.config(log)
	if err != nil {
		return err
	}
	return demo.Tour(ctx, url, s.out, func(ctx context.Context, in io.Reader, out io.Writer) error {
		return bridge.Run(ctx, cfg, in, out)
	})
}
