package oauthflow

import (
	"strings"
)

// Challenge is one challenge of a WWW-Authenticate header (RFC 9110
// §11.6.1), with the parameters MCP reads: resource_metadata (RFC 9728
// §5.1), scope, error and error_description (RFC 6750 §3).
type Challenge struct {
	Scheme           string            // as sent; compare with strings.EqualFold
	Params           map[string]string // parameter names in lower case
	ResourceMetadata string
	Scope            []string
	Error            string
	ErrorDescription string
}

// Bearer returns the first Bearer challenge among the parsed headers.
func Bearer(challenges []Challenge) (Challenge, bool) {
	for _, c := range challenges {
		if strings.EqualFold(c.Scheme, "Bearer") {
			return c, true
		}
	}
	return Challenge{}, false
}

// ParseWWWAuthenticate parses every WWW-Authenticate header value. A header
// may hold several challenges separated by commas; parameters are
// token=token or token="quoted string" (with \-escapes). Malformed parts are
// skipped, never guessed at: a server's typo costs that parameter only.
func ParseWWWAuthenticate(values []string) []Challenge {
	var out []Challenge
	for _, v := range values {
		p := &authParser{s: v}
		out = append(out, p.challenges()...)
	}
	return out
}

type authParser struct {
	s string
	i int
}

func (p *authParser) challenges() []Challenge {
	var out []Challenge
	for {
		p.skip(" \t,")
		if p.i >= len(p.s) {
			return out
		}
		scheme := p.token()
		if scheme == "" { // not a token: skip a character and resynchronise
			p.i++
			continue
		}
		c := Challenge{Scheme: scheme, Params: map[string]string{}}
		p.params(&c)
		c.fill()
		out = append(out, c)
	}
}

// params reads auth-params until the next challenge starts (a token that is
// not followed by '=') or the input ends. A token68 credential is skipped.
func (p *authParser) params(c *Challenge) {
	for {
		p.skip(" \t")
		start := p.i
		name := p.token()
		if name == "" {
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
				continue
			}
			p.skipToken68()
			return
		}
		p.skip(" \t")
		if p.i >= len(p.s) || p.s[p.i] != '=' {
			p.i = start // the next challenge's scheme
			return
		}
		p.i++
		if p.i < len(p.s) && p.s[p.i] == '=' { // token68 padding, not a parameter
			p.i = start
			p.skipToken68()
			return
		}
		p.skip(" \t")
		value, ok := p.value()
		if ok {
			key := strings.ToLower(name)
			if _, dup := c.Params[key]; !dup { // the first one counts
				c.Params[key] = value
			}
		}
		p.skip(" \t")
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
		}
	}
}

func (p *authParser) value() (string, bool) {
	if p.i < len(p.s) && p.s[p.i] == '"' {
		return p.quoted()
	}
	v := p.token()
	return v, v != ""
}

// quoted reads a quoted-string (RFC 9110 §5.6.4).
func (p *authParser) quoted() (string, bool) {
	var b strings.Builder
	for p.i++; p.i < len(p.s); p.i++ {
		switch c := p.s[p.i]; c {
		case '"':
			p.i++
			return b.String(), true
		case '\\':
			if p.i+1 < len(p.s) {
				p.i++
				b.WriteByte(p.s[p.i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", false // unterminated
}

func (p *authParser) token() string {
	start := p.i
	for p.i < len(p.s) && isTchar(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

func (p *authParser) skipToken68() {
	for p.i < len(p.s) && p.s[p.i] != ',' {
		p.i++
	}
}

func (p *authParser) skip(set string) {
	for p.i < len(p.s) && strings.IndexByte(set, p.s[p.i]) >= 0 {
		p.i++
	}
}

func isTchar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func (c *Challenge) fill() {
	c.ResourceMetadata = c.Params["resource_metadata"]
	if scope := strings.Fields(c.Params["scope"]); len(scope) > 0 {
		c.Scope = scope
	}
	c.Error = c.Params["error"]
	c.ErrorDescription = c.Params["error_description"]
}
