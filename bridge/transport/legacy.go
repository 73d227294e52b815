package transport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
	"github.com/mcpbridge/mcpbridge/internal/httpclient"
	"github.com/mcpbridge/mcpbridge/internal/netrule"
)

// legacySSE is the HTTP+SSE client of protocol 2024-11-05 (basic/transports
// §HTTP with SSE): a GET opens an event stream whose first event, endpoint,
// names the URL to POST messages to; every answer comes back on the stream.
type legacySSE struct {
	http *httpPeer
	url  *url.URL
	sink Sink
	log  *slog.Logger
	life context.Context
	// answerTimeout is Config.AnswerTimeout: the longest a request waits
	// while the stream carries no message (0: no limit).
	answerTimeout time.Duration
	// mayFallBack lets the first connection report errOtherTransport when
	// the URL is no event stream.
	mayFallBack bool

	// connecting holds a token while a connection is made: one at a time.
	// A request behind it waits on a channel its context cuts short (and
	// that testing/synctest counts as durably blocked): the connection may
	// wait endpointWait for its endpoint event.
	connecting chan struct{}

	mu        sync.Mutex // the fields below; never held across an exchange
	conn      *sseConn   // nil when not connected
	connected bool       // some connection worked: no more fallback
	initReq   *jsonrpc.Message
	initNote  *jsonrpc.Message
}

// sseConn is one open event stream and the POST endpoint it named.
type sseConn struct {
	post    string
	lost    chan struct{} // closed when the stream ends
	private sync.Map      // id → chan *message: answers to the bridge's own replays
	lastMsg atomic.Int64  // when the last message came (UnixNano)
}

func (c *sseConn) lastMessage() time.Time { return time.Unix(0, c.lastMsg.Load()) }

// endpointWait bounds the wait for the endpoint event.
const endpointWait = 30 * time.Second

func newLegacySSE(life context.Context, h *httpPeer, u *url.URL, s Sink, log *slog.Logger, fallback bool) *legacySSE {
	return &legacySSE{http: h, url: u, sink: s, log: log, life: life, mayFallBack: fallback, connecting: make(chan struct{}, 1)}
}

// roundTrip POSTs m to the endpoint and, for a request, waits for its
// answer on the stream.
func (l *legacySSE) roundTrip(ctx context.Context, m *jsonrpc.Message) error {
	l.remember(m)
	c, err := l.connection(ctx, m)
	if err != nil {
		return err
	}
	if err := l.post(ctx, c, m); err != nil {
		return err
	}
	if m.Kind != jsonrpc.KindRequest {
		return nil
	}
	answered := l.sink.Waiting(m.ID)
	if answered == nil {
		return nil
	}
	return l.await(ctx, c, answered)
}

// await waits for a request's answer (answered closes) while the stream lives and carries a
// message at least every answerTimeout (keep-alive comments do not count).
func (l *legacySSE) await(ctx context.Context, c *sseConn, answered <-chan struct{}) error {
	since := time.Now()
	var t *time.Timer
	var quiet <-chan time.Time
	if l.answerTimeout > 0 {
		t = time.NewTimer(l.answerTimeout)
		defer t.Stop()
		quiet = t.C
	}
	for {
		select {
		case <-answered:
			return nil
		case <-c.lost:
			return errors.New("the server's event stream closed before the answer")
		case <-ctx.Done():
			return ctx.Err()
		case <-quiet:
			last := since
			if lm := c.lastMessage(); lm.After(last) {
				last = lm
			}
			if idle := time.Since(last); idle < l.answerTimeout {
				t.Reset(l.answerTimeout - idle)
				continue
			}
			return fmt.Errorf("no answer: the event stream carried no message for %v", l.answerTimeout)
		}
	}
}

func (l *legacySSE) remember(m *jsonrpc.Message) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case m.Kind == jsonrpc.KindRequest && m.Method == "initialize":
		l.initReq = m
	case m.Kind == jsonrpc.KindNotification && m.Method == "notifications/initialized":
		l.initNote = m
	}
}

// post sends one message to the endpoint. Servers answer 202 (or 200); a
// JSON-RPC error in a refusal's body reaches the client.
func (l *legacySSE) post(ctx context.Context, c *sseConn, m *jsonrpc.Message) error {
	hdr := http.Header{"Content-Type": {"application/json"}}
	resp, err := l.http.do(ctx, http.MethodPost, c.post, m.Raw, hdr)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := ReadBody(resp, 1<<20)
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	if rpc, _ := jsonrpc.Parse(body); rpc != nil && rpc.Kind == jsonrpc.KindResponse && rpc.ErrorValue != nil && m.Kind == jsonrpc.KindRequest {
		l.sink.Deliver(&jsonrpc.Message{Raw: rebindError(m.ID, rpc.ErrorValue), Kind: jsonrpc.KindResponse, ID: m.ID, ErrorValue: rpc.ErrorValue})
		return nil
	}
	return statusError(resp, body)
}

