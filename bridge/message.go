package bridge

import (
	"encoding/json"
	"errors"
	"fmt"
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
	raw    []byte
	kind   kind
	id     []byte // raw id value; nil when absent
	method string
	params []byte // raw params; nil when absent
	result []byte // raw result (responses)
	errv   []byte // raw error (responses)

	modern string      // protocol version from params._meta (2026-07-28 and later); "" otherwise
	header http.Header // headers the request needs beyond the session's (modern requests)
}

// JSON-RPC 2.0 error codes (https://www.jsonrpc.org/specification#error_object).
const (
	codeParseError     = -32700
	codeInvalidRequest = -32600
	codeMethodNotFound = -32601
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
	b = trimSpace(b) // whitespace around the message is not worth a copy
	m := &message{raw: b}
	var jsonrpc, method, hasResult, hasError []byte
	var seenID bool
	s := scanner{b: b}
	i := s.skipSpace(0)
	if i >= len(b) || b[i] != '{' {
		if ok, _ := validJSON(b); ok {
			return nil, &invalidMessage{reason: "not a JSON object"}
		}
		return nil, syntaxErr(i, "not JSON")
	}
	end, err := s.object(i, func(k, v []byte) {
		switch string(k) {
		case "jsonrpc":
			jsonrpc = v
		case "id":
			m.id, seenID = v, true
		case "method":
			method = v
		case "params":
			m.params = v
		case "result":
			hasResult, m.result = v, v
		case "error":
			hasError, m.errv = v, v
		}
	})
	if err != nil {
		return nil, err
	}
	if s.skipSpace(end) != len(b) {
		return nil, syntaxErr(end, "data after the message")
	}
	if s.ws {
		c, err := compact(b)
		if err != nil {
			return nil, err
		}
		return parseMessage(c)
	}
	return m, m.classify(seenID, jsonrpc, method, hasResult, hasError)
}

// classify sets m.kind, or explains why the message is not JSON-RPC.
func (m *message) classify(seenID bool, jsonrpc, method, result, errv []byte) error {
	if seenID && !validID(m.id) {
		m.id = nil
		return &invalidMessage{reason: "id must be a string or a number"}
	}
	bad := func(reason string) error { return &invalidMessage{id: m.id, reason: reason} }
	if string(jsonrpc) != `"2.0"` {
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
	if seenID && (result != nil) != (errv != nil) {
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

// idKey is the key under which a request waits for its answer: the id's
// compact bytes, so 1 and "1" differ as JSON-RPC says they do.
func idKey(id []byte) string { return string(id) }

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
	code := codeServerError
	var ce *codedError
	if errors.As(err, &ce) {
		code = ce.code
	}
	return errorResponse(id, code, fmt.Sprintf("mcpbridge: %v", err), nil)
}

// trimSpace drops JSON whitespace around b without copying.
func trimSpace(b []byte) []byte {
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}
