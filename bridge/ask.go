package bridge

import (
	"context"
	"errors"

	"github.com/mcpbridge/mcpbridge/bridge/inflight"
	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
)

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
