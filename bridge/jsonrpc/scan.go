package jsonrpc

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// This file holds a small single-pass JSON scanner. The bridge forwards each
// message's bytes as they are; the scanner validates a message, finds the few
// top-level members routing needs (id, method, params, result, error), and
// notices whether the message carries insignificant whitespace (and so must
// be compacted before it goes out on a newline-delimited stream). It never
// builds a tree.
//
// It reads its input as a rope: a list of chunks, so that a large answer
// read from the network in pieces is validated where it lies and written out
// from the same pieces, never copied whole. Contiguous input is a rope of one
// chunk, and then every value it reports is a sub-slice of the input.

// MaxDepth bounds nesting so that a hostile message cannot exhaust the stack.
const MaxDepth = 1000

var ErrSyntax = errors.New("invalid JSON")

// scanner walks one JSON text with a cursor.
type scanner struct {
	chunks [][]byte
	ci     int    // index of cur in chunks
	cur    []byte // the chunk under the cursor
	i      int    // cursor within cur
	base   int    // offset of cur[0] in the whole input
	ws     bool   // insignificant whitespace seen
	depth  int
}

func newScanner(chunks ...[]byte) *scanner {
	s := &scanner{chunks: chunks}
	if len(chunks) > 0 {
		s.cur = chunks[0]
	}
	return s
}

func syntaxErr(at int, what string) error {
	return fmt.Errorf("%w at byte %d: %s", ErrSyntax, at, what)
}

// pos is the cursor's offset in the whole input.
func (s *scanner) pos() int { return s.base + s.i }

// peek returns the byte under the cursor; ok is false at the end.
func (s *scanner) peek() (byte, bool) {
	if s.i < len(s.cur) {
		return s.cur[s.i], true
	}
	return s.nextChunk()
}

// nextChunk moves the cursor to the start of the next non-empty chunk.
func (s *scanner) nextChunk() (byte, bool) {
	for s.i >= len(s.cur) {
		if s.ci+1 >= len(s.chunks) {
			return 0, false
		}
		s.base += len(s.cur)
		s.ci++
		s.cur, s.i = s.chunks[s.ci], 0
	}
	return s.cur[s.i], true
}

// expect consumes c or fails.
func (s *scanner) expect(c byte, what string) error {
	if b, ok := s.peek(); !ok || b != c {
		return syntaxErr(s.pos(), what)
	}
	s.i++
	return nil
}

// skipSpace moves past whitespace.
func (s *scanner) skipSpace() {
	for {
		c, ok := s.peek()
		if !ok {
			return
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			s.ws = true
			s.i++
		default:
			return
		}
	}
}

// slice returns the input between two offsets: a sub-slice when it lies in
// one chunk (always, for contiguous input), a copy otherwise.
func (s *scanner) slice(from, to int) []byte {
	off := 0
	for _, c := range s.chunks {
		if from >= off && to <= off+len(c) {
			return c[from-off : to-off]
		}
		off += len(c)
	}
	out := make([]byte, 0, to-from)
	off = 0
	for _, c := range s.chunks {
		lo, hi := max(from-off, 0), min(to-off, len(c))
		if lo < hi {
			out = append(out, c[lo:hi]...)
		}
		off += len(c)
	}
	return out
}

// value validates the JSON value at the cursor (no leading space).
func (s *scanner) value() error {
	c, ok := s.peek()
	if !ok {
		return syntaxErr(s.pos(), "unexpected end of input")
	}
	switch {
	case c == '"':
		return s.str()
	case c == '{':
		return s.object(nil)
	case c == '[':
		return s.array(nil)
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	}
	return syntaxErr(s.pos(), fmt.Sprintf("unexpected character %q", c))
}

func (s *scanner) literal(lit string) error {
	start := s.pos()
	for k := 0; k < len(lit); k++ {
		if c, ok := s.peek(); !ok || c != lit[k] {
			return syntaxErr(start, "invalid literal")
		}
		s.i++
	}
	return nil
}

