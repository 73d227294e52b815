// Package netrule holds the one rule for URLs that come from the network:
// from a server, a metadata document, a registration, token or device
// authorization response, a WWW-Authenticate challenge, an SSE endpoint
// event or a redirect. Such a URL is parsed, must be absolute, https — or
// http to a loopback host only — without user info, fragment, control or
// space characters, and is used in its re-serialized form only, so that
// what is checked is what is opened, printed or sent to.
//
// netrule.go holds the rule, the one loopback test of mcpbridge and
// Redact; redact.go applies Redact to what the user typed: a URL argument,
// an index entry, the queries to hide wherever they reappear; server.go is
// the rule for the server URL the user gives (https, or http to this
// machine unless allowed).
package netrule

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/mcpbridge/mcpbridge/internal/safetext"
)

// Error is a refused URL: which field named it, what it said (escaped when
// shown), and why.
type Error struct {
	Field, Value, Reason string
}

func (e *Error) Error() string {
	return fmt.Sprintf("refusing %s %q: %s", e.Field, safetext.EscapeN(e.Value, 200), e.Reason)
}

// Check parses raw, which field of a network answer named, and applies the
// rule. It returns the parsed URL; use its String(), never raw.
func Check(field, raw string) (*url.URL, error) {
	refuse := func(reason string) (*url.URL, error) {
		return nil, &Error{Field: field, Value: raw, Reason: reason}
	}
	if raw == "" {
		return refuse("it is empty")
	}
	if !Printable(raw) {
		return refuse("it holds a space or control character")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return refuse("it is not a URL")
	}
	if err := CheckURL(u); err != nil {
		return refuse(err.Error())
	}
	return u, nil
}

// Printable reports whether raw, a URL or reference as the network sent
// it, holds no space and no control character (url.Parse lets some
// through, and what is checked must be what is used).
func Printable(raw string) bool {
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c <= 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

// CheckString is Check returning the re-serialized URL.
func CheckString(field, raw string) (string, error) {
	u, err := Check(field, raw)
	if err != nil {
		return "", err
	}
	return u.String(), nil
}

// CheckURL applies the rule to a parsed URL (a redirect's target, a URL
// resolved against another): the reason, or nil.
func CheckURL(u *url.URL) error {
	switch {
	case u.Opaque != "" || u.Host == "":
		return fmt.Errorf("it is not an absolute URL with a host")
	case u.User != nil:
		return fmt.Errorf("it carries user info (credentials in a URL)")
	case u.Fragment != "" || u.RawFragment != "":
		return fmt.Errorf("it carries a fragment")
	case strings.ContainsAny(u.Host, " \t\r\n\\"):
		return fmt.Errorf("its host is malformed")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if IsLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("plain http to %s would cross the network unencrypted (only https, or http to this machine)", u.Hostname())
	}
	return fmt.Errorf("the scheme %q is not https", u.Scheme)
}

// IsLoopback reports whether host (a name or an address, without port or
// brackets) is this machine: "localhost" or a loopback address (127.0.0.0/8,
// ::1). Other names that may resolve to loopback are not trusted to.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Redact renders a URL the user gave (the server URL) for any line, log,
// index or report: no password, and every query value hidden, since servers
// take API keys there. The names stay, so the user still recognises it.
func Redact(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	if c.User != nil {
		c.User = url.User(c.User.Username())
	}
	if c.RawQuery != "" || c.ForceQuery {
		var parts []string
		for _, kv := range strings.Split(c.RawQuery, "&") {
			k, _, _ := strings.Cut(kv, "=")
			if k != "" {
				parts = append(parts, k+"=REDACTED")
			}
		}
		c.RawQuery, c.ForceQuery = strings.Join(parts, "&"), false
	}
	c.Fragment, c.RawFragment = "", ""
	return c.Redacted()
}

// WithoutQuery is u without query and fragment: the default RFC 8707
// resource (§2: it MUST NOT include a query or fragment component).
func WithoutQuery(u *url.URL) *url.URL {
	c := *u
	c.RawQuery, c.ForceQuery, c.Fragment, c.RawFragment = "", false, "", ""
	return &c
}
