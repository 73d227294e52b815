//go:build gendocs

package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/mcpbridge/mcpbridge/internal/gendocs"
)

// The man page generator (cobra/doc, go-md2man, blackfriday) costs ~2 ms
// and 200 KB at every start: it is linked only into the build the release
// runs for its pages (go run -tags gendocs ./cmd/mcpbridge gen-docs DIR).
func extraCommands() []func() *cobra.Command { return []func() *cobra.Command{newGenDocsCmd} }

// newGenDocsCmd is for the release build (goreleaser's before hook): it
// writes shell completions and man pages for this command tree into DIR.
// Hidden, so it shows in no help, completion or man page.
func newGenDocsCmd() *cobra.Command {
	var epoch int64
	cmd := &cobra.Command{
		Use:    "gen-docs DIR",
		Short:  "Write shell completions and man pages into DIR (for packagers)",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o := gendocs.Options{Dir: args[0], Source: "mcpbridge " + version}
			if epoch > 0 {
				o.Date = time.Unix(epoch, 0)
			}
			return gendocs.Write(cmd.Root(), o)
		},
	}
	cmd.Flags().Int64Var(&epoch, "date", 0, "the man pages' date, in Unix seconds (default: SOURCE_DATE_EPOCH, else now)")
	return cmd
}
