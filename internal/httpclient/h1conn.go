package httpclient

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// h1conn is one HTTP/1.1 connection of h1, carrying one exchange at a
// time (RFC 9112 §9.3: persistence, no pipelining).
type h1conn struct {
	conn    net.Conn
	cr      capReader
	cw      countWriter
	br      *bufio.Reader
	bw      *bufio.Writer
	peek    *peeker   // is it still open (alive_unix.go)
	pool    *h1pool   // whose slot it holds
	reused  bool      // it carried an exchange before this one
	expires time.Time // kept no longer than this

	mu        sync.Mutex // the deadline: the context's and the headers'
	cancelled bool       // the exchange's context ended: the deadline is in the past
	deadline  time.Time  // the read deadline set (zero: none)
	closeOnce sync.Once
	cancelFn  func() // cancel, made once: each exchange watches its context with it
}

func newH1Conn(c net.Conn) *h1conn {
	h := &h1conn{conn: c, peek: newPeeker(c)}
	h.cancelFn = h.cancel
	h.cr = capReader{r: c, left: -1}
	h.cw = countWriter{w: c}
	h.br = bufio.NewReaderSize(&h.cr, 4<<10) // answers past it are read straight into their own buffers
	h.bw = bufio.NewWriterSize(&h.cw, 8<<10)
	return h
}

// notWritten is a failure before any byte of the request reached the
// connection; closedBeforeAnswer, the connection ending before any byte of
// an answer: both on a kept connection may mean the server closed it while
// it was idle (h1.RoundTrip retries what is safe to).
type notWritten struct{ err error }

func (e *notWritten) Error() string { return e.err.Error() }
func (e *notWritten) Unwrap() error { return e.err }

type closedBeforeAnswer struct{ err error }

// unsent is a request refused before any of it was written (a header
// that would break the framing): the connection stays as it was.
type unsent struct{ err error }

func (e *unsent) Error() string { return e.err.Error() }
func (e *unsent) Unwrap() error { return e.err }

func (e *closedBeforeAnswer) Error() string {
	return "the server closed the connection before answering: " + e.err.Error()
}
func (e *closedBeforeAnswer) Unwrap() error { return e.err }

// watcher is a context that runs a function at its end, and forgets it,
// without allocating: bridge/inflight's Ctx, each message's context.
// context.AfterFunc costs an exchange three allocations and, on a context
// made for the message, two more for its done channel and children.
type watcher interface {
	Watch(f func()) (slot int)
	Unwatch(slot int) bool
}

// ctxWatch is an exchange's watch on its context's end.
type ctxWatch struct {
	w    watcher
	slot int
	stop func() bool // context.AfterFunc's, for any other context
}

func watchEnd(ctx context.Context, f func()) ctxWatch {
	if w, ok := ctx.(watcher); ok {
		return ctxWatch{w: w, slot: w.Watch(f)}
	}
	return ctxWatch{stop: context.AfterFunc(ctx, f)}
}

// end stops watching and reports whether that kept f from running.
func (w ctxWatch) end() bool {
	if w.w != nil {
		return w.w.Unwatch(w.slot)
	}
	return w.stop()
}

// aLongTimeAgo is a deadline that has passed: it ends any read or write.
var aLongTimeAgo = time.Unix(1, 0)

// exchange writes req and reads the answer's headers (within headers, when
// positive); the body is read from the connection by the caller, and when
// it ends the connection is kept (or closed).
func (c *h1conn) exchange(ctx context.Context, req *http.Request, headers time.Duration) (*http.Response, error) {
	c.mu.Lock()
	c.cancelled = false
	c.mu.Unlock()
	stop := watchEnd(ctx, c.cancelFn)
	fail := func(err error) (*http.Response, error) {
		stop.end()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	c.cw.n, c.cr.read = 0, 0
	gz := wantsGzip(req)
	err := writeRequest(c.bw, req, gz)
	if err != nil && c.cw.n == 0 { // refused before a byte left: the connection is still clean
		c.bw.Reset(&c.cw)
		stop.end()
		return nil, &unsent{err}
	}
	if err == nil {
		err = c.bw.Flush()
	}
	if err != nil {
		if c.cw.n == 0 {
			return fail(fmt.Errorf("send the request: %w", &notWritten{err}))
		}
		// A server may answer before it has read the whole request (a 413
		// for a body over its limit) and close: that answer is the one to
		// report (RFC 9112 §9.5), as net/http's Transport does.
		if resp := c.earlyAnswer(req); resp != nil {
			return c.answered(ctx, req, resp, stop, gz, false), nil
		}
		return fail(fmt.Errorf("send the request: %w", err))
	}
	if headers > 0 {
		c.boundHeaders(headers)
	}
	resp, err := c.readHeaders(req)
	if err != nil {
		switch {
		case c.cr.read == 0 && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)):
			err = &closedBeforeAnswer{err}
		case errors.Is(err, os.ErrDeadlineExceeded):
			err = fmt.Errorf("timeout awaiting response headers: %w", err)
		}
		return fail(err)
	}
	return c.answered(ctx, req, resp, stop, gz, !resp.Close && !req.Close && resp.StatusCode != http.StatusSwitchingProtocols), nil
}

// boundHeaders bounds the wait for the answer's headers by a read
// deadline d from now. One an earlier exchange left in place (its body
// came whole with its headers) is kept when it is at most d/64 short of
// that: setting a deadline costs the runtime a timer, twice per exchange.
func (c *h1conn) boundHeaders(d time.Duration) {
	want := time.Now().Add(d)
	c.mu.Lock()
	kept := !c.deadline.IsZero() && !c.deadline.After(want) && !c.deadline.Before(want.Add(-d/64))
	c.mu.Unlock()
	if !kept {
		c.setReadDeadline(want)
	}
}

