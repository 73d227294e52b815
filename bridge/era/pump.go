package era

import (
	"context"
	"log/slog"
	"time"

	"github.com/mcpbridge/mcpbridge/bridge/inflight"
	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
)

// Pump is what the era code asks of the message pump (package bridge):
// writing to the client, sending to the server, and asking the server
// questions of its own. The era code holds no pump; it holds this.
type Pump interface {
	// Reply writes one message to the client.
	Reply(msg []byte)
	// ReplyMsg writes a server's message to the client as it came.
	ReplyMsg(m *jsonrpc.Message)
	// ToClient delivers a server's message past the translator: an answer
	// to the call it answers, anything else to the client.
	ToClient(m *jsonrpc.Message)
	// Ask sends a request of the bridge's own straight to the server and
	// waits for its answer; Tell sends a notification the same way.
	Ask(ctx context.Context, m *jsonrpc.Message) (*jsonrpc.Message, error)
	Tell(ctx context.Context, m *jsonrpc.Message) error
	// Send returns the job of sending m in its place in the client's order
	// of messages; a request's call is in the in-flight table already.
	Send(m *jsonrpc.Message) (job func())
	// Forward routes a client request on to the server as the pump routes
	// any (tool filter, the translator's Outgoing, the in-flight table).
	Forward(m *jsonrpc.Message) (job func())
	// SigningIn reports whether a sign-in is under way: the probe does not
	// count that time as the server's silence.
	SigningIn() bool
}

// Env is what the era code works with: the pump, the tables it shares
// with it, and the settings that concern the eras (bridge.Config's,
// validated there).
type Env struct {
	Pump
	Calls   *inflight.Table // the requests in flight, the pump's and the translators'
	Catalog *Catalog        // the tools' x-mcp-header parameters (modern.go)
	Ctx     context.Context // every exchange with the server; cancelled at the end
	Log     *slog.Logger

	Version      string        // mcpbridge's, for the clientInfo it names itself with
	Host         string        // the server's host, for a serverInfo where it names none
	AckTimeout   time.Duration // for a subscription's acknowledgment
	ProbeSilence time.Duration // how long server/discover waits for a verdict
	Protocol     ProtocolMode
	LegacyOnly   bool // the transport is HTTP+SSE, which only legacy servers have
	Memo         Memo // what earlier runs found the server to be; nil: nothing
}