// str validates the string whose opening quote is under the cursor.
func (s *scanner) str() error {
	s.i++
	for {
		// Fast path: a run of ordinary bytes within the chunk.
		cur, j := s.cur, s.i
		j += plainRun(cur[j:])
		for j < len(cur) {
			if c := cur[j]; c == '"' || c == '\\' || c < 0x20 {
				break
			}
			j++
		}
		s.i = j
		if j == len(cur) {
			if _, ok := s.nextChunk(); !ok {
				return syntaxErr(s.pos(), "unterminated string")
			}
			continue
		}
		switch c := cur[j]; {
		case c == '"':
			s.i++
			return nil
		case c < 0x20:
			return syntaxErr(s.pos(), "control character in string")
		}
		if err := s.escape(); err != nil {
			return err
		}
	}
}

// plainRun is how many of b's leading 8-byte words hold no byte that ends
// a string's plain run (a quote, a backslash, a control character), in
// bytes: the string scan skips them a word at a time. A word with such a
// byte, and the tail, are left to the byte loop. The tests are the
// classic ones for a zero byte and a byte below n in a word ("Bit Twiddling
// Hacks", Determine if a word has a byte less than n); they may also flag a
// byte beside a true one, never miss one, which is all a skip needs.
func plainRun(b []byte) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	n := 0
	for len(b)-n >= 8 {
		w := binary.LittleEndian.Uint64(b[n:])
		q, bs := w^(ones*'"'), w^(ones*'\\')
		if ((q-ones)&^q|(bs-ones)&^bs|(w-ones*0x20)&^w)&highs != 0 {
			break
		}
		n += 8
	}
	return n
}

