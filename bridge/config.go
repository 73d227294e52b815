package bridge

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/mcpbridge/mcpbridge/bridge/era"
	"github.com/mcpbridge/mcpbridge/bridge/transport"
	"github.com/mcpbridge/mcpbridge/internal/ctxtime"
)

// TransportMode, its values and Authorizer are the transport's
// (bridge/transport), named here for the command that fills a Config.
type (
	TransportMode      = transport.Mode
	Authorizer         = transport.Authorizer
	AcceptanceObserver = transport.AcceptanceObserver
)

// The transports, as mcp-remote's --transport names them.
const (
	HTTPFirst = transport.HTTPFirst
	SSEFirst  = transport.SSEFirst
	HTTPOnly  = transport.HTTPOnly
	SSEOnly   = transport.SSEOnly
)

// ParseTransportMode validates a --transport value.
func ParseTransportMode(s string) (TransportMode, error) { return transport.ParseMode(s) }

// ProtocolMode and its values are the era code's (bridge/era): --protocol,
// which era to speak to the server.
type ProtocolMode = era.ProtocolMode

const (
	ProtocolAuto   = era.ProtocolAuto
	ProtocolLegacy = era.ProtocolLegacy
	ProtocolModern = era.ProtocolModern
)

// EraMemo is the era code's Memo: what earlier runs found the server's
// era to be.
type EraMemo = era.Memo

// ParseProtocolMode validates a --protocol value.
func ParseProtocolMode(s string) (ProtocolMode, error) { return era.ParseProtocolMode(s) }

// Config is everything a Bridge needs. URL and HTTPClient are required; the
// zero value of every other field is a sensible default.
type Config struct {
	// URL is the server's MCP endpoint (or its HTTP+SSE stream URL).
	URL *url.URL
	// HTTPClient carries every request; see internal/httpclient.New.
	HTTPClient *http.Client
	// Transport picks the transport; the default is HTTPFirst.
	Transport TransportMode
	// Header is sent with every request (the user's --header values).
	Header http.Header
	// Auth, when set, supplies credentials and hears of refusals.
	Auth Authorizer
	// Protocol picks the protocol era spoken to the server; the default,
	// ProtocolAuto, probes the server once (bridge/era).
	Protocol ProtocolMode
	// EraMemo, when set, keeps ProtocolAuto's verdict across runs: a server
	// found legacy gets the client's initialize at once, with no probe
	// (tokencache.EraMemo; era.Memo).
	EraMemo EraMemo
	// Tools hides and refuses tools by name.
	Tools ToolFilter
	// Log receives diagnostics; nil discards them. Never message bodies or
	// header values: those may hold secrets.
	Log *slog.Logger
	// BodyTimeout bounds each piece of an answer: a JSON body must arrive
	// whole within it of the response headers; on an event stream, the
	// silence between two reads (the GET and subscriptions/listen streams
	// excepted), each event from its first byte to its blank line, and the
	// reconnecting of a broken answer stream. Zero means 5 minutes (as
	// Node's undici, which mcp-remote runs on); negative means no limit.
	BodyTimeout time.Duration
	// AnswerTimeout bounds how long a request's answer stream (or, over
	// HTTP+SSE, the wait for its answer) may go without a JSON-RPC message
	// from the server: keep-alive comments do not count, progress
	// notifications do, since they say the work goes on (MCP 2025-11-25
	// basic/lifecycle §Timeouts lets a timeout restart on progress; the
	// maximum regardless of progress is the client's, which cancels).
	// Zero means 1 hour; negative means no limit.
	AnswerTimeout time.Duration
	// ShutdownGrace bounds how long answers still due may take once stdin
	// has closed (default 2 s).
	ShutdownGrace time.Duration
	// PingInterval, when positive, sends a JSON-RPC ping this often to keep
	// the session alive (mcp-remote's --keep-alive / --ping-interval).
	PingInterval time.Duration
	// Version is mcpbridge's, as the release build stamped it (default
	// "dev"): the clientInfo the bridge speaks with where the client gave
	// none, and the User-Agent's.
	Version string
	// UserAgent names mcpbridge to the server; empty means "mcpbridge/"
	// and Version.
	UserAgent string
	// ProbeSilence bounds the server/discover probe's wait for an answer,
	// counting only time no sign-in is running (discover.go); default 10 s.
	ProbeSilence time.Duration
	// MemoryPool is the bytes all messages in flight may hold together
	// beyond the one large lane (transport/budget.go); default
	// transport.DefaultPoolBytes.
	MemoryPool int64
	// AckTimeout bounds the wait for a subscriptions/listen stream's
	// acknowledgment (listen.go, downgrade.go); default 10 s.
	AckTimeout time.Duration
}

func (c *Config) validate() error {
	if c.URL == nil {
		return errors.New("bridge: no server URL")
	}
	if c.HTTPClient == nil {
		return errors.New("bridge: no HTTP client")
	}
	if c.Transport == "" {
		c.Transport = HTTPFirst
	}
	if c.Protocol == "" {
		c.Protocol = ProtocolAuto
	}
	if c.Log == nil {
		c.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	c.BodyTimeout = ctxtime.Limit(c.BodyTimeout, 5*time.Minute)
	c.AnswerTimeout = ctxtime.Limit(c.AnswerTimeout, time.Hour)
	c.ShutdownGrace = ctxtime.Limit(c.ShutdownGrace, 2*time.Second)
	if c.Version == "" {
		c.Version = "dev"
	}
	if c.UserAgent == "" {
		c.UserAgent = "mcpbridge/" + c.Version
	}
	if c.ProbeSilence <= 0 {
		c.ProbeSilence = 10 * time.Second
	}
	if c.MemoryPool <= 0 {
		c.MemoryPool = transport.DefaultPoolBytes
	}
	if c.AckTimeout <= 0 {
		c.AckTimeout = 10 * time.Second
	}
	return nil
}
