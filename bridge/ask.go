package bridge

import (
	"context"
	"errors"
	"strconv"

	"github.com/mcpbridge/mcpbridge/bridge/inflight"
	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
)

// NewRequest builds a request message; params is raw JSON or nil.
func NewRequest(id []byte, method string, params []byte) *jsonrpc.Message {
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
	m, err := jsonrpc.Parse(raw)
	if err != nil { // cannot happen for valid params
		return &jsonrpc.Message{Raw: raw, Kind: jsonrpc.KindRequest, ID: id, Method: method}
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

// ask sends a request of the bridge's own straight to the server (past the
// gates: the caller orders it) and waits for its answer.
func (b *Bridge) ask(ctx context.Context, m *jsonrpc.Message) (*jsonrpc.Message, error) {
	got := make(chan *jsonrpc.Message, 1)
	failed := make(chan error, 1)
	c := &inflight.Call{ID: m.ID, Method: m.Method, Req: m, Internal: true, OnAnswer: func(ans *jsonrpc.Message, err error) {
		if err != nil {
			failed <- err
			return
		}
		got <- ans
	}}
	if !b.calls.Add(c) {
		return nil, errors.New("mcpbridge: duplicate internal request id")
	}
	go func() {
		b.sends.Add()
		defer b.sends.Done()
		b.send(m, nil)
	}()
	select {
	case ans := <-got:
		return ans, nil
	case err := <-failed:
		return nil, err
	case <-ctx.Done():
		if b.calls.Take(m.ID) != nil {
			c.Abort()
		}
		return nil, ctx.Err()
	}
}

// tell sends a notification of the bridge's own straight to the server.
func (b *Bridge) tell(ctx context.Context, m *jsonrpc.Message) error {
	b.sends.Add()
	defer b.sends.Done()
	return b.conn.RoundTrip(ctx, m)
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
func Failure(ans *jsonrpc.Message) *AnswerError {
	ans = ans.Flat()
	if !ans.HasError || ans.ErrorValue == nil {
		return nil
	}
	f := &AnswerError{Data: jsonrpc.Field(ans.ErrorValue, "data")}
	code := jsonrpc.Field(ans.ErrorValue, "code")
	f.Code, _ = strconv.Atoi(string(code))
	f.Message, _ = jsonrpc.StringValue(jsonrpc.Field(ans.ErrorValue, "message"))
	return f
}
