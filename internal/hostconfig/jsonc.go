package hostconfig

import (
	"encoding/json"
	"errors"
	"fmt"
)

// node is one JSONC value and the bytes it spans: [start, end).
type node struct {
	kind       byte // '{', '[', '"' or 'v' (number, true, false, null)
	start, end int
	members    []*member // objects
	elems      []*node   // arrays
}

// member is one "key": value of an object.
type member struct {
	key      string
	keyStart int
	val      *node
}

// get is the object's last member named key (the one JSON parsers keep).
func (n *node) get(key string) *member {
	if n == nil || n.kind != '{' {
		return nil
	}
	for i := len(n.members) - 1; i >= 0; i-- {
		if n.members[i].key == key {
			return n.members[i]
		}
	}
	return nil
}

// maxDepth bounds nesting, so a hostile file cannot exhaust the stack.
const maxDepth = 500

// parser reads JSON with comments (// and /* */) and trailing commas, as
// VS Code and Zed write their settings. Strict JSON is a subset.
type parser struct {
	src []byte
	pos int
}

// parse returns the document's value, or nil when it holds none (an empty
// file, or only comments).
func parse(src []byte) (*node, error) {
	p := &parser{src: src}
	if len(src) >= 3 && string(src[:3]) == "\uFEFF" {
		p.pos = 3
	}
	if err := p.skip(); err != nil {
		return nil, err
	}
	if p.pos == len(src) {
		return nil, nil
	}
	n, err := p.value(0)
	if err != nil {
		return nil, err
	}
	if err := p.skip(); err != nil {
		return nil, err
	}
	if p.pos != len(src) {
		return nil, p.errorf("unexpected %q after the end of the document", src[p.pos])
	}
	if !json.Valid(plain(src[n.start:n.end])) {
		return nil, errors.New("not valid JSON: check for a stray value or a misspelled true, false or null")
	}
	return n, nil
}

func (p *parser) errorf(format string, args ...any) error {
	line, col := 1, 1
	for _, c := range p.src[:min(p.pos, len(p.src))] {
		col++
		if c == '\n' {
			line, col = line+1, 1
		}
	}
	return fmt.Errorf("line %d, column %d: %s", line, col, fmt.Sprintf(format, args...))
}

// skip passes whitespace and comments.
func (p *parser) skip() error {
	for p.pos < len(p.src) {
		switch c := p.src[p.pos]; {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			p.pos++
		case c == '/' && p.pos+1 < len(p.src) && p.src[p.pos+1] == '/':
			for p.pos < len(p.src) && p.src[p.pos] != '\n' {
				p.pos++
			}
		case c == '/' && p.pos+1 < len(p.src) && p.src[p.pos+1] == '*':
			end := indexFrom(p.src, p.pos+2, "*/")
			if end < 0 {
				return p.errorf("a /* comment is not closed")
			}
			p.pos = end + 2
		default:
			return nil
		}
	}
	return nil
}

func indexFrom(b []byte, from int, s string) int {
	for i := from; i+len(s) <= len(b); i++ {
		if string(b[i:i+len(s)]) == s {
			return i
		}
	}
	return -1
}

func (p *parser) value(depth int) (*node, error) {
	if depth > maxDepth {
		return nil, p.errorf("nested too deeply")
	}
	if p.pos >= len(p.src) {
		return nil, p.errorf("the document ends where a value should be")
	}
	switch c := p.src[p.pos]; c {
	case '{':
		return p.object(depth)
	case '[':
		return p.array(depth)
	case '"':
		start := p.pos
		if err := p.str(); err != nil {
			return nil, err
		}
		return &node{kind: '"', start: start, end: p.pos}, nil
	default:
		start := p.pos
		for p.pos < len(p.src) && isLiteralByte(p.src[p.pos]) {
			p.pos++
		}
		if p.pos == start {
			return nil, p.errorf("unexpected %q where a value should be", c)
		}
		return &node{kind: 'v', start: start, end: p.pos}, nil
	}
}

func isLiteralByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.'
}

