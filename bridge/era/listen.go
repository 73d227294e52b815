package era

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/mcpbridge/mcpbridge/bridge/inflight"
	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
	"github.com/mcpbridge/mcpbridge/internal/ctxtime"
)

// listener gives a legacy client the change notifications it expects from
// a 2026-07-28 server, which sends them only on a subscriptions/listen
// stream the client opted into (2026-07-28 basic/patterns/subscriptions).
// It keeps one stream open for every list-changed type the server
// announces and every resource the client subscribed to. A change of
// subscriptions opens a new stream, waits for its acknowledgment, then
// closes the old one, so no notification falls in between (one may come
// twice, which list-changed and updated notifications tolerate).
type listener struct {
	b *Env
	u *upgrade

	listChanged  []string // filter fields for the list-changed types announced
	canSubscribe bool     // the server announced resources.subscribe

	switching chan struct{} // holds a token while a stream change is under way: one at a time
	stop      chan struct{} // closed when the bridge shuts down: no stream opens any more
	stopOnce  sync.Once

	mu      sync.Mutex
	started bool
	uris    []string
	cur     *listenStream
	streams map[string]*listenStream // every stream open or opening, by id
	retry   time.Duration            // delay before reopening a stream that broke
}

// listenStream is one subscriptions/listen request.
type listenStream struct {
	id     []byte
	acked  chan struct{}
	once   sync.Once
	closed bool // closed by the bridge: no reopening
}

func newListener(b *Env, u *upgrade, caps []byte) *listener {
	l := &listener{b: b, u: u, streams: map[string]*listenStream{}, switching: make(chan struct{}, 1), stop: make(chan struct{})}
	for _, kind := range []struct{ capability, filter string }{
		{"tools", "toolsListChanged"}, {"prompts", "promptsListChanged"}, {"resources", "resourcesListChanged"},
	} {
		if string(jsonrpc.Field(jsonrpc.Field(caps, kind.capability), "listChanged")) == "true" {
			l.listChanged = append(l.listChanged, kind.filter)
		}
	}
	l.canSubscribe = string(jsonrpc.Field(jsonrpc.Field(caps, "resources"), "subscribe")) == "true"
	return l
}

// start opens the stream once the client has initialized.
func (l *listener) start() {
	l.mu.Lock()
	l.started = true
	l.mu.Unlock()
	if err := l.reopen(); err != nil {
		l.b.Log.Warn("could not open the server's notification stream (subscriptions/listen)", "error", err)
	}
}

// change handles resources/subscribe and resources/unsubscribe: the client
// hears back once the server acknowledged the new stream.
func (l *listener) change(m *jsonrpc.Message) func() {
	uri, ok := jsonrpc.StringValue(jsonrpc.Field(m.Params, "uri"))
	if !ok {
		l.b.Reply(jsonrpc.ErrorResponse(m.ID, jsonrpc.CodeInvalidParams, "Invalid params: uri must be a string", nil))
		return nil
	}
	if !l.canSubscribe {
		l.b.Reply(jsonrpc.ErrorResponse(m.ID, jsonrpc.CodeMethodNotFound, "Method not found: the server does not offer resource subscriptions", nil))
		return nil
	}
	l.mu.Lock()
	l.uris = without(l.uris, uri)
	if m.Method == "resources/subscribe" {
		l.uris = append(l.uris, uri)
	}
	l.started = true
	l.mu.Unlock()
	return func() {
		if err := l.reopen(); err != nil {
			l.b.Reply(jsonrpc.ErrorFor(m.ID, fmt.Errorf("the server did not take the subscription: %w", err)))
			return
		}
		l.b.Reply(jsonrpc.ResultResponse(m.ID, []byte("{}")))
	}
}

func without(list []string, s string) []string {
	out := list[:0:0]
	for _, v := range list {
		if v != s {
			out = append(out, v)
		}
	}
	return out
}

// filter renders the notifications filter for the current interest; nil
// when there is nothing to listen for.
func (l *listener) filter() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	var ms [][]byte
	for _, f := range l.listChanged {
		ms = append(ms, jsonrpc.Member([]byte(f), []byte("true")))
	}
	if len(l.uris) > 0 {
		uris := make([][]byte, len(l.uris))
		for i, u := range l.uris {
			uris[i] = []byte(strconv.Quote(u))
		}
		ms = append(ms, jsonrpc.Member([]byte("resourceSubscriptions"), jsonrpc.JoinArray(uris)))
	}
	if len(ms) == 0 || !l.started {
		return nil
	}
	return jsonrpc.WrapObject(jsonrpc.JoinMembers(ms...))
}

