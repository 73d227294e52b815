package netrule

import (
	"net/url"
	"strings"
)

// RedactString is Redact for a URL the user typed, or one read back from
// the credentials index (where entries written before redaction may hold it
// whole); "(not a URL)" when it does not parse.
func RedactString(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(not a URL)"
	}
	return Redact(u)
}

// HideQueries hides the query of each URL among texts (a command line)
// wherever it reappears: a *url.Error, for one, carries the URL whole.
// With no URL with a query among texts, it changes nothing.
func HideQueries(texts ...string) *strings.Replacer {
	var pairs []string
	for _, raw := range texts {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" || u.RawQuery == "" {
			continue
		}
		red := Redact(u)
		_, redQuery, _ := strings.Cut(red, "?")
		pairs = append(pairs, raw, red, u.String(), red, "?"+u.RawQuery, "?"+redQuery)
	}
	return strings.NewReplacer(pairs...)
}

// SameServer tells whether an index entry's server is the URL given; both
// are compared redacted, as new entries are stored so and old ones are not.
func SameServer(stored, given string) bool {
	norm := func(s string) string { return strings.TrimSuffix(RedactString(s), "/") }
	return norm(stored) == norm(given)
}
