package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
)

// Mode chooses between Streamable HTTP and the legacy HTTP+SSE
// transport, with the same names and meaning as mcp-remote's --transport.
type Mode string

const (
	HTTPFirst Mode = "http-first" // Streamable HTTP; HTTP+SSE if the server refuses it
	SSEFirst  Mode = "sse-first"  // HTTP+SSE; Streamable HTTP if the server refuses it
	HTTPOnly  Mode = "http-only"
	SSEOnly   Mode = "sse-only"
)

// ParseMode validates a --transport value.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case HTTPFirst, SSEFirst, HTTPOnly, SSEOnly:
		return m, nil
	}
	return "", fmt.Errorf("unknown transport %q: use http-first, sse-first, http-only or sse-only", s)
}

// Authorizer lends the transport credentials for the server. The bridge knows
// nothing of OAuth: it asks for a header before each request and reports the
// server's refusals.
type Authorizer interface {
	// Authorize adds credentials to req.
	Authorize(ctx context.Context, req *http.Request) error
	// Refused is told of a 401 or 403 answer. It returns nil when a retry
	// with fresh credentials may succeed, or an error that says what the
	// user must do.
	Refused(ctx context.Context, resp *http.Response) error
}

// AcceptanceObserver is an optional part of an Authorizer: it hears when
// the server accepted the credentials (any answer but 401 and 403), so it
// can tell a token the server stopped taking from one it never took.
type AcceptanceObserver interface {
	Accepted()
}

// NonceRetrier is an optional part of an Authorizer whose credentials
// carry a proof bound to a nonce the server hands out (DPoP, RFC 9449 §9):
// a refusal that names a new nonce is cured by signing again, so it gets
// a retry of its own (two at most) besides the one after new credentials.
type NonceRetrier interface {
	FreshNonce(resp *http.Response) bool
}

// The Streamable HTTP headers every transport request may carry
// (2025-11-25 basic/transports §Session Management, §Protocol Version Header).
const (
	HeaderSession         = "Mcp-Session-Id"
	HeaderProtocolVersion = "Mcp-Protocol-Version"
)

// Config is what a Connector needs; the bridge fills it from its own.
type Config struct {
	URL        *url.URL     // the MCP endpoint (or HTTP+SSE stream URL)
	HTTPClient *http.Client // see internal/httpclient.New
	Mode       Mode         // default HTTPFirst
	Header     http.Header  // the user's headers, sent with every request
	Auth       Authorizer   // nil: no credentials but the user's headers
	Log        *slog.Logger // nil discards
	// BodyTimeout and AnswerTimeout are the bridge's (bridge.Config):
	// here zero means no limit; the bridge sets its defaults.
	BodyTimeout   time.Duration
	AnswerTimeout time.Duration
	UserAgent     string  // sent with every request
	Memory        *Budget // the memory budget answers are read under; nil: a pool of DefaultPoolBytes
}

func (c *Config) validate() error {
	if c.URL == nil || c.HTTPClient == nil {
		return errors.New("transport: no server URL or HTTP client")
	}
	if c.Mode == "" {
		c.Mode = HTTPFirst
	}
	if c.Log == nil {
		c.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.Memory == nil {
		c.Memory = NewBudget(DefaultPoolBytes)
	}
	return nil
}

// Sink is where a transport hands what the server sends: answers to the
// client's requests, and the server's own requests and notifications.
type Sink interface {
	// Deliver takes one message from the server.
	Deliver(m *jsonrpc.Message)
	// Waiting returns a channel closed once the client request with this
	// id is answered, or nil when none with it awaits an answer.
	Waiting(id []byte) <-chan struct{}
}