// escape validates the escape sequence whose backslash is under the cursor.
func (s *scanner) escape() error {
	at := s.pos()
	s.i++
	c, ok := s.peek()
	if !ok {
		return syntaxErr(at, "unterminated escape")
	}
	s.i++
	switch c {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return nil
	case 'u':
		for k := 0; k < 4; k++ {
			h, ok := s.peek()
			if !ok || !isHex(h) {
				return syntaxErr(at, `invalid \u escape`)
			}
			s.i++
		}
		return nil
	}
	return syntaxErr(at, "invalid escape")
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// digits consumes a run of digits and returns how many there were.
func (s *scanner) digits() int {
	n := 0
	for {
		c, ok := s.peek()
		if !ok || c < '0' || c > '9' {
			return n
		}
		s.i++
		n++
	}
}

// accept consumes c if it is under the cursor.
func (s *scanner) accept(set string) bool {
	c, ok := s.peek()
	if ok && strings.IndexByte(set, c) >= 0 {
		s.i++
		return true
	}
	return false
}

// number validates a JSON number (RFC 8259 §6).
func (s *scanner) number() error {
	start := s.pos()
	s.accept("-")
	if !s.accept("0") && s.digits() == 0 {
		return syntaxErr(start, "invalid number")
	}
	if s.accept(".") && s.digits() == 0 {
		return syntaxErr(start, "invalid number")
	}
	if s.accept("eE") {
		s.accept("+-")
		if s.digits() == 0 {
			return syntaxErr(start, "invalid number")
		}
	}
	return nil
}

// span is where a member's key and value lie in the input (offsets; the key
// without its quotes).
type span struct{ keyFrom, keyTo, valFrom, valTo int }

// object validates the object under the cursor; visit, when not nil, sees
// each member.
func (s *scanner) object(visit func(span)) error {
	if s.depth++; s.depth > MaxDepth {
		return syntaxErr(s.pos(), "nesting too deep")
	}
	defer func() { s.depth-- }()
	s.i++
	s.skipSpace()
	if c, ok := s.peek(); ok && c == '}' {
		s.i++
		return nil
	}
	for {
		var sp span
		if c, ok := s.peek(); !ok || c != '"' {
			return syntaxErr(s.pos(), "expected object key")
		}
		sp.keyFrom = s.pos() + 1
		if err := s.str(); err != nil {
			return err
		}
		sp.keyTo = s.pos() - 1
		s.skipSpace()
		if err := s.expect(':', "expected ':'"); err != nil {
			return err
		}
		s.skipSpace()
		sp.valFrom = s.pos()
		if err := s.value(); err != nil {
			return err
		}
		sp.valTo = s.pos()
		if visit != nil {
			visit(sp)
		}
		s.skipSpace()
		c, ok := s.peek()
		switch {
		case !ok:
			return syntaxErr(s.pos(), "unterminated object")
		case c == ',':
			s.i++
			s.skipSpace()
		case c == '}':
			s.i++
			return nil
		default:
			return syntaxErr(s.pos(), "expected ',' or '}'")
		}
	}
}

// array validates the array under the cursor; visit, when not nil, sees
// each element's offsets.
func (s *scanner) array(visit func(from, to int)) error {
	if s.depth++; s.depth > MaxDepth {
		return syntaxErr(s.pos(), "nesting too deep")
	}
	defer func() { s.depth-- }()
	s.i++
	s.skipSpace()
	if c, ok := s.peek(); ok && c == ']' {
		s.i++
		return nil
	}
	for {
		from := s.pos()
		if err := s.value(); err != nil {
			return err
		}
		if visit != nil {
			visit(from, s.pos())
		}
		s.skipSpace()
		c, ok := s.peek()
		switch {
		case !ok:
			return syntaxErr(s.pos(), "unterminated array")
		case c == ',':
			s.i++
			s.skipSpace()
		case c == ']':
			s.i++
			return nil
		default:
			return syntaxErr(s.pos(), "expected ',' or ']'")
		}
	}
}

// whole scans one value filling the input, with optional surrounding space.
func (s *scanner) whole(scan func() error) error {
	s.skipSpace()
	if err := scan(); err != nil {
		return err
	}
	s.skipSpace()
	if _, ok := s.peek(); ok {
		return syntaxErr(s.pos(), "data after the value")
	}
	return nil
}

// MemberFunc sees one member of an object: the raw key without quotes
// (escapes left as they are) and the value's bytes.
type MemberFunc func(key, val []byte)

// Members validates the object b and calls visit for each top-level member.
func Members(b []byte, visit MemberFunc) error {
	s := newScanner(b)
	return s.whole(func() error {
		if c, ok := s.peek(); !ok || c != '{' {
			return syntaxErr(s.pos(), "expected an object")
		}
		return s.object(func(sp span) {
			visit(b[sp.keyFrom:sp.keyTo], b[sp.valFrom:sp.valTo])
		})
	})
}

// Field returns the value of the top-level member key of the object obj, or
// nil when obj is not an object or has no such member. As in encoding/json,
// when a key appears twice the last one wins.
func Field(obj []byte, key string) []byte {
	var out []byte
	_ = Members(obj, func(k, v []byte) {
		if KeyIs(k, key) {
			out = v
		}
	})
	return out
}

// KeyIs compares a raw member name (escapes as written) with name.
func KeyIs(raw []byte, name string) bool {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw) == name
	}
	var s string
	return json.Unmarshal(append(append([]byte{'"'}, raw...), '"'), &s) == nil && s == name
}

// Elements calls visit for each element of the JSON array b.
func Elements(b []byte, visit func(elem []byte)) error {
	s := newScanner(b)
	return s.whole(func() error {
		if c, ok := s.peek(); !ok || c != '[' {
			return syntaxErr(s.pos(), "expected an array")
		}
		return s.array(func(from, to int) { visit(b[from:to]) })
	})
}

// StringValue decodes a JSON string value; ok is false for anything else.
func StringValue(v []byte) (string, bool) {
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

// Compact returns b without insignificant whitespace.
func Compact(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(b))
	if err := json.Compact(&buf, b); err != nil {
		return nil, fmt.Errorf("compact: %w", err)
	}
	return buf.Bytes(), nil
}
