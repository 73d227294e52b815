// Package cmdutil holds what the command line's flags share that pflag
// does not give (flags.go), as cli/cli's pkg/cmdutil does for its
// commands.
package cmdutil

import (
	"strings"

	"github.com/spf13/pflag"
)

// Repeatable defines a flag given any number of times, each value appended
// to *p as given: pflag's StringArrayVar, without the encoding/csv writer
// (a 4 KiB buffer) that renders the empty default of each one defined,
// which was a sixth of building mcpbridge's root command at every start.
// Its type name, and "" for no value, keep help and docs as they were.
func Repeatable(f *pflag.FlagSet, p *[]string, name, usage string) {
	f.Var(repeatable{p}, name, usage)
}

type repeatable struct{ v *[]string }

func (r repeatable) Set(s string) error { *r.v = append(*r.v, s); return nil }
func (r repeatable) Type() string       { return "stringArray" }
func (r repeatable) String() string     { return strings.Join(*r.v, ",") }
