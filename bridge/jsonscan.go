package bridge

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// This file holds a small single-pass JSON scanner. The bridge forwards each
// message's bytes as they are; the scanner validates a message, finds the few
// top-level members routing needs (id, method, params, result, error) as
// sub-slices of the input, and notices whether the message carries any
// insignificant whitespace (and so must be compacted before it goes out on a
// newline-delimited stream). It never builds a tree and never copies.

// maxDepth bounds nesting so that a hostile message cannot exhaust the stack.
const maxDepth = 1000

var errSyntax = errors.New("invalid JSON")

// scanner walks one JSON text.
type scanner struct {
	b     []byte
	ws    bool // insignificant whitespace seen inside the value
	depth int
}

func syntaxErr(at int, what string) error {
	return fmt.Errorf("%w at byte %d: %s", errSyntax, at, what)
}

// skipSpace returns the index of the first non-whitespace byte at or after i.
func (s *scanner) skipSpace(i int) int {
	for i < len(s.b) {
		switch s.b[i] {
		case ' ', '\t', '\n', '\r':
			s.ws = true
			i++
		default:
			return i
		}
	}
	return i
}

// value validates the JSON value starting at i (no leading space) and returns
// the index just past it.
func (s *scanner) value(i int) (int, error) {
	if i >= len(s.b) {
		return i, syntaxErr(i, "unexpected end of input")
	}
	switch c := s.b[i]; {
	case c == '"':
		return s.str(i)
	case c == '{':
		return s.object(i, nil)
	case c == '[':
		return s.array(i, nil)
	case c == 't':
		return s.literal(i, "true")
	case c == 'f':
		return s.literal(i, "false")
	case c == 'n':
		return s.literal(i, "null")
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number(i)
	default:
		return i, syntaxErr(i, fmt.Sprintf("unexpected character %q", c))
	}
}

func (s *scanner) literal(i int, lit string) (int, error) {
	if len(s.b)-i < len(lit) || string(s.b[i:i+len(lit)]) != lit {
		return i, syntaxErr(i, "invalid literal")
	}
	return i + len(lit), nil
}