// connection returns the open stream, connecting first if needed. A
// reconnection replays the client's initialize handshake, since the old
// stream's session died with it.
func (l *legacySSE) connection(ctx context.Context, m *jsonrpc.Message) (*sseConn, error) {
	if c := l.open(); c != nil {
		return c, nil
	}
	select {
	case l.connecting <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-l.connecting }()
	if c := l.open(); c != nil {
		return c, nil // made while this request waited
	}
	c, err := l.connect(ctx)
	l.mu.Lock()
	first := !l.connected
	l.connected = l.connected || err == nil
	initReq, initNote := l.initReq, l.initNote
	l.mu.Unlock()
	if err != nil {
		if l.mayFallBack && first {
			return nil, fmt.Errorf("%w: %w", errOtherTransport, err)
		}
		return nil, err
	}
	// Other requests see the new stream once the handshake is replayed
	// on it, so none reaches the server before its session does.
	var replayErr error
	if !first && initReq != nil && m != initReq {
		replayErr = l.replay(ctx, c, initReq, initNote)
	}
	l.mu.Lock()
	l.conn = c
	l.mu.Unlock()
	if replayErr != nil {
		return nil, fmt.Errorf("the event stream reconnected but the session could not be restored: %w", replayErr)
	}
	return c, nil
}

// open returns the open stream; nil when there is none or it ended.
func (l *legacySSE) open() *sseConn {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn != nil {
		select {
		case <-l.conn.lost:
			l.conn = nil
		default:
		}
	}
	return l.conn
}

// connect opens the stream and waits for the endpoint event.
func (l *legacySSE) connect(ctx context.Context) (*sseConn, error) {
	resp, err := l.http.do(l.life, http.MethodGet, l.url.String(), nil, http.Header{"Accept": {"text/event-stream"}})
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK || !isEventStream(resp) {
		body, _ := ReadBody(resp, 4<<10)
		resp.Body.Close()
		return nil, fmt.Errorf("no HTTP+SSE event stream at %s: %w", netrule.Redact(l.url), statusError(resp, body))
	}
	stopIdle(resp.Body)
	ev := newSSEReader(resp.Body).useBudget(l.life, l.http.mem)
	type result struct {
		e   sseEvent
		err error
	}
	got := make(chan result, 1)
	go func() {
		e, err := ev.next()
		got <- result{e, err}
	}()
	var first result
	select {
	case first = <-got:
	case <-time.After(endpointWait):
		first.err = fmt.Errorf("no endpoint event within %v", endpointWait)
	case <-ctx.Done():
		first.err = ctx.Err()
	}
	if first.err == nil && first.e.name != "endpoint" {
		first.err = fmt.Errorf("the stream's first event is %q, not endpoint", first.e.name)
	}
	post, err := ResolveEndpoint(l.url, first.e.bytes())
	if first.err != nil || err != nil {
		resp.Body.Close()
		return nil, errors.Join(first.err, err)
	}
	c := &sseConn{post: post, lost: make(chan struct{})}
	go l.readLoop(c, ev, resp)
	return c, nil
}

// readLoop delivers the stream's messages until it ends.
func (l *legacySSE) readLoop(c *sseConn, ev *sseReader, resp *http.Response) {
	defer close(c.lost)
	defer resp.Body.Close()
	for {
		e, err := ev.next()
		if err != nil {
			if l.life.Err() == nil {
				l.log.Warn("the HTTP+SSE event stream ended", "error", err)
			}
			return
		}
		msg, err := l.eventMessage(e)
		if msg == nil {
			if err != nil {
				l.log.Warn("the server sent an event that is not JSON-RPC; dropped", "error", err)
			}
			continue
		}
		c.lastMsg.Store(time.Now().UnixNano())
		if msg.Kind == jsonrpc.KindResponse {
			if ch, ok := c.private.LoadAndDelete(jsonrpc.IDKey(msg.ID)); ok {
				ch.(chan *jsonrpc.Message) <- msg
				e.release()
				continue
			}
		}
		l.sink.Deliver(msg)
		e.release() // written out (or dropped): its bytes are free again
	}
}

// eventMessage is the JSON-RPC message an event carries, or nil; the
// event's budget is released unless a message is handed on.
func (l *legacySSE) eventMessage(e sseEvent) (*jsonrpc.Message, error) {
	if e.name != "message" || e.empty() {
		e.release()
		return nil, nil
	}
	m, err := e.message()
	if err != nil {
		e.release()
	}
	return m, err
}

// replay sends the client's initialize and initialized on a new stream; the
// initialize answer goes to no one.
func (l *legacySSE) replay(ctx context.Context, c *sseConn, initReq, initNote *jsonrpc.Message) error {
	ch := make(chan *jsonrpc.Message, 1)
	c.private.Store(jsonrpc.IDKey(initReq.ID), ch)
	if err := l.post(ctx, c, initReq); err != nil {
		return err
	}
	select {
	case <-ch:
	case <-c.lost:
		return errors.New("the stream closed during initialize")
	case <-ctx.Done():
		return ctx.Err()
	}
	if initNote != nil {
		return l.post(ctx, c, initNote)
	}
	return nil
}

// close ends the stream.
func (l *legacySSE) close(context.Context) {}

// ResolveEndpoint resolves the data of an HTTP+SSE endpoint event against
// the stream's URL and holds the result to the rules the transport posts
// under: printable, the stream's origin, netrule's URL rule.
func ResolveEndpoint(stream *url.URL, data []byte) (string, error) {
	if !netrule.Printable(string(data)) {
		return "", fmt.Errorf("refusing the endpoint %s: it holds a space or control character", snippet(data))
	}
	ref, err := url.Parse(string(data))
	if err != nil {
		return "", fmt.Errorf("invalid endpoint %s: %w", snippet(data), err)
	}
	u := stream.ResolveReference(ref)
	if err := httpclient.SameOrigin(stream, u); err != nil {
		return "", fmt.Errorf("refusing the endpoint: %w", err)
	}
	return u.String(), nil
}
