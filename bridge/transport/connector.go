package transport

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"sync"

	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
	"github.com/mcpbridge/mcpbridge/internal/httpclient"
)

// transport carries messages to the server: Streamable HTTP or HTTP+SSE.
type transport interface {
	// roundTrip hands m to the server and, for a request, returns once its
	// answer has been delivered to the Sink or cannot come any more.
	roundTrip(ctx context.Context, m *jsonrpc.Message) error
	// close ends the session, if the transport has one.
	close(ctx context.Context)
}

// errOtherTransport means the server refused the transport in a way that
// suggests it speaks the other one.
var errOtherTransport = errors.New("the server does not seem to speak this transport")

// Connector picks the transport per --transport and switches once, on the
// first exchange, when the server turns out to speak the other one
// (2025-11-25 basic/transports §Backwards Compatibility).
type Connector struct {
	peer *httpPeer
	url  *url.URL
	mu   sync.Mutex
	cur  transport
	next func() transport // the fallback; nil once used or when none
	log  *slog.Logger
}

// NewConnector returns the Connector for cfg; its transports live as long
// as life and hand what the server sends to s.
func NewConnector(life context.Context, cfg Config, s Sink) (*Connector, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	peer := &httpPeer{client: cfg.HTTPClient, header: cfg.Header, auth: cfg.Auth, bodyTimeout: cfg.BodyTimeout,
		userAgent: []string{cfg.UserAgent}, mem: cfg.Memory}
	httpT := func(fallback bool) transport {
		st := newStreamable(life, peer, cfg.URL.String(), s, cfg.Log, fallback)
		st.answerTimeout = cfg.AnswerTimeout
		return st
	}
	sseT := func(fallback bool) transport {
		l := newLegacySSE(life, peer, cfg.URL, s, cfg.Log, fallback)
		l.answerTimeout = cfg.AnswerTimeout
		return l
	}
	c := &Connector{log: cfg.Log, peer: peer, url: cfg.URL}
	switch cfg.Mode {
	case SSEFirst:
		c.cur, c.next = sseT(true), func() transport { return httpT(false) }
	case SSEOnly:
		c.cur = sseT(false)
	case HTTPOnly:
		c.cur = httpT(false)
	default:
		c.cur, c.next = httpT(true), func() transport { return sseT(false) }
	}
	return c, nil
}

func (c *Connector) current() transport {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cur
}

// RoundTrip sends m, switching transports once if the server asks for it.
func (c *Connector) RoundTrip(ctx context.Context, m *jsonrpc.Message) error {
	t := c.current()
	err := t.roundTrip(ctx, m)
	if !errors.Is(err, errOtherTransport) {
		return err
	}
	if alt := c.switchFrom(t); alt != nil {
		c.log.Info("the server refused the first transport; trying the other", "error", err)
		if err2 := alt.roundTrip(ctx, m); err2 != nil {
			return errors.Join(err2, err)
		}
		return nil
	}
	return err
}

// switchFrom replaces t by the fallback transport, once.
func (c *Connector) switchFrom(t transport) transport {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur != t {
		return c.cur // another message switched already
	}
	if c.next == nil {
		return nil
	}
	c.cur, c.next = c.next(), nil
	return c.cur
}

// Preconnect opens a connection to the server ahead of the first message
// (httpclient.Preconnect: TCP, and TLS for https); life bounds it. Every
// transport's first exchange goes to the URL's origin, so both benefit.
func (c *Connector) Preconnect(life context.Context) {
	httpclient.Preconnect(life, c.peer.client, c.url)
}

// Close ends the session, if the transport has one.
func (c *Connector) Close(ctx context.Context) { c.current().close(ctx) }

// SigningIn reports whether a refusal is being handled, which may mean a
// user signing in: waits for the server do not count meanwhile.
func (c *Connector) SigningIn() bool { return c.peer.signing.Load() > 0 }