// earlyAnswerWait bounds the look for an answer the server sent before a
// write to it failed: it is in the socket already, or it is not coming.
const earlyAnswerWait = 250 * time.Millisecond

// earlyAnswer reads an answer the server sent before the request's write
// failed, or returns nil when there is none (the usual broken connection).
func (c *h1conn) earlyAnswer(req *http.Request) *http.Response {
	c.setReadDeadline(time.Now().Add(earlyAnswerWait))
	resp, err := c.readHeaders(req)
	if err != nil {
		return nil
	}
	c.setReadDeadline(time.Time{})
	return resp
}

// answered hands over resp, whose headers are read: its body is read from
// the connection, which is kept at the end when reuse holds.
func (c *h1conn) answered(ctx context.Context, req *http.Request, resp *http.Response, stop ctxWatch, gz, reuse bool) *http.Response {
	c.expires = time.Now().Add(keepFor(resp.Header))
	b := &h1body{rc: resp.Body, c: c, ctx: ctx, stop: stop, reuse: reuse}
	b.arrived = resp.ContentLength >= 0 && int64(c.br.Buffered()) >= resp.ContentLength
	if !b.arrived && !c.deadline.IsZero() {
		c.setReadDeadline(time.Time{}) // the body is read from the connection: its reader's limits hold
	}
	if resp.Body == http.NoBody {
		b.finish(b.reuse)
		return resp
	}
	resp.Body = b
	if gz {
		gunzipped(resp)
	}
	return resp
}

// readHeaders reads the answer to req, past any 1xx interim answers
// (RFC 9110 §15.2); together they are bounded by the header cap.
func (c *h1conn) readHeaders(req *http.Request) (*http.Response, error) {
	c.cr.left = maxHeaderBytes
	defer func() { c.cr.left = -1 }()
	for {
		resp, err := readHead(c.br, req)
		if err == nil && resp == nil {
			resp, err = http.ReadResponse(c.br, req)
		}
		if err != nil {
			return nil, err
		}
		if resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols {
			return resp, nil
		}
	}
}

// keepFor is how long a connection may stay idle: the server's Keep-Alive
// timeout less a second (it closes at that time), at most idleFor.
func keepFor(h http.Header) time.Duration {
	ka := HeaderValue(h, "Keep-Alive")
	if ka == "" {
		return idleFor
	}
	for _, p := range strings.Split(ka, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "timeout") {
			continue
		}
		if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
			return min(max(time.Duration(s-1)*time.Second, 0), idleFor)
		}
	}
	return idleFor
}

// cancel ends the exchange under way: its context is done.
func (c *h1conn) cancel() {
	c.mu.Lock()
	c.cancelled = true
	_ = c.conn.SetDeadline(aLongTimeAgo)
	c.mu.Unlock()
}

// setReadDeadline sets (or with the zero time lifts) the read deadline,
// unless the context ended: its deadline in the past stays.
func (c *h1conn) setReadDeadline(t time.Time) {
	c.mu.Lock()
	if !c.cancelled {
		_ = c.conn.SetReadDeadline(t)
		c.deadline = t
	}
	c.mu.Unlock()
}

// close closes the connection and frees its slot.
func (c *h1conn) close() {
	c.closeOnce.Do(func() {
		_ = c.conn.Close()
		if c.pool != nil {
			<-c.pool.slots
		}
	})
}

// h1body is an answer's body read from its connection. At its end the
// connection goes back to the pool; closed before, it is closed.
type h1body struct {
	rc    io.ReadCloser // net/http's framing (Content-Length, chunked)
	c     *h1conn
	ctx   context.Context
	stop  ctxWatch // the context's watch
	reuse bool
	// arrived: the whole body came with the headers, into the connection's
	// buffer; reading it cannot wait on the network.
	arrived bool
	state   atomic.Int32 // bodyOpen, bodyDone, bodyClosed
}

// Arrived reports whether the whole body is in memory already: a time
// limit on reading it would never fire (the transport's deadline.go sets
// none then).
func (b *h1body) Arrived() bool { return b.arrived }

const (
	bodyOpen int32 = iota
	bodyDone
	bodyClosed
)

var errReadClosed = errors.New("http: read on closed response body")

func (b *h1body) Read(p []byte) (int, error) {
	switch b.state.Load() {
	case bodyDone:
		return 0, io.EOF
	case bodyClosed:
		return 0, errReadClosed
	}
	n, err := b.rc.Read(p)
	switch {
	case err == io.EOF:
		b.finish(b.reuse)
	case err != nil:
		if b.ctx.Err() != nil {
			err = b.ctx.Err()
		}
		_ = b.Close() // a broken body: the connection cannot carry another answer
	}
	return n, err
}

func (b *h1body) Close() error {
	if b.state.CompareAndSwap(bodyOpen, bodyClosed) {
		b.stop.end()
		b.c.close()
	}
	return nil
}

// finish ends the exchange once: the connection is kept when reuse holds
// and the context did not end it.
func (b *h1body) finish(reuse bool) {
	if !b.state.CompareAndSwap(bodyOpen, bodyDone) {
		return
	}
	if !b.stop.end() { // the context ended: its deadline is on the connection
		reuse = false
	}
	if reuse && b.c.pool != nil {
		b.c.pool.put(b.c)
		return
	}
	b.c.close()
}

// countWriter counts the bytes that reached the connection.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
