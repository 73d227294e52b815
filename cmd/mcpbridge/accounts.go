package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcpbridge/mcpbridge/internal/accountview"
	"github.com/mcpbridge/mcpbridge/internal/httpclient"
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
	return o.accountFlow(s)
}

// accountFlow is the sign-in for o.url, the positional arguments read.
func (o *options) accountFlow(s ioStreams) (*oauthflow.Flow, error) {
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

// loginOptions are login's: the bridge's flags (the sign-in is built as
// the bridge builds it) and --no-browser.
type loginOptions struct {
	io        ioStreams
	bridge    options
	noBrowser bool
}

// newLoginCmd is `mcpbridge login`; runF, when set, runs instead of
// runLogin (tests of the flags).
func newLoginCmd(s ioStreams, runF func(context.Context, *loginOptions) error) *cobra.Command {
	o := &loginOptions{io: s}
	cmd := &cobra.Command{
		Use:   "login URL [callback-port] [flags]", // the port as for the bridge
		Short: "Sign in to a server ahead of time, in a terminal",
		Long: `login signs in to the MCP server at URL through your browser and stores the
tokens, so the bridge starts signed in. It takes the same flags as the bridge.`,
		Example: `  mcpbridge login https://mcp.example.com/mcp
  mcpbridge login https://mcp.example.com/mcp --no-browser     # over SSH
  mcpbridge login https://mcp.example.com/mcp --static-oauth-client-info @client.json`,
		Args: urlArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.bridge.positional(args); err != nil {
				return err
			}
			return runOr(cmd.Context(), o, runF, runLogin)
		},
	}
	cmd.Flags().BoolVar(&o.noBrowser, "no-browser", false, "print the link instead of opening a browser, and take the redirected address pasted back (for SSH sessions)")
	o.bridge.register(cmd)
	return cmd
}

// runLogin signs in (a browser, or the address pasted back) and stores the tokens.
func runLogin(ctx context.Context, o *loginOptions) error {
	flow, err := o.bridge.accountFlow(o.io)
	if err != nil {
		return err
	}
	if o.noBrowser {
		flow.PasteFrom(o.io.in, func(u string) {
			fmt.Fprintf(o.io.err, "\nOpen this link in a browser on any machine and sign in:\n\n  %s\n\n"+
				"The browser then goes to an address on localhost that fails to load there.\n"+
				"Copy that whole address from the address bar and paste it here:\n", safetext.EscapeN(u, 0))
		})
	}
	if err := flow.Login(ctx); err != nil {
		return err
	}
	fmt.Fprintf(o.io.out, "Signed in to %s.\n", redactedArg(o.bridge.url))
	return nil
}

// logoutOptions are logout's: the bridge's flags (they name the sign-in)
// and --all.
type logoutOptions struct {
	io     ioStreams
	bridge options
	all    bool
}

// newLogoutCmd is `mcpbridge logout`; runF, when set, runs instead of
// runLogout (tests of the flags).
func newLogoutCmd(s ioStreams, runF func(context.Context, *logoutOptions) error) *cobra.Command {
	o := &logoutOptions{io: s}
	cmd := &cobra.Command{
		Use:   "logout URL | --all",
		Short: "Revoke and forget stored credentials",
		Long: `logout revokes the tokens for URL at the authorization server (when it offers
revocation) and deletes them and the client registration. With --all it does
so for every server.`,
		Example: `  mcpbridge logout https://mcp.example.com/mcp
  mcpbridge logout --all`,
		Args: func(cmd *cobra.Command, args []string) error {
			if o.all == (len(args) == 1) {
				return usageError{errors.New("give a server URL or --all")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.bridge.url = args[0] // logout takes no callback port
			}
			return runOr(cmd.Context(), o, runF, runLogout)
		},
	}
	cmd.Flags().BoolVar(&o.all, "all", false, "sign out of every server")
	o.bridge.register(cmd)
	return cmd
}

// runLogout signs out of the server, or with --all of every server.
func runLogout(ctx context.Context, o *logoutOptions) error {
	s, b := o.io, &o.bridge
	if o.all {
		return logoutAll(ctx, b, s)
	}
	flow, err := b.accountFlow(s)
	if err != nil {
		return err
	}
	had, err := flow.Logout(ctx)
	switch {
	case err != nil:
		return err
	case !had:
		_, _ = openStore(ctx, b) // it sweeps leftovers of a crashed write all the same
		fmt.Fprintf(s.out, "Nothing was stored for %s with these settings", redactedArg(b.url))
		if n := len(probe.StoredFor(b.configFolder(), b.url)); n > 0 { // the same flags name a sign-in
			fmt.Fprintf(s.out, "; %d other sign-in(s) to it, made with other --header, --scope, --account or client flags: give the same flags, or use --all", n)
		}
		fmt.Fprintln(s.out, ".")
	default:
		fmt.Fprintf(s.out, "Signed out of %s.\n", redactedArg(b.url))
	}
	return nil
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
	n, err := oauthflow.ForgetAllIn(ctx, st, client, func(server string, err error) {
		fmt.Fprintf(s.err, "mcpbridge: could not revoke the tokens for %s (%v); deleting them here anyway\n", redactedArg(server), shown(err.Error()))
	})
	fmt.Fprintf(s.out, "Removed %d stored credentials.\n", n)
	return err
}

// statusOptions are status's: the server when given, --account and --json.
type statusOptions struct {
	io      ioStreams
	server  string
	account string // ledger.AnyAccount without --account
	asJSON  bool
}

// newStatusCmd is `mcpbridge status`; runF, when set, runs instead of
// accountview.Status (tests of the flags).
func newStatusCmd(s ioStreams, runF func(context.Context, *statusOptions) error) *cobra.Command {
	o := &statusOptions{io: s}
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
			if len(args) == 1 {
				o.server = args[0]
			}
			o.account = accountFlag(cmd)
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return accountview.Status(o.io.out, tokencache.DefaultDir(), o.server, o.account, o.asJSON, time.Now())
		},
	}
	cmd.Flags().BoolVar(&o.asJSON, "json", false, "print JSON, for scripts")
	cmd.Flags().String("account", "", "only this --account's sign-ins (default: every account's)")
	return cmd
}
