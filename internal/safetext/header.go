package safetext

import "strings"

// RedactHeader renders a header line ("Name: value") for a message: its
// name, never its value, which may be a token. It does not escape; the
// message is escaped where it is shown.
func RedactHeader(s string) string {
	if name, _, ok := strings.Cut(s, ":"); ok {
		return strings.TrimSpace(name) + ": …"
	}
	return "…"
}
