package era

import (
	"context"
	"fmt"

	"github.com/mcpbridge/mcpbridge/bridge/inflight"
	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
	"github.com/mcpbridge/mcpbridge/bridge/transport"
)

// Under 2026-07-28 a broken response stream loses the request: streams are
// not resumable, and "clients MUST re-issue it as a new request with a new
// request ID" (2026-07-28 changelog §Major changes 9; streamable-http
// §Resumability). The bridge re-issues requests that only read: listing,
// reading a resource, getting a prompt, completions, discovery. A
// tools/call may have acted already; the client gets an error that says
// so, and decides.

// MaxReissues bounds the re-issues of one request.
const MaxReissues = 2

// rereadable lists the requests that are safe to send again.
func rereadable(method string) bool {
	switch method {
	case "tools/list", "prompts/list", "prompts/get", "resources/list", "resources/templates/list",
		"resources/read", "completion/complete", "server/discover":
		return true
	}
	return false
}

// Reissue sends a 2026-07-28 request whose answer stream broke again
// under a new id, with roundTrip, when it only reads; it returns the
// request last sent and its outcome.
func Reissue(b *Env, ctx context.Context, m *jsonrpc.Message, err error, roundTrip func(context.Context, *jsonrpc.Message) error) (*jsonrpc.Message, error) {
	if !transport.StreamLost(err) || m.Modern == "" {
		return m, err // the usual case, decided without a lock
	}
	if c := b.Calls.Peek(m.ID); c == nil || c.Internal {
		return m, err // the bridge's own requests: their owners decide
	}
	for tries := 0; transport.StreamLost(err) && m.Modern != "" && tries < MaxReissues; tries++ {
		if !rereadable(m.Method) {
			return m, fmt.Errorf("%w; the server may have run the %s anyway, so mcpbridge does not send it again", err, m.Method)
		}
		next := jsonrpc.WithRequestID(m, inflight.OwnID("reissue"))
		if b.Calls.Rename(m.ID, next.ID) == nil {
			return m, err // answered or cancelled meanwhile
		}
		b.Log.Info("the answer stream broke; sending the request again under a new id", "method", m.Method, "error", err)
		m = next
		err = roundTrip(ctx, m)
	}
	return m, err
}
