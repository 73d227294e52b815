package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcpbridge/mcpbridge/internal/accountview"
	"github.com/mcpbridge/mcpbridge/internal/httpclient"
	"github.com/mcpbridge/mcpbridge/internal/ledger"
	"github.com/mcpbridge/mcpbridge/internal/logx"
	"github.com/mcpbridge/mcpbridge/internal/netrule"
	"github.com/mcpbridge/mcpbridge/internal/probe"
	"github.com/mcpbridge/mcpbridge/internal/safetext"
	"github.com/mcpbridge/mcpbridge/oauthflow"
	"github.com/mcpbridge/mcpbridge/tokencache"
)

// accountFlow builds the sign-in for URL from the same flags the bridge
// takes (signInFlow; no bridge is configured), logging to stderr.
func accountFlow(o *options, args []string, s ioStreams) (*oauthflow.Flow, error) {
	if err := o.positional(args); err != nil {
		return nil, err
	}
	log, _, err := logx.New(logx.Options{Stderr: s.err, Hide: netrule.HideQueries(o.url)})
	if err != nil {
		return nil, err
	}
	r, err := o.remote(log)
	if err != nil {
		return nil, err
	}
	flow, err := o.signInFlow(r, log)
	if err == nil && flow == nil {
		err = usageError{errors.New("an Authorization header is given, so there is nothing to sign in to")}
	}
	return flow, err
}

func newLoginCmd(s ioStreams) *cobra.Command {
	o := &options{}
	var noBrowser bool
	cmd := &cobra.Command{
		Use:   "login URL [callback-port] [flags]", // the port as for the bridge
		Short: "Sign in to a server ahead of time, in a terminal",
		Long: `login signs in to the MCP server at URL through your browser and stores the
tokens, so the bridge starts signed in. It takes the same flags as the bridge.`,
		Example: `  mcpbridge login https://mcp.example.com/mcp
  mcpbridge login https://mcp.example.com/mcp --no-browser     # over SSH
  mcpbridge login https://mcp.example.com/mcp --static-oauth-client-info @client.json`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			flow, err := accountFlow(o, args, s)
			if err != nil {
				return err
			}
			if noBrowser {
				flow.PasteFrom(s.in, func(u string) {
					fmt.Fprintf(s.err, "\nOpen this link in a browser on any machine and sign in:\n\n  %s\n\n"+
						"The browser then goes to an address on localhost that fails to load there.\n"+
						"Copy that whole address from the address bar and paste it here:\n", safetext.EscapeN(u, 0))
				})
			}
			if err := flow.Login(cmd.Context()); err != nil {
				return err
			}
			fmt.Fprintf(s.out, "Signed in to %s.\n", redactedArg(args[0]))
			return nil
		},
	}
	cmd.Flags().BoolVar(&noBrowser, "no-browser", false, "print the link instead of opening a browser, and take the redirected address pasted back (for SSH sessions)")
	o.register(cmd)
	return cmd
}

func newLogoutCmd(s ioStreams) *cobra.Command {
	o := &options{}
	var all bool
	cmd := &cobra.Command{
		Use:   "logout URL | --all",
		Short: "Revoke and forget stored credentials",
		Long: `logout revokes the tokens for URL at the authorization server (when it offers
revocation) and deletes them and the client registration. With --all it does
so for every server.`,
		Example: `  mcpbridge logout https://mcp.example.com/mcp
  mcpbridge logout --all`,
		Args: func(cmd *cobra.Command, args []string) error {
			if all == (len(args) == 1) {
				return usageError{errors.New("give a server URL or --all")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if all {
				return logoutAll(cmd.Context(), o, s)
			}
			flow, err := accountFlow(o, args, s)
			if err != nil {
				return err
			}
			had, err := flow.Logout(cmd.Context())
			switch {
			case err != nil:
				return err
			case !had:
				_, _ = openStore(cmd.Context(), o) // it sweeps leftovers of a crashed write all the same
				fmt.Fprintf(s.out, "Nothing was stored for %s with these settings", redactedArg(args[0]))
				if n := len(probe.StoredFor(o.configFolder(), args[0])); n > 0 { // the same flags name a sign-in
					fmt.Fprintf(s.out, "; %d other sign-in(s) to it, made with other --header, --scope, --account or client flags: give the same flags, or use --all", n)
				}
				fmt.Fprintln(s.out, ".")
			default:
				fmt.Fprintf(s.out, "Signed out of %s.\n", redactedArg(args[0]))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "sign out of every server")
	o.register(cmd)
	return cmd
}

// openStore opens the token store of o's flags. Opening sweeps what
// interrupted writes left behind (tokencache.Store.Sweep).
func openStore(ctx context.Context, o *options) (*tokencache.Store, error) {
	so, err := o.auth.storeOptions(o.configFolder(), nil)
	if err != nil {
		return nil, err
	}
	return tokencache.Open(ctx, so)
}

// logoutAll revokes what it can and deletes every stored credential.
func logoutAll(ctx context.Context, o *options, s ioStreams) error {
	st, err := openStore(ctx, o)
	if err != nil {
		return err
	}
	client, err := httpclient.New(httpclient.Options{UserAgent: userAgent()})
	if err != nil {
		return err
	}
	grants, err := ledger.New(ledger.Options{Dir: st.Dir(), Lock: st})
	if err != nil {
		return err
	}
	n, err := oauthflow.ForgetAll(ctx, st, client, grants, func(server string, err error) {
		fmt.Fprintf(s.err, "mcpbridge: could not revoke the tokens for %s (%v); deleting them here anyway\n", redactedArg(server), shown(err.Error()))
	})
	fmt.Fprintf(s.out, "Removed %d stored credentials.\n", n)
	return err
}

func newStatusCmd(s ioStreams) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status [URL]",
		Short: "Show which servers mcpbridge is signed in to",
		Long: `status lists the stored credentials: server, authorization server, whether
the sign-in is still good, when the access token expires, whether a refresh
token renews it (without one, the browser opens again at expiry), its scopes
and where it is stored. It never shows a secret and never opens the keychain.`,
		Example: `  mcpbridge status
  mcpbridge status https://mcp.example.com/mcp --json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			server := ""
			if len(args) == 1 {
				server = args[0]
			}
			return accountview.Status(s.out, tokencache.DefaultDir(), server, accountFlag(cmd), asJSON, time.Now())
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON, for scripts")
	cmd.Flags().String("account", "", "only this --account's sign-ins (default: every account's)")
	return cmd
}
