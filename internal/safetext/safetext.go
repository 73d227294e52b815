// Package safetext renders text that came from the network — an HTML error
// page, an error_description, a URL, a header — so that it can reach a
// terminal, a log or an error message without acting on them: no escape
// sequence (a colour change, a cursor move, an OSC 52 clipboard write, a
// title change), no line break that forges a log line, no bidi override
// that shows text in another order than it is read (CVE-2021-42574).
//
// It is the one escaping function of mcpbridge (safetext.go: Escape, and
// Line and Lines for a body's first bytes and a multi-line text); the fuzz
// target in safetext_test.go feeds it every byte. header.go keeps a
// header's value out of messages.
package safetext

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DefaultMax is how many bytes of escaped text Escape keeps.
const DefaultMax = 300

// Escape renders s as one line of inert text, at most DefaultMax bytes.
func Escape(s string) string { return EscapeN(s, DefaultMax) }

// EscapeN renders s as one line of inert text of at most max bytes (plus
// "…" when cut; max <= 0: no cap). Printable text is kept as it is; C0 and
// C1 controls, DEL, Unicode format characters (the bidi overrides and
// isolates, zero-width characters, the byte order mark), line and paragraph
// separators and invalid UTF-8 are shown visibly: \n, \t, \x1b, \u202e.
func EscapeN(s string, max int) string {
	if safe(s) && (max <= 0 || len(s) <= max) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		piece := s[i : i+size]
		switch {
		case r == utf8.RuneError && size == 1:
			piece = `\x` + hex2(s[i])
		case needsEscape(r):
			piece = escapeRune(r)
		}
		if max > 0 && b.Len()+len(piece) > max {
			b.WriteString("…")
			return b.String()
		}
		b.WriteString(piece)
		i += size
	}
	return b.String()
}

// safe reports whether s needs no escaping (the common case, checked
// without allocating).
func safe(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return asciiFreeSafe(s[i:])
		}
	}
	return true
}

func asciiFreeSafe(s string) bool {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return false
			}
		}
		if needsEscape(r) {
			return false
		}
	}
	return true
}

// needsEscape: controls (Cc: C0, DEL, C1), format characters (Cf: bidi
// embeddings, overrides and isolates, marks, zero-width joiners, BOM), line
// and paragraph separators (Zl, Zp), and private-use and unassigned
// surrogates that no terminal should be handed.
func needsEscape(r rune) bool {
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Co, unicode.Cs)
}

func escapeRune(r rune) string {
	switch r {
	case '\n':
		return `\n`
	case '\r':
		return `\r`
	case '\t':
		return `\t`
	}
	if r < 0x100 {
		return `\x` + hex2(byte(r))
	}
	h := strconv.FormatInt(int64(r), 16)
	if len(h) <= 4 {
		return `\u` + strings.Repeat("0", 4-len(h)) + h
	}
	return `\U` + strings.Repeat("0", 8-len(h)) + h
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&0xf]})
}

// Line is Escape after folding runs of white space (a body's first bytes
// as one readable line).
func Line(b []byte, max int) string {
	if len(b) > 4*max {
		b = b[:4*max]
	}
	return EscapeN(strings.Join(strings.Fields(string(b)), " "), max)
}

// Lines is EscapeN, uncut, for each line of a text meant to span lines (a
// diff of a host's config file): its line breaks and tabs stay, nothing
// else in it acts on a terminal.
func Lines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		cells := strings.Split(l, "\t")
		for j, c := range cells {
			cells[j] = EscapeN(c, 0)
		}
		lines[i] = strings.Join(cells, "\t")
	}
	return strings.Join(lines, "\n")
}