// reopen replaces the current stream by one with the current filter,
// after the change under way, if any: that one may wait the whole
// acknowledgment timeout. The wait for it is a channel's, which shutdown
// and the bridge's end cut short (a mutex's could only outlast the other
// change), and which testing/synctest counts as durably blocked, so a
// test's clock still reaches the other change's timeout.
func (l *listener) reopen() error {
	select {
	case l.switching <- struct{}{}:
	case <-l.stop:
		return inflight.ErrShuttingDown
	case <-l.b.Ctx.Done():
		return l.b.Ctx.Err()
	}
	defer func() { <-l.switching }()
	var next *listenStream
	if f := l.filter(); f != nil {
		next = &listenStream{id: inflight.OwnID("listen"), acked: make(chan struct{})}
		if err := l.open(next, f); err != nil {
			return err
		}
	}
	l.mu.Lock()
	old := l.cur
	l.cur = next
	l.mu.Unlock()
	l.close(old)
	return nil
}

// shutdown ends every wait for an acknowledgment and opens no stream
// after it: a subscribe waiting for its stream (or behind another change)
// is answered before the bridge's shutdown stops waiting.
func (l *listener) shutdown() { l.stopOnce.Do(func() { close(l.stop) }) }

// open sends the listen request and waits for its acknowledgment.
func (l *listener) open(s *listenStream, filter []byte) error {
	select {
	case <-l.stop:
		return inflight.ErrShuttingDown
	default:
	}
	params := jsonrpc.WrapObject(jsonrpc.Member([]byte("notifications"), filter))
	m := jsonrpc.WithMeta(jsonrpc.NewRequest(s.id, "subscriptions/listen", params), l.u.metaMembers())
	l.b.Catalog.Annotate(m)
	failed := make(chan error, 1)
	c := &inflight.Call{ID: s.id, Method: m.Method, Req: m, Internal: true, LongLived: true, OnAnswer: func(_ *jsonrpc.Message, err error) {
		if err == nil {
			err = errors.New("the server ended the stream")
		}
		select {
		case failed <- err:
		default:
		}
		l.ended(s, err)
	}}
	if !l.b.Calls.Add(c) {
		return errors.New("duplicate listen id")
	}
	l.mu.Lock()
	l.streams[jsonrpc.IDKey(s.id)] = s
	l.mu.Unlock()
	go l.b.Send(m)()
	t := time.NewTimer(l.b.AckTimeout)
	defer t.Stop()
	select {
	case <-s.acked:
		l.mu.Lock()
		l.retry = 0
		l.mu.Unlock()
		return nil
	case err := <-failed:
		return err
	case <-t.C:
		l.close(s)
		return fmt.Errorf("no acknowledgment within %v", l.b.AckTimeout)
	case <-l.stop:
		l.close(s)
		return inflight.ErrShuttingDown
	case <-l.b.Ctx.Done():
		return l.b.Ctx.Err()
	}
}

// close ends a stream of the bridge's choosing: closing the HTTP stream is
// the cancellation (basic/patterns/subscriptions §Cancellation).
func (l *listener) close(s *listenStream) {
	if s == nil {
		return
	}
	l.mu.Lock()
	s.closed = true
	delete(l.streams, jsonrpc.IDKey(s.id))
	l.mu.Unlock()
	if c := l.b.Calls.Take(s.id); c != nil {
		c.Abort()
	}
}

// ended reopens the current stream when the server or the network ended
// it, after a delay that doubles up to 30 s while reopening fails.
func (l *listener) ended(s *listenStream, err error) {
	l.mu.Lock()
	delete(l.streams, jsonrpc.IDKey(s.id))
	current := l.cur == s && !s.closed
	if current {
		l.retry = min(max(2*l.retry, time.Second), 30*time.Second)
	}
	delay := l.retry
	l.mu.Unlock()
	if !current || l.b.Ctx.Err() != nil || errors.Is(err, inflight.ErrShuttingDown) {
		return
	}
	l.b.Log.Info("the server's notification stream ended; reopening it", "error", err, "in", delay)
	go func() {
		if ctxtime.Sleep(l.b.Ctx, delay) != nil {
			return
		}
		if err := l.reopen(); err != nil {
			l.b.Log.Warn("could not reopen the server's notification stream", "error", err)
		}
	}()
}

// notification consumes the acknowledgment of a stream; the notifications
// the stream carries go on to the client, but for those of a stream the
// bridge has closed. Closing cancels the stream's exchange, whose reader
// may still hand over what it had read: a client that unsubscribed (and
// was answered) must hear no more of the resource, and what the old stream
// carried for the rest comes on the new one too.
func (l *listener) notification(m *jsonrpc.Message) bool {
	id := jsonrpc.Field(jsonrpc.Field(m.Params, "_meta"), jsonrpc.MetaSubscriptionID)
	if m.Method != "notifications/subscriptions/acknowledged" {
		return l.closedStream(id)
	}
	l.mu.Lock()
	s := l.streams[jsonrpc.IDKey(id)]
	l.mu.Unlock()
	if s != nil {
		s.once.Do(func() { close(s.acked) })
	}
	return true
}

// closedStream reports whether id names a listen stream of the bridge's
// that is no longer open.
func (l *listener) closedStream(id []byte) bool {
	if !bytes.HasPrefix(id, []byte(`"mcpbridge-listen-`)) {
		return false
	}
	l.mu.Lock()
	_, open := l.streams[jsonrpc.IDKey(id)]
	l.mu.Unlock()
	return !open
}