// str validates the string starting at the quote at i.
func (s *scanner) str(i int) (int, error) {
	i++
	for {
		// Fast path: runs of ordinary bytes.
		j := i
		for j < len(s.b) {
			c := s.b[j]
			if c == '"' || c == '\\' || c < 0x20 {
				break
			}
			j++
		}
		if j >= len(s.b) {
			return j, syntaxErr(j, "unterminated string")
		}
		switch c := s.b[j]; {
		case c == '"':
			return j + 1, nil
		case c < 0x20:
			return j, syntaxErr(j, "control character in string")
		}
		// Backslash escape.
		if j+1 >= len(s.b) {
			return j, syntaxErr(j, "unterminated escape")
		}
		switch s.b[j+1] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			i = j + 2
		case 'u':
			if j+6 > len(s.b) || !isHex4(s.b[j+2:j+6]) {
				return j, syntaxErr(j, `invalid \u escape`)
			}
			i = j + 6
		default:
			return j, syntaxErr(j, "invalid escape")
		}
	}
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// number validates a JSON number (RFC 8259 §6).
func (s *scanner) number(i int) (int, error) {
	start := i
	if s.b[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s.b) && s.b[i] >= '0' && s.b[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(s.b) && s.b[i] == '0' {
		i++
	} else if digits() == 0 {
		return i, syntaxErr(start, "invalid number")
	}
	if i < len(s.b) && s.b[i] == '.' {
		i++
		if digits() == 0 {
			return i, syntaxErr(start, "invalid number")
		}
	}
	if i < len(s.b) && (s.b[i] == 'e' || s.b[i] == 'E') {
		i++
		if i < len(s.b) && (s.b[i] == '+' || s.b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return i, syntaxErr(start, "invalid number")
		}
	}
	return i, nil
}

// member is called for each member of an object: key is the raw key without
// quotes (escapes left as they are), val the value's bytes.
type memberFunc func(key, val []byte)

// object validates the object at i; visit, when not nil, sees each member.
func (s *scanner) object(i int, visit memberFunc) (int, error) {
	if s.depth++; s.depth > maxDepth {
		return i, syntaxErr(i, "nesting too deep")
	}
	defer func() { s.depth-- }()
	i = s.skipSpace(i + 1)
	if i < len(s.b) && s.b[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(s.b) || s.b[i] != '"' {
			return i, syntaxErr(i, "expected object key")
		}
		kEnd, err := s.str(i)
		if err != nil {
			return kEnd, err
		}
		key := s.b[i+1 : kEnd-1]
		i = s.skipSpace(kEnd)
		if i >= len(s.b) || s.b[i] != ':' {
			return i, syntaxErr(i, "expected ':'")
		}
		i = s.skipSpace(i + 1)
		vStart := i
		if i, err = s.value(i); err != nil {
			return i, err
		}
		if visit != nil {
			visit(key, s.b[vStart:i])
		}
		i = s.skipSpace(i)
		if i >= len(s.b) {
			return i, syntaxErr(i, "unterminated object")
		}
		switch s.b[i] {
		case ',':
			i = s.skipSpace(i + 1)
		case '}':
			return i + 1, nil
		default:
			return i, syntaxErr(i, "expected ',' or '}'")
		}
	}
}

// array validates the array at i; visit, when not nil, sees each element.
func (s *scanner) array(i int, visit func(elem []byte)) (int, error) {
	if s.depth++; s.depth > maxDepth {
		return i, syntaxErr(i, "nesting too deep")
	}
	defer func() { s.depth-- }()
	i = s.skipSpace(i + 1)
	if i < len(s.b) && s.b[i] == ']' {
		return i + 1, nil
	}
	for {
		start := i
		var err error
		if i, err = s.value(i); err != nil {
			return i, err
		}
		if visit != nil {
			visit(s.b[start:i])
		}
		i = s.skipSpace(i)
		if i >= len(s.b) {
			return i, syntaxErr(i, "unterminated array")
		}
		switch s.b[i] {
		case ',':
			i = s.skipSpace(i + 1)
		case ']':
			return i + 1, nil
		default:
			return i, syntaxErr(i, "expected ',' or ']'")
		}
	}
}

// validJSON reports whether b is exactly one JSON value, surrounded by
// optional whitespace, and whether it holds insignificant whitespace.
func validJSON(b []byte) (ok, hasSpace bool) {
	s := scanner{b: b}
	i := s.skipSpace(0)
	end, err := s.value(i)
	if err != nil {
		return false, false
	}
	if s.skipSpace(end) != len(b) {
		return false, false
	}
	return true, s.ws
}

// members validates the object b and calls visit for each top-level member.
func members(b []byte, visit memberFunc) error {
	s := scanner{b: b}
	i := s.skipSpace(0)
	if i >= len(b) || b[i] != '{' {
		return syntaxErr(i, "expected an object")
	}
	end, err := s.object(i, visit)
	if err != nil {
		return err
	}
	if s.skipSpace(end) != len(b) {
		return syntaxErr(end, "data after the object")
	}
	return nil
}

// field returns the value of the top-level member key of the object obj, or
// nil when obj is not an object or has no such member. obj is assumed to have
// been validated already.
func field(obj []byte, key string) []byte {
	var out []byte
	_ = members(obj, func(k, v []byte) {
		if out == nil && string(k) == key {
			out = v
		}
	})
	return out
}

// elements calls visit for each element of the JSON array b.
func elements(b []byte, visit func(elem []byte)) error {
	s := scanner{b: b}
	i := s.skipSpace(0)
	if i >= len(b) || b[i] != '[' {
		return syntaxErr(i, "expected an array")
	}
	_, err := s.array(i, visit)
	return err
}

// stringValue decodes a JSON string value; ok is false for anything else.
func stringValue(v []byte) (string, bool) {
	if len(v) < 2 || v[0] != '"' {
		return "", false
	}
	inner := v[1 : len(v)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return string(inner), true
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", false
	}
	return s, true
}

// compact returns b without insignificant whitespace.
func compact(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(b))
	if err := json.Compact(&buf, b); err != nil {
		return nil, fmt.Errorf("compact: %w", err)
	}
	return buf.Bytes(), nil
}
