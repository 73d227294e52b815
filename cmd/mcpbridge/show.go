package main

import (
	"strings"

	"github.com/mcpbridge/mcpbridge/internal/logx"
	"github.com/mcpbridge/mcpbridge/internal/netrule"
	"github.com/mcpbridge/mcpbridge/internal/safetext"
)

// shown makes text that may hold network text (an error, a name, a value
// from a server or the index) inert on a terminal: one line, no escape
// sequence, no bidi override; logx's rule for its lines.
func shown(s string) string { return logx.Clean(nil, s) }

// shownAll is shown for each element, with h (nil: none) applied first.
func shownAll(h *strings.Replacer, ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = logx.Clean(h, s)
	}
	return out
}

// redactedArg shows a server URL without a password or query values, inert.
func redactedArg(raw string) string { return shown(netrule.RedactString(raw)) }

// hidden applies h (nil: none) to s.
func hidden(h *strings.Replacer, s string) string {
	if h == nil {
		return s
	}
	return h.Replace(s)
}

// shownLines is shown for each line of a text that is meant to span lines
// (a diff of a host's config file), uncut: the file's lines and tabs
// stay, and nothing else in them acts on the terminal.
func shownLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		cells := strings.Split(l, "\t")
		for j, c := range cells {
			cells[j] = safetext.EscapeN(c, 0)
		}
		lines[i] = strings.Join(cells, "\t")
	}
	return strings.Join(lines, "\n")
}
