package jsonrpc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
)

// MaxMessageBytes bounds one message, from the client (a stdin line) or
// from the server (an answer body or an SSE event).
const MaxMessageBytes = 256 << 20

// Kind is what a JSON-RPC message is, as far as routing cares.
type Kind int

const (
	KindInvalid Kind = iota
	KindRequest
	KindNotification
	KindResponse
)

// Message is one JSON-RPC Message: its compact bytes, forwarded as they are,
// and the members routing reads, as sub-slices of raw.
type Message struct {
	Raw        []byte   // the message; nil when it is kept in parts
	Parts      [][]byte // a large message as the pieces it was read in
	Kind       Kind
	ID         []byte // raw id value; nil when absent
	idAt       int    // where the id lies in the message
	Method     string
	Params     []byte // raw params; nil when absent
	Result     []byte // raw result (responses); nil when spread over parts
	ErrorValue []byte // raw error (responses); nil when spread over parts

	HasResult, HasError bool

	Via    []byte      // a server request: the id of the client request on whose answer stream it came
	Modern string      // protocol version from params._meta (2026-07-28 and later); "" otherwise
	Header http.Header // headers the request needs beyond the session's (modern requests)
}

// JSON-RPC 2.0 error codes (https://www.jsonrpc.org/specification#error_object).
const (
	CodeParseError     = -32700
	CodeInvalidRequest = -32600
	CodeMethodNotFound = -32601
	CodeInvalidParams  = -32602
	CodeInternalError  = -32603
	// CodeServerError is in the range JSON-RPC reserves for implementation
	// errors; the bridge uses it when the remote server cannot be reached or
	// answered with something that is not a JSON-RPC answer.
	CodeServerError = -32000
)

// InvalidMessage is returned by parseMessage for JSON that is not a JSON-RPC
// message; id is the message's id when it had a usable one.
type InvalidMessage struct {
	ID     []byte
	Reason string
}

func (e *InvalidMessage) Error() string { return "invalid JSON-RPC message: " + e.Reason }

// Parse validates b as one JSON-RPC 2.0 message object. b must not be
// modified afterwards: the message keeps sub-slices of it. Messages with
// insignificant whitespace are compacted into a new buffer.
func Parse(b []byte) (*Message, error) {
	return ParseParts([][]byte{TrimSpace(b)}) // whitespace around a message is not worth a copy
}

// ParseParts validates a message that arrived in pieces (a large answer read
// in chunks). The message keeps the pieces and goes out from them: only its
// small members (id, method) are ever copied.
func ParseParts(parts [][]byte) (*Message, error) {
	m := &Message{}
	if len(parts) == 1 {
		m.Raw = parts[0]
	} else {
		m.Parts = parts
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
				m.ID, m.idAt, seenID = s.slice(sp.valFrom, sp.valTo), sp.valFrom, true
			case "method":
				method, seenMethod = sp, true
			case "params":
				m.Params = m.small(sp)
			case "result":
				m.Result, m.HasResult = m.small(sp), true
			case "error":
				m.ErrorValue, m.HasError = m.small(sp), true
			}
		})
	})
	switch {
	case err != nil:
		return nil, err
	case notObject:
		return nil, &InvalidMessage{Reason: "not a JSON object"}
	case s.ws:
		c, err := Compact(m.Bytes())
		if err != nil {
			return nil, err
		}
		return Parse(c)
	}
	var methodRaw []byte
	if seenMethod {
		methodRaw = s.slice(method.valFrom, method.valTo)
	}
	jr := []byte(nil)
	if jsonrpc.valTo > 0 {
		jr = s.slice(jsonrpc.valFrom, jsonrpc.valTo)
	}
	return m, m.classify(seenID, jr, methodRaw, m.HasResult, m.HasError)
}

// memberName decodes a raw member name when it holds escapes.
func memberName(raw []byte) string {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw)
	}
	s, _ := StringValue(append(append([]byte{'"'}, raw...), '"'))
	return s
}

// small returns a member's value when it lies in one piece (always, for a
// contiguous message); a value spread over pieces is left out, and readers
// that need it flatten the message first.
func (m *Message) small(sp span) []byte {
	if m.Parts == nil {
		return m.Raw[sp.valFrom:sp.valTo]
	}
	return nil
}

// Bytes returns the whole message contiguously (a copy for a pieced one).
func (m *Message) Bytes() []byte {
	if m.Parts == nil {
		return m.Raw
	}
	return bytes.Join(m.Parts, nil)
}

// Flat returns m with every member readable: m itself, or for a pieced
// message a contiguous copy.
func (m *Message) Flat() *Message {
	if m.Parts == nil {
		return m
	}
	f, err := Parse(m.Bytes())
	if err != nil { // cannot happen: m was valid
		return m
	}
	return f
}

// classify sets m.kind, or explains why the message is not JSON-RPC.
func (m *Message) classify(seenID bool, jsonrpc, method []byte, hasResult, hasError bool) error {
	if seenID && !ValidID(m.ID) {
		m.ID = nil
		return &InvalidMessage{Reason: "id must be a string or a number"}
	}
	bad := func(reason string) error { return &InvalidMessage{ID: m.ID, Reason: reason} }
	if v, _ := StringValue(jsonrpc); v != "2.0" {
		return bad(`"jsonrpc" must be "2.0"`)
	}
	if method != nil {
		name, ok := StringValue(method)
		if !ok {
			return bad(`"method" must be a string`)
		}
		m.Method = name
		if seenID {
			if string(m.ID) == "null" {
				return bad("a request's id must not be null")
			}
			m.Kind = KindRequest
		} else {
			m.Kind = KindNotification
		}
		return nil
	}
	if seenID && hasResult != hasError {
		m.Kind = KindResponse
		return nil
	}
	return bad("neither a request, a notification nor a response")
}

