package bridge

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
)

// kind is what a JSON-RPC message is, as far as routing cares.
type kind int

const (
	kindInvalid kind = iota
	kindRequest
	kindNotification
	kindResponse
)

// message is one JSON-RPC message: its compact bytes, forwarded as they are,
// and the members routing reads, as sub-slices of raw.
type message struct {
	raw    []byte   // the message; nil when it is kept in parts
	parts  [][]byte // a large message as the pieces it was read in
	kind   kind
	id     []byte // raw id value; nil when absent
	idAt   int    // where the id lies in the message
	method string
	params []byte // raw params; nil when absent
	result []byte // raw result (responses); nil when spread over parts
	errv   []byte // raw error (responses); nil when spread over parts

	hasResult, hasError bool

	via    []byte      // a server request: the id of the client request on whose answer stream it came
	modern string      // protocol version from params._meta (2026-07-28 and later); "" otherwise
	header http.Header // headers the request needs beyond the session's (modern requests)
}

// JSON-RPC 2.0 error codes (https://www.jsonrpc.org/specification#error_object).
const (
	codeParseError     = -32700
	codeInvalidRequest = -32600
	codeMethodNotFound = -32601
	codeInvalidParams  = -32602
	codeInternalError  = -32603
	// codeServerError is in the range JSON-RPC reserves for implementation
	// errors; the bridge uses it when the remote server cannot be reached or
	// answered with something that is not a JSON-RPC answer.
	codeServerError = -32000
)

// invalidMessage is returned by parseMessage for JSON that is not a JSON-RPC
// message; id is the message's id when it had a usable one.
type invalidMessage struct {
	id     []byte
	reason string
}

func (e *invalidMessage) Error() string { return "invalid JSON-RPC message: " + e.reason }

// parseMessage validates b as one JSON-RPC 2.0 message object. b must not be
// modified afterwards: the message keeps sub-slices of it. Messages with
// insignificant whitespace are compacted into a new buffer.
func parseMessage(b []byte) (*message, error) {
	return parseParts([][]byte{trimSpace(b)}) // whitespace around a message is not worth a copy
}

// parseParts validates a message that arrived in pieces (a large answer read
// in chunks). The message keeps the pieces and goes out from them: only its
// small members (id, method) are ever copied.
func parseParts(parts [][]byte) (*message, error) {
	m := &message{}
	if len(parts) == 1 {
		m.raw = parts[0]
	} else {
		m.parts = parts
	}
	s := newScanner(parts...)
	var jsonrpc, method span
	var seenID, seenMethod, notObject bool
	err := s.whole(func() error {
		if c, ok := s.peek(); !ok || c != '{' {
			notObject = true
			return s.value()
		}
		return s.object(func(sp span) {
			key := s.slice(sp.keyFrom, sp.keyTo)
			if bytes.IndexByte(key, '\\') >= 0 {
				key = []byte(memberName(key))
			}
			switch string(key) { // compared in place: no copy
			case "jsonrpc":
				jsonrpc = sp
			case "id":
				m.id, m.idAt, seenID = s.slice(sp.valFrom, sp.valTo), sp.valFrom, true
			case "method":
				method, seenMethod = sp, true
			case "params":
				m.params = m.small(sp)
			case "result":
				m.result, m.hasResult = m.small(sp), true
			case "error":
				m.errv, m.hasError = m.small(sp), true
			}
		})
	})
	switch {
	case err != nil:
		return nil, err
	case notObject:
		return nil, &invalidMessage{reason: "not a JSON object"}
	case s.ws:
		c, err := compact(m.bytes())
		if err != nil {
			return nil, err
		}
		return parseMessage(c)
	}
	var methodRaw []byte
	if seenMethod {
		methodRaw = s.slice(method.valFrom, method.valTo)
	}
	jr := []byte(nil)
	if jsonrpc.valTo > 0 {
		jr = s.slice(jsonrpc.valFrom, jsonrpc.valTo)
	}
	return m, m.classify(seenID, jr, methodRaw, m.hasResult, m.hasError)
}

// memberName decodes a raw member name when it holds escapes.
func memberName(raw []byte) string {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw)
	}
	s, _ := stringValue(append(append([]byte{'"'}, raw...), '"'))
	return s
}

// small returns a member's value when it lies in one piece (always, for a
// contiguous message); a value spread over pieces is left out, and readers
// that need it flatten the message first.
func (m *message) small(sp span) []byte {
	if m.parts == nil {
		return m.raw[sp.valFrom:sp.valTo]
	}
	return nil
}

// bytes returns the whole message contiguously (a copy for a pieced one).
func (m *message) bytes() []byte {
	if m.parts == nil {
		return m.raw
	}
	return bytes.Join(m.parts, nil)
}

// flat returns m with every member readable: m itself, or for a pieced
// message a contiguous copy.
func (m *message) flat() *message {
	if m.parts == nil {
		return m
	}
	f, err := parseMessage(m.bytes())
	if err != nil { // cannot happen: m was valid
		return m
	}
	return f
}

