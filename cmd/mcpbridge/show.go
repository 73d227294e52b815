package main

import (
	"net/url"
	"strings"

	"github.com/mcpbridge/mcpbridge/internal/netrule"
	"github.com/mcpbridge/mcpbridge/internal/safetext"
)

// shownMax caps one piece of text cmd prints: long enough for an error
// chain with its URLs, short enough that a server cannot flood a terminal.
const shownMax = 4096

// shown makes text that may hold network text (an error, a name, a value
// from a server or the index) inert on a terminal: one line, no escape
// sequence, no bidi override. It is safetext with cmd's cap.
func shown(s string) string { return safetext.EscapeN(s, shownMax) }

// shownAll is shown for each element, with h (nil: none) applied first.
func shownAll(h *strings.Replacer, ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = shown(hidden(h, s))
	}
	return out
}

// redactedArg shows a server URL (an argument, or one read back from the
// credentials index, where entries written before redaction may hold it
// whole) without a password or query values, inert.
func redactedArg(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(not a URL)"
	}
	return shown(netrule.Redact(u))
}

// hideQueries hides the query of each URL among texts (the command line)
// wherever it reappears: a *url.Error, for one, carries the URL whole.
// nil when no argument is a URL with a query.
func hideQueries(texts ...string) *strings.Replacer {
	var pairs []string
	for _, raw := range texts {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" || u.RawQuery == "" {
			continue
		}
		red := netrule.Redact(u)
		_, redQuery, _ := strings.Cut(red, "?")
		pairs = append(pairs, raw, red, u.String(), red, "?"+u.RawQuery, "?"+redQuery)
	}
	if pairs == nil {
		return nil
	}
	return strings.NewReplacer(pairs...)
}

// hidden applies h (nil: none) to s.
func hidden(h *strings.Replacer, s string) string {
	if h == nil {
		return s
	}
	return h.Replace(s)
}

// sameServer tells whether an index entry's server is the URL given; both
// are compared redacted, as new entries are stored and old ones are not.
func sameServer(stored, arg string) bool {
	norm := func(s string) string { return strings.TrimSuffix(redactedArg(s), "/") }
	return norm(stored) == norm(arg)
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
