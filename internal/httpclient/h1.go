package httpclient

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// h1 carries each HTTP/1.1 exchange on the caller's goroutine: it writes
// the request and reads the answer's headers itself, and the caller reads
// the body straight from the connection. net/http's Transport runs two
// goroutines per connection and hands every request and answer between
// them and the caller (writeLoop, readLoop, channels): on a bridge making
// one small POST per message that hand-off, and the wake-ups it costs, was
// most of the CPU of a call. HTTP/1.1 over TLS is what mcp-remote (Node's
// undici) speaks too; the options that need more (a proxy) use net/http's
// Transport instead (New).
//
// Connections are kept alive, at most maxConns per origin (requests beyond
// it wait for one to be free), at most maxIdle idle, each at most idleFor
// (or the server's Keep-Alive timeout, less a second). A kept connection is
// checked before it is used again (alive): a server that closed it while
// idle costs a new connection, never a lost request.
type h1 struct {
	dial      func(ctx context.Context, network, addr string) (net.Conn, error)
	tls       *tls.Config   // every handshake's configuration, from roots
	roots     *tls.Config   // the client's TLS configuration (extra roots); nil: defaults
	handshake time.Duration // TLS handshake limit
	headers   time.Duration // the wait for response headers; <= 0: none
	limit     int           // connections per origin (maxConns)

	mu    sync.Mutex
	pools map[string]*h1pool // by scheme://host:port; never removed
	last  atomic.Pointer[origin]
}

const (
	maxIdle        = 128
	idleFor        = 90 * time.Second
	maxHeaderBytes = 1 << 20 // net/http's default MaxResponseHeaderBytes
)

// h1pool is one origin's connections.
type h1pool struct {
	slots   chan struct{} // one per open connection
	handoff chan *h1conn  // a freed connection, to a request waiting for a slot
	mu      sync.Mutex
	idle    []*h1conn
	warming *warmup // the connection Preconnect is opening; nil when none
}

func newH1(dial func(ctx context.Context, network, addr string) (net.Conn, error), base *tls.Config, handshake, headers time.Duration) *h1 {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if base != nil {
		cfg = base.Clone()
	}
	cfg.NextProtos = []string{"http/1.1"}
	if cfg.ClientSessionCache == nil {
		cfg.ClientSessionCache = tls.NewLRUClientSessionCache(32) // reconnects resume
	}
	return &h1{dial: dial, tls: cfg, roots: base, handshake: handshake, headers: headers, limit: maxConns, pools: map[string]*h1pool{}}
}

// errH1Scheme is a request h1 cannot carry (only http and https).
var errH1Scheme = errors.New("unsupported protocol scheme")

// RoundTrip sends req and returns the answer with its headers read; the
// body comes from the connection as the caller reads it.
func (t *h1) RoundTrip(req *http.Request) (*http.Response, error) {
	o, err := t.origin(req.URL)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	p, addr := o.pool, o.addr
	ctx := req.Context()
	for attempt := 0; ; attempt++ {
		c, err := t.get(ctx, p, req.URL.Scheme, addr)
		if err != nil {
			closeBody(req)
			return nil, err
		}
		resp, err := c.exchange(ctx, req, t.headers)
		if err == nil {
			return resp, nil
		}
		var refused *unsent
		if errors.As(err, &refused) {
			p.put(c)
			closeBody(req)
			return nil, err
		}
		c.close()
		if attempt > 0 || !c.reused || !retryable(req, err) {
			closeBody(req)
			return nil, err
		}
		if req, err = rewound(req); err != nil {
			return nil, err
		}
	}
}

// CloseIdleConnections closes the kept connections (http.Client's method
// of the same name calls it).
func (t *h1) CloseIdleConnections() {
	t.mu.Lock()
	pools := make([]*h1pool, 0, len(t.pools))
	for _, p := range t.pools {
		pools = append(pools, p)
	}
	t.mu.Unlock()
	for _, p := range pools {
		p.mu.Lock()
		idle := p.idle
		p.idle = nil
		p.mu.Unlock()
		for _, c := range idle {
			c.close()
		}
	}
}

// origin is where req goes: its address and pool, kept from the request
// before when it went to the same place (nearly every request does).
func (t *h1) origin(u *url.URL) (*origin, error) {
	if o := t.last.Load(); o != nil && o.scheme == u.Scheme && o.host == u.Host {
		return o, nil
	}
	addr, err := dialAddr(u)
	if err != nil {
		return nil, err
	}
	o := &origin{scheme: u.Scheme, host: u.Host, addr: addr, pool: t.pool(u.Scheme + "://" + addr)}
	t.last.Store(o)
	return o, nil
}

// origin is a URL's scheme and host, the address they name and its pool.
type origin struct {
	scheme, host, addr string
	pool               *h1pool
}