// classify sets m.kind, or explains why the message is not JSON-RPC.
func (m *message) classify(seenID bool, jsonrpc, method []byte, hasResult, hasError bool) error {
	if seenID && !validID(m.id) {
		m.id = nil
		return &invalidMessage{reason: "id must be a string or a number"}
	}
	bad := func(reason string) error { return &invalidMessage{id: m.id, reason: reason} }
	if v, _ := stringValue(jsonrpc); v != "2.0" {
		return bad(`"jsonrpc" must be "2.0"`)
	}
	if method != nil {
		name, ok := stringValue(method)
		if !ok {
			return bad(`"method" must be a string`)
		}
		m.method = name
		if seenID {
			if string(m.id) == "null" {
				return bad("a request's id must not be null")
			}
			m.kind = kindRequest
		} else {
			m.kind = kindNotification
		}
		return nil
	}
	if seenID && hasResult != hasError {
		m.kind = kindResponse
		return nil
	}
	return bad("neither a request, a notification nor a response")
}

// validID reports whether an id is a string, a number or null.
func validID(id []byte) bool {
	if len(id) == 0 {
		return false
	}
	switch c := id[0]; {
	case c == '"', c == '-', c >= '0' && c <= '9':
		return true
	}
	return string(id) == "null"
}

// idKey is the key under which a request waits for its answer. Strings are
// their decoded text behind a quote, numbers their exact value, so 1 and "1"
// differ as JSON-RPC says they do, while the same id re-written by a server
// matches: "café" and "caf\u00e9", 1e2 and 100. Values that differ never
// match: 9007199254740993 is not 9007199254740992.
func idKey(id []byte) string {
	if len(id) == 0 {
		return ""
	}
	if id[0] != '"' {
		return numberKey(id)
	}
	if len(id) < 2 {
		return string(id)
	}
	if bytes.IndexByte(id, '\\') < 0 {
		return string(id[:len(id)-1])
	}
	if s, ok := stringValue(id); ok {
		return `"` + s
	}
	return string(id)
}

// numberKey is a plain integer's bytes, or the exact value of any other
// number (fraction, exponent, -0) as a reduced fraction.
func numberKey(n []byte) string {
	if bytes.IndexAny(n, ".eE") < 0 && !bytes.HasPrefix(n, []byte("-0")) {
		return string(n)
	}
	r, ok := new(big.Rat).SetString(string(n))
	if !ok || len(n) > 64 { // not a number, or one too long to expand safely
		return string(n)
	}
	return r.RatString()
}

// withID returns m answering to the client's own id bytes, when the server
// wrote the same id differently.
func (m *message) withID(id []byte) *message {
	if bytes.Equal(m.id, id) {
		return m
	}
	whole := m.bytes()
	out := make([]byte, 0, len(whole)+len(id))
	out = append(out, whole[:m.idAt]...)
	out = append(out, id...)
	out = append(out, whole[m.idAt+len(m.id):]...)
	if re, err := parseMessage(out); err == nil {
		return re
	}
	return m // cannot happen: only a valid id replaced a valid id
}

// rpcError is the error object of a JSON-RPC error response.
type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    any    `json:"data,omitempty"`
}

// errorResponse builds a JSON-RPC error response for id (null when nil),
// keeping the id's bytes exactly as the client sent them.
func errorResponse(id []byte, code int, msg string, data any) []byte {
	if id == nil {
		id = []byte("null")
	}
	e, err := json.Marshal(rpcError{Code: code, Message: msg, Data: data})
	if err != nil { // data that cannot be encoded: drop it, keep the answer
		e, _ = json.Marshal(rpcError{Code: code, Message: msg})
	}
	out := make([]byte, 0, len(id)+len(e)+32)
	out = append(out, `{"jsonrpc":"2.0","id":`...)
	out = append(out, id...)
	out = append(out, `,"error":`...)
	out = append(out, e...)
	return append(out, '}')
}

// errorFor builds the answer the client gets when its request failed for err.
func errorFor(id []byte, err error) []byte {
	return errorResponse(id, codeServerError, fmt.Sprintf("mcpbridge: %v", err), nil)
}

// trimSpace drops JSON whitespace around b without copying.
func trimSpace(b []byte) []byte { return trimRight(trimLeft(b)) }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func trimLeft(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	return b
}

func trimRight(b []byte) []byte {
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// trimParts drops JSON whitespace around a pieced message (only at its
// outer edges: inside, a piece may well end in a string's space).
func trimParts(parts [][]byte) [][]byte {
	for len(parts) > 0 {
		if parts[0] = trimLeft(parts[0]); len(parts[0]) > 0 {
			break
		}
		parts = parts[1:]
	}
	for len(parts) > 0 {
		n := len(parts) - 1
		if parts[n] = trimRight(parts[n]); len(parts[n]) > 0 {
			break
		}
		parts = parts[:n]
	}
	return parts
}

// readMeta sets m.modern from params._meta when the message declares its
// protocol version there.
func (m *message) readMeta() {
	if m.params == nil {
		return
	}
	meta := field(m.params, "_meta")
	if meta == nil {
		return
	}
	if v, ok := stringValue(field(meta, metaProtocolVersion)); ok {
		m.modern = v
	}
}

// metaProtocolVersion is the _meta member that carries a request's protocol
// version (2026-07-28 basic/index §Protocol Version).
const metaProtocolVersion = "io.modelcontextprotocol/protocolVersion"