// ValidID reports whether an id is a string, a number or null.
func ValidID(id []byte) bool {
	if len(id) == 0 {
		return false
	}
	switch c := id[0]; {
	case c == '"', c == '-', c >= '0' && c <= '9':
		return true
	}
	return string(id) == "null"
}

// IDKey is the key under which a request waits for its answer. Strings are
// their decoded text behind a quote, numbers their exact value, so 1 and "1"
// differ as JSON-RPC says they do, while the same id re-written by a server
// matches: "café" and "caf\u00e9", 1e2 and 100. Values that differ never
// match: 9007199254740993 is not 9007199254740992.
func IDKey(id []byte) string {
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
	if s, ok := StringValue(id); ok {
		return `"` + s
	}
	return string(id)
}

// PlainIDKey returns IDKey(id) as a part of id itself, without a copy,
// when no normalising is needed (an integer, a string without escapes):
// a map lookup with string(key) then allocates nothing. ok is false when
// only IDKey gives the key.
func PlainIDKey(id []byte) (key []byte, ok bool) {
	switch {
	case len(id) == 0:
		return nil, false
	case id[0] == '"':
		if len(id) < 2 || bytes.IndexByte(id, '\\') >= 0 {
			return nil, false
		}
		return id[:len(id)-1], true
	case !plainInteger(id):
		return nil, false
	}
	return id, true
}

// plainInteger reports whether the number n (valid JSON) has no fraction
// or exponent and is not -0: its bytes are then its only spelling.
func plainInteger(n []byte) bool {
	if len(n) > 1 && n[0] == '-' && n[1] == '0' {
		return false
	}
	for _, c := range n {
		if c == '.' || c == 'e' || c == 'E' {
			return false
		}
	}
	return true
}

// numberKey is a plain integer's bytes, or the exact value of any other
// number (fraction, exponent, -0) as a reduced fraction.
func numberKey(n []byte) string {
	if plainInteger(n) {
		return string(n)
	}
	r, ok := new(big.Rat).SetString(string(n))
	if !ok || len(n) > 64 { // not a number, or one too long to expand safely
		return string(n)
	}
	return r.RatString()
}

// WithID returns m answering to the client's own id bytes, when the server
// wrote the same id differently.
func (m *Message) WithID(id []byte) *Message {
	if bytes.Equal(m.ID, id) {
		return m
	}
	whole := m.Bytes()
	out := make([]byte, 0, len(whole)+len(id))
	out = append(out, whole[:m.idAt]...)
	out = append(out, id...)
	out = append(out, whole[m.idAt+len(m.ID):]...)
	if re, err := Parse(out); err == nil {
		return re
	}
	return m // cannot happen: only a valid id replaced a valid id
}

// RPCError is the error object of a JSON-RPC error response.
type RPCError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    any    `json:"data,omitempty"`
}

// ErrorResponse builds a JSON-RPC error response for id (null when nil),
// keeping the id's bytes exactly as the client sent them.
func ErrorResponse(id []byte, code int, msg string, data any) []byte {
	if id == nil {
		id = []byte("null")
	}
	e, err := json.Marshal(RPCError{Code: code, Message: msg, Data: data})
	if err != nil { // data that cannot be encoded: drop it, keep the answer
		e, _ = json.Marshal(RPCError{Code: code, Message: msg})
	}
	out := make([]byte, 0, len(id)+len(e)+32)
	out = append(out, `{"jsonrpc":"2.0","id":`...)
	out = append(out, id...)
	out = append(out, `,"error":`...)
	out = append(out, e...)
	return append(out, '}')
}

// ErrorFor builds the answer the client gets when its request failed for err.
func ErrorFor(id []byte, err error) []byte {
	return ErrorResponse(id, CodeServerError, fmt.Sprintf("mcpbridge: %v", err), nil)
}

// TrimSpace drops JSON whitespace around b without copying.
func TrimSpace(b []byte) []byte { return trimRight(trimLeft(b)) }

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

// TrimParts drops JSON whitespace around a pieced message (only at its
// outer edges: inside, a piece may well end in a string's space).
func TrimParts(parts [][]byte) [][]byte {
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

// ReadMeta sets m.modern from params._meta when the message declares its
// protocol version there.
func (m *Message) ReadMeta() {
	if m.Params == nil {
		return
	}
	meta := Field(m.Params, "_meta")
	if meta == nil {
		return
	}
	if v, ok := StringValue(Field(meta, MetaProtocolVersion)); ok {
		m.Modern = v
	}
}

// MetaProtocolVersion is the _meta member that carries a request's protocol
// version (2026-07-28 basic/index §Protocol Version).
const MetaProtocolVersion = "io.modelcontextprotocol/protocolVersion"

// The other _meta members of 2026-07-28 (basic/index §_meta): who the
// client and the server are, what the client can do, its log level, and
// the subscription a notification belongs to.
const (
	MetaClientCapabilities = "io.modelcontextprotocol/clientCapabilities"
	MetaClientInfo         = "io.modelcontextprotocol/clientInfo"
	MetaServerInfo         = "io.modelcontextprotocol/serverInfo"
	MetaLogLevel           = "io.modelcontextprotocol/logLevel"
	MetaSubscriptionID     = "io.modelcontextprotocol/subscriptionId"
)

// ResultResponse builds a result answer for id.
func ResultResponse(id, result []byte) []byte {
	out := make([]byte, 0, len(id)+len(result)+32)
	out = append(out, `{"jsonrpc":"2.0","id":`...)
	out = append(out, id...)
	out = append(out, `,"result":`...)
	out = append(out, result...)
	return append(out, '}')
}