func (t *h1) pool(key string) *h1pool {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.pools[key]
	if p == nil {
		p = &h1pool{slots: make(chan struct{}, t.limit), handoff: make(chan *h1conn)}
		t.pools[key] = p
	}
	return p
}

// get returns a kept connection that is still open, or a new one once
// there is room for it.
func (t *h1) get(ctx context.Context, p *h1pool, scheme, addr string) (*h1conn, error) {
	if c := p.takeOpen(); c != nil {
		return c, nil
	}
	if w := p.warmingUp(); w != nil {
		// The connection Preconnect is opening is this request's: it is
		// closer to open than one dialled now. Its failure is this
		// request's too (a second dial would double the wait on a server
		// that does not answer).
		select {
		case <-w.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if w.err != nil {
			return nil, w.err
		}
		if c := p.takeOpen(); c != nil {
			return c, nil
		}
	}
	select {
	case p.slots <- struct{}{}:
	case c := <-p.handoff:
		c.reused = true
		return c, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	c, err := t.connect(ctx, scheme, addr)
	if err != nil {
		<-p.slots
		return nil, err
	}
	c.pool = p
	return c, nil
}

// connect opens a connection: TCP, and TLS for https.
func (t *h1) connect(ctx context.Context, scheme, addr string) (*h1conn, error) {
	raw, err := t.dial(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	conn := raw
	if scheme == "https" {
		cfg := t.tls.Clone()
		if cfg.ServerName == "" {
			host, _, _ := net.SplitHostPort(addr)
			cfg.ServerName = host
		}
		tc := tls.Client(raw, cfg)
		hctx, cancel := context.WithTimeout(ctx, t.handshake)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			_ = raw.Close()
			return nil, fmt.Errorf("tls handshake: %w", err)
		}
		conn = tc
	}
	return newH1Conn(conn), nil
}

// takeOpen returns a kept connection that is still open, closing the
// ones that are not; nil when none is left.
func (p *h1pool) takeOpen() *h1conn {
	for c := p.takeIdle(); c != nil; c = p.takeIdle() {
		// Bytes the server sent past its last answer (in the buffer already,
		// or in the socket: alive) would be read as the next one's.
		if time.Now().Before(c.expires) && c.br.Buffered() == 0 && c.peek.alive() {
			c.reused = true
			return c
		}
		c.close()
	}
	return nil
}

func (p *h1pool) takeIdle() *h1conn {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(p.idle)
	if n == 0 {
		return nil
	}
	c := p.idle[n-1] // the newest: the likeliest still open
	p.idle[n-1] = nil
	p.idle = p.idle[:n-1]
	return c
}

// put keeps c for the next request: a request waiting for a slot first.
func (p *h1pool) put(c *h1conn) {
	select {
	case p.handoff <- c:
		return
	default:
	}
	p.mu.Lock()
	if len(p.idle) < maxIdle {
		p.idle = append(p.idle, c)
		c = nil
	}
	p.mu.Unlock()
	if c != nil {
		c.close()
	}
}

// dialAddr is the URL's host:port, with the scheme's default port.
func dialAddr(u *url.URL) (string, error) {
	port := u.Port()
	switch u.Scheme {
	case "http":
		if port == "" {
			port = "80"
		}
	case "https":
		if port == "" {
			port = "443"
		}
	default:
		return "", fmt.Errorf("%w %q", errH1Scheme, u.Scheme)
	}
	if u.Hostname() == "" {
		return "", errors.New("http: no Host in request URL")
	}
	return net.JoinHostPort(u.Hostname(), port), nil
}

// retryable reports whether req may be sent again on a new connection after
// err on a kept one: when none of it was written, or when it is idempotent
// and the server closed the connection before answering anything (the rule
// of net/http's Transport, RFC 9110 §9.2.2).
func retryable(req *http.Request, err error) bool {
	var nw *notWritten
	if errors.As(err, &nw) {
		return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	}
	var closed *closedBeforeAnswer
	if !errors.As(err, &closed) {
		return false
	}
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	}
	return req.Header.Get("Idempotency-Key") != ""
}

// rewound is req with a fresh copy of its body, for a retry.
func rewound(req *http.Request) (*http.Request, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return req, nil
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, fmt.Errorf("rewind the request body: %w", err)
	}
	r := *req
	r.Body = body
	return &r, nil
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}

// capReader counts what comes from the connection and, while the answer's
// headers are read, bounds them (net/http's MaxResponseHeaderBytes).
type capReader struct {
	r    io.Reader
	left int64 // bytes still allowed; < 0: no bound
	read int64 // bytes read since the request was written
}

var errHeadersTooLarge = fmt.Errorf("the server's answer headers are larger than %d KiB", maxHeaderBytes>>10)

func (c *capReader) Read(p []byte) (int, error) {
	if c.left == 0 {
		return 0, errHeadersTooLarge
	}
	if c.left > 0 && int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.read += int64(n)
	if c.left > 0 {
		c.left -= int64(n)
	}
	return n, err
}
