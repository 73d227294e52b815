package main

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcpbridge/mcpbridge/internal/accountview"
	"github.com/mcpbridge/mcpbridge/internal/ledger"
	"github.com/mcpbridge/mcpbridge/tokencache"
)

// grantsOptions are grants's: the events it shows (the server when given,
// --account and --since, read into filter) and --json.
type grantsOptions struct {
	io     ioStreams
	since  string
	filter ledger.Filter
	asJSON bool
}

// newGrantsCmd is `mcpbridge grants`; runF, when set, runs instead of
// accountview.Grants (tests of the flags).
func newGrantsCmd(s ioStreams, runF func(context.Context, *grantsOptions) error) *cobra.Command {
	o := &grantsOptions{io: s}
	cmd := &cobra.Command{
		Use:   "grants [URL]",
		Short: "Review what you granted: the grant ledger",
		Long: `grants shows the grant ledger: every sign-in, refresh, step-up, refusal, logout
and forgotten credential, per server (authorization server, scopes granted, first
granted, last refreshed, expiry, events). It never shows a secret.`,
		Example: `  mcpbridge grants
  mcpbridge grants https://mcp.example.com/mcp --since 7d --json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.filter.Account = accountFlag(cmd)
			if len(args) == 1 {
				o.filter.Server = args[0]
			}
			if o.since != "" {
				t, err := ledger.ParseSince(o.since, time.Now())
				if o.filter.Since = t; err != nil {
					return usageError{err}
				}
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return accountview.Grants(o.io.out, tokencache.DefaultDir(), o.filter, o.asJSON)
		},
	}
	cmd.Flags().StringVar(&o.since, "since", "", "only events since a duration ago (24h, 7d) or a date (2006-01-02)")
	cmd.Flags().BoolVar(&o.asJSON, "json", false, "print the events as one JSON array")
	cmd.Flags().String("account", "", "only this --account's events (default: every account's)")
	return cmd
}

// accountFlag is --account of status and grants: one account's entries,
// or every account's when not given.
func accountFlag(cmd *cobra.Command) string {
	if !cmd.Flags().Changed("account") {
		return ledger.AnyAccount
	}
	name, _ := cmd.Flags().GetString("account")
	return name
}
