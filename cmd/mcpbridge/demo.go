package main

import (
	"bufio"
	"context"
	"encoding/json"
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

// tourScript is what a host would send: the handshake pipelined in one
// write, then a few requests.
var tourScript = []string{
	`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"demo-host","version":"1"}}}`,
	`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
	`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`,
	`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello through mcpbridge"}}}`,
	`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"count","arguments":{"to":3},"_meta":{"progressToken":"p1"}}}`,
	`{"jsonrpc":"2.0","id":5,"method":"resources/read","params":{"uri":"demo://readme"}}`,
}

// demoOAuth starts the protected demo server; tokens go to a throwaway
// folder; in the tour, the authorization server's Browse plays the browser.
func demoOAuth(o *options, playBrowser bool) (string, func(), error) {
	url, as, stop, err := demo.ServeOAuth()
	if err != nil {
		return "", nil, err
	}
	dir, err := os.MkdirTemp("", "mcpbridge-demo-")
	if err != nil {
		stop()
		return "", nil, err
	}
	o.dir, o.auth.tokenStore = dir, "file"
	if playBrowser {
		o.open = func(u string) error { go func() { _ = as.Browse(context.Background(), u) }(); return nil }
	}
	return url, func() { stop(); _ = os.RemoveAll(dir) }, nil
}

// tour runs the script through a real bridge and prints both directions.
func tour(ctx context.Context, url string, o *options, s ioStreams) error {
	fmt.Fprintf(s.out, "Demo server: %s\nA host would start: mcpbridge %s\n\n", url, url)
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	log, _, _ := logx.New(logx.Options{Stderr: s.err})
	o.url = url
	cfg, err := o.config(log)
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- bridge.Run(ctx, cfg, inR, outW); outW.Close() }()
	go func() {
		for _, line := range tourScript {
			fmt.Fprintf(s.out, "host → server  %s\n", line)
			fmt.Fprintln(inW, line)
		}
	}()
	answers := 0
	sc := bufio.NewScanner(outR)
	sc.Buffer(nil, 1<<20)
	for answers < 5 && sc.Scan() {
		fmt.Fprintf(s.out, "server → host  %s\n", sc.Text())
		if len(sc.Bytes()) > 0 && !isNotification(sc.Bytes()) {
			answers++
		}
	}
	inW.Close()
	if err := <-done; err != nil {
		return err
	}
	fmt.Fprintln(s.out, "\nEvery request got its answer. Point your MCP client at mcpbridge URL to use a real server.")
	return nil
}

// isNotification reports whether a line from the server is a notification
// (it has a method and no id).
func isNotification(line []byte) bool {
	var m struct {
		ID     *json.RawMessage `json:"id"`
		Method string           `json:"method"`
	}
	return json.Unmarshal(line, &m) == nil && m.ID == nil && m.Method != ""
}
