package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/mcpbridge/mcpbridge/internal/accountview"
	"github.com/mcpbridge/mcpbridge/internal/ledger"
	"github.com/mcpbridge/mcpbridge/tokencache"
)

func newGrantsCmd(s ioStreams) *cobra.Command {
	var since string
	var asJSON bool
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
			f := ledger.Filter{Account: accountFlag(cmd)}
			if len(args) == 1 {
				f.Server = args[0]
			}
			if since != "" {
				t, err := ledger.ParseSince(since, time.Now())
				if f.Since = t; err != nil {
					return usageError{err}
				}
			}
			return accountview.Grants(s.out, tokencache.DefaultDir(), f, asJSON)
		},
	}
	cmd.Flags().StringVar(&since, "since", "", "only events since a duration ago (24h, 7d) or a date (2006-01-02)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the events as one JSON array")
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
