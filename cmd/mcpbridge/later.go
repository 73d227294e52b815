package main

import (
	"log/slog"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// laterFlags are mcp-remote's flags whose feature is still to come (today
// only --protocol: translating between protocol eras). They parse, so
// existing config lines start, and each one given is named on stderr as not
// yet supported: none is silently ignored.
type laterFlags struct {
	fs *pflag.FlagSet
}

func (l *laterFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	l.fs = f
}

// warn names every such flag the user gave.
func (l *laterFlags) warn(log *slog.Logger) {
	if l.fs == nil {
		return
	}
	l.fs.Visit(func(f *pflag.Flag) {
		for _, n := range laterNames {
			if n == f.Name {
				log.Warn("--" + f.Name + " is not yet supported by this version of mcpbridge; it has no effect")
			}
		}
	})
}

var laterNames []string
