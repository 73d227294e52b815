package mcpremote

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/spf13/pflag"

	"github.com/mcpbridge/mcpbridge/internal/safetext"
)

// ToBridge turns mcp-remote 0.15.1's arguments (the server URL first) into
// mcpbridge's with the same meaning, and says what it changed. bridgeFlags
// are mcpbridge's flags: which names it knows, which are switches, which
// repeat. mcp-remote reads its arguments loosely (args.indexOf): the first
// of a single-valued flag wins, unknown words and malformed values are
// ignored; mcpbridge would refuse them, so they are dropped here, each with
// a note.
func ToBridge(args []string, bridgeFlags *pflag.FlagSet) (out, notes []string) {
	out = []string{args[0]}
	i := 1
	if len(args) > 1 && isDigits(args[1]) {
		out, i = append(out, args[1]), 2
	}
	seen := map[string]bool{}
	for ; i < len(args); i++ {
		a := args[i]
		name, _, hasEq := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		f := bridgeFlags.Lookup(name)
		switch {
		case !strings.HasPrefix(a, "--"):
			notes = append(notes, fmt.Sprintf("dropped %q: mcp-remote ignored this stray argument", a))
			continue
		case f == nil || name == "help" || name == "version":
			notes = append(notes, fmt.Sprintf("dropped %s: not a flag of mcp-remote 0.15.1 or mcpbridge", a))
			continue
		case hasEq:
			notes = append(notes, fmt.Sprintf("kept %s: mcp-remote ignored the --flag=value form, mcpbridge applies it", a))
			out = append(out, a)
			continue
		case f.NoOptDefVal != "": // a switch
			if !seen[name] {
				out = append(out, a)
			}
			seen[name] = true
			continue
		case i+1 >= len(args):
			notes = append(notes, fmt.Sprintf("dropped %s: it has no value (mcp-remote ignored it)", a))
			continue
		}
		v := args[i+1]
		i++
		if seen[name] && f.Value.Type() != "stringArray" {
			notes = append(notes, fmt.Sprintf("dropped the second %s %q: mcp-remote used the first", a, v))
			continue
		}
		seen[name] = true
		kept, note := mapValue(name, v)
		if note != "" {
			notes = append(notes, note)
		}
		out = append(out, kept...)
	}
	if slices.Contains(out, "--debug") {
		notes = append(notes, "--debug: the log goes to mcpbridge's config folder (logs/), not ~/.mcp-auth")
	}
	return out, notes
}

// mapValue is flag --name v as mcpbridge arguments, with a note when the
// meaning needed a change.
func mapValue(name, v string) ([]string, string) {
	flag := "--" + name
	switch name {
	case "connect-timeout", "headers-timeout", "body-timeout", "ping-interval":
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		zeroOK := name == "headers-timeout" || name == "body-timeout"
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) || f < 0 || f == 0 && !zeroOK {
			return nil, fmt.Sprintf("dropped %s %q: mcp-remote ignored it (not a number of seconds)", flag, v)
		}
		whole := strconv.Itoa(int(math.Ceil(f)))
		if whole != v {
			return []string{flag, whole}, fmt.Sprintf("%s %s became %s: mcpbridge takes whole seconds", flag, v, whole)
		}
	case "auth-timeout":
		n := leadingInt(v) // mcp-remote: parseInt
		if n <= 0 {
			return nil, fmt.Sprintf("dropped %s %q: mcp-remote ignored it (not a positive number)", flag, v)
		}
		if strconv.Itoa(n) != v {
			return []string{flag, strconv.Itoa(n)}, fmt.Sprintf("%s %s became %d, as mcp-remote read it", flag, v, n)
		}
	case "header":
		if !headerLine().MatchString(v) {
			return nil, fmt.Sprintf("dropped --header %q: not Name: value, so mcp-remote ignored it", safetext.RedactHeader(v))
		}
	case "resource":
		if strings.TrimSpace(v) == "" {
			return []string{"--disable-resource-parameter"}, `--resource "" became --disable-resource-parameter, its meaning in mcp-remote`
		}
	}
	return []string{flag, v}, ""
}

// headerLine is mcp-remote's parseHeaderLine.
var headerLine = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([A-Za-z0-9_-]+):\s*(.*)$`) })

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// leadingInt is JavaScript's parseInt(s, 10) for positive values; 0 when
// there is no number.
func leadingInt(s string) int {
	s = strings.TrimSpace(s)
	end := 0
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	n, _ := strconv.Atoi(s[:end])
	return n
}
