package jsonrpc

import "strconv"

// Messages built, and answers read, by whoever speaks for itself: the
// bridge's own requests, its translators, mcpbridge probe.

// NewRequest builds a request message; params is raw JSON or nil.
func NewRequest(id []byte, method string, params []byte) *Message {
	raw := make([]byte, 0, 64+len(method)+len(params))
	raw = append(raw, `{"jsonrpc":"2.0","id":`...)
	raw = append(raw, id...)
	raw = append(raw, `,"method":`...)
	raw = strconv.AppendQuote(raw, method)
	if params != nil {
		raw = append(raw, `,"params":`...)
		raw = append(raw, params...)
	}
	raw = append(raw, '}')
	m, err := Parse(raw)
	if err != nil { // cannot happen for valid params
		return &Message{Raw: raw, Kind: KindRequest, ID: id, Method: method}
	}
	return m
}

// NewNotification builds a notification message; params is raw JSON or nil.
func NewNotification(method string, params []byte) []byte {
	raw := make([]byte, 0, 48+len(method)+len(params))
	raw = append(raw, `{"jsonrpc":"2.0","method":`...)
	raw = strconv.AppendQuote(raw, method)
	if params != nil {
		raw = append(raw, `,"params":`...)
		raw = append(raw, params...)
	}
	return append(raw, '}')
}

// AnswerError is a JSON-RPC error answer, as an error.
type AnswerError struct {
	Code    int
	Message string
	Data    []byte
}

func (e *AnswerError) Error() string {
	return "the server answered with error " + strconv.Itoa(e.Code) + ": " + e.Message
}

// Failure returns the error of an error answer, or nil for a result.
func Failure(ans *Message) *AnswerError {
	ans = ans.Flat()
	if !ans.HasError || ans.ErrorValue == nil {
		return nil
	}
	f := &AnswerError{Data: Field(ans.ErrorValue, "data")}
	code := Field(ans.ErrorValue, "code")
	f.Code, _ = strconv.Atoi(string(code))
	f.Message, _ = StringValue(Field(ans.ErrorValue, "message"))
	return f
}
