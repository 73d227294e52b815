package bridge

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"

	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
)

// The bridge sends requests of its own: keep-alive pings, the era probe,
// the initialize it runs for a 2026-07-28 client, subscriptions/listen
// streams, multi round-trip retries. Their ids are strings that start with
// "mcpbridge-", and their answers never reach stdout.

var errShuttingDown = errors.New("mcpbridge is shutting down")

// answered hands an internal request's outcome to whoever waits for it.
func (c *call) answered(m *jsonrpc.Message, err error) {
	if c.onAnswer != nil {
		c.onAnswer(m, err)
	}
}

// ownIDs numbers the bridge's own requests.
var ownIDs atomic.Int64

// ownID returns a fresh JSON string id for a request of the bridge's own.
func ownID(kind string) []byte {
	return []byte(strconv.Quote("mcpbridge-" + kind + "-" + strconv.FormatInt(ownIDs.Add(1), 10)))
}

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
	c := &call{id: m.ID, method: m.Method, req: m, internal: true, onAnswer: func(ans *jsonrpc.Message, err error) {
		if err != nil {
			failed <- err
			return
		}
		got <- ans
	}}
	if !b.calls.add(c) {
		return nil, errors.New("mcpbridge: duplicate internal request id")
	}
	go func() {
		b.sends.add()
		defer b.sends.done()
		b.send(m, nil)
	}()
	select {
	case ans := <-got:
		return ans, nil
	case err := <-failed:
		return nil, err
	case <-ctx.Done():
		if b.calls.take(m.ID) != nil {
			c.abort()
		}
		return nil, ctx.Err()
	}
}

// tell sends a notification of the bridge's own straight to the server.
func (b *Bridge) tell(ctx context.Context, m *jsonrpc.Message) error {
	b.sends.add()
	defer b.sends.done()
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