// str passes a string token, escapes included.
func (p *parser) str() error {
	start := p.pos
	for p.pos++; p.pos < len(p.src); p.pos++ {
		switch p.src[p.pos] {
		case '\\':
			p.pos++
		case '\n':
			p.pos = start
			return p.errorf("a string is not closed on its line")
		case '"':
			p.pos++
			return nil
		}
	}
	p.pos = start
	return p.errorf("a string is not closed")
}

func (p *parser) object(depth int) (*node, error) {
	n := &node{kind: '{', start: p.pos}
	p.pos++
	for {
		if err := p.skip(); err != nil {
			return nil, err
		}
		if p.pos < len(p.src) && p.src[p.pos] == '}' {
			p.pos++
			n.end = p.pos
			return n, nil
		}
		m, err := p.member(depth)
		if err != nil {
			return nil, err
		}
		n.members = append(n.members, m)
		if err := p.skip(); err != nil {
			return nil, err
		}
		if p.pos >= len(p.src) {
			return nil, p.errorf("an object is not closed")
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
		case '}':
		default:
			return nil, p.errorf("expected , or } after the value of %q", m.key)
		}
	}
}

func (p *parser) member(depth int) (*member, error) {
	if p.pos >= len(p.src) || p.src[p.pos] != '"' {
		return nil, p.errorf("expected a \"name\" in an object")
	}
	m := &member{keyStart: p.pos}
	if err := p.str(); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(p.src[m.keyStart:p.pos], &m.key); err != nil {
		return nil, p.errorf("a name is not a valid JSON string")
	}
	if err := p.skip(); err != nil {
		return nil, err
	}
	if p.pos >= len(p.src) || p.src[p.pos] != ':' {
		return nil, p.errorf("expected : after %q", m.key)
	}
	p.pos++
	if err := p.skip(); err != nil {
		return nil, err
	}
	v, err := p.value(depth + 1)
	if err != nil {
		return nil, err
	}
	m.val = v
	return m, nil
}

func (p *parser) array(depth int) (*node, error) {
	n := &node{kind: '[', start: p.pos}
	p.pos++
	for {
		if err := p.skip(); err != nil {
			return nil, err
		}
		if p.pos < len(p.src) && p.src[p.pos] == ']' {
			p.pos++
			n.end = p.pos
			return n, nil
		}
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		n.elems = append(n.elems, v)
		if err := p.skip(); err != nil {
			return nil, err
		}
		if p.pos >= len(p.src) {
			return nil, p.errorf("an array is not closed")
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
		case ']':
		default:
			return nil, p.errorf("expected , or ] in an array")
		}
	}
}

// plain is src without comments and trailing commas: JSON that
// encoding/json reads. src is one whole, well-formed JSONC value.
func plain(src []byte) []byte {
	out := make([]byte, 0, len(src))
	for i := 0; i < len(src); i++ {
		switch c := src[i]; {
		case c == '"':
			j := i + 1
			for ; j < len(src) && src[j] != '"'; j++ {
				if src[j] == '\\' {
					j++
				}
			}
			end := min(j+1, len(src))
			out = append(out, src[i:end]...)
			i = end - 1
		case c == '/' && i+1 < len(src) && (src[i+1] == '/' || src[i+1] == '*'):
			i = commentEnd(src, i) - 1
			out = append(out, ' ')
		case c == ',' && closesNext(src, i+1):
			out = append(out, ' ')
		default:
			out = append(out, c)
		}
	}
	return out
}

// commentEnd is the index just past the comment starting at i.
func commentEnd(src []byte, i int) int {
	if src[i+1] == '/' {
		for i < len(src) && src[i] != '\n' {
			i++
		}
		return i
	}
	if end := indexFrom(src, i+2, "*/"); end >= 0 {
		return end + 2
	}
	return len(src)
}

// closesNext reports whether, past whitespace and comments, the next byte
// closes an object or array: the comma before it is a trailing comma.
func closesNext(src []byte, i int) bool {
	for i < len(src) {
		switch c := src[i]; {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case c == '/' && i+1 < len(src) && (src[i+1] == '/' || src[i+1] == '*'):
			i = commentEnd(src, i)
		default:
			return c == '}' || c == ']'
		}
	}
	return false
}
