package transport

import (
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// timedBody holds a response body to --body-timeout (Config.BodyTimeout):
//
//   - a JSON (or any other non-SSE) body must arrive whole within the limit
//     of the response headers, however it is trickled (whole);
//   - an SSE stream may be silent at most the limit between two reads
//     (idle), unless stopIdle lifted that for a long-lived stream;
//   - an SSE event, or a comment line, must complete within the limit of
//     its first byte (startEvent, endEvent: sse.go), on every stream;
//   - an answer stream must carry a message within its progress limit
//     (watchProgress: Config.AnswerTimeout); keep-alive comments do not
//     count.
//
// A timer that fires closes the body, which ends the read under way with
// the timer's cause.
type timedBody struct {
	io.ReadCloser
	limit    time.Duration
	idle     *time.Timer // nil for a whole body
	whole    *time.Timer
	event    *time.Timer // armed by startEvent
	progress *time.Timer // armed by watchProgress
	patience time.Duration
	cause    atomic.Pointer[error]
	stopped  bool // no silence limit any more (set before the first read)
}

var (
	errBodyTimeout   = errors.New("the server sent nothing for too long (see --body-timeout)")
	errBodyDeadline  = errors.New("the server did not send its whole answer in time (see --body-timeout)")
	errEventDeadline = errors.New("the server did not complete an SSE event in time (see --body-timeout)")
	errNoProgress    = errors.New("the answer stream carried no message for too long (keep-alive comments do not count)")
)

// newIdleBody limits the silence between reads of an event stream, and
// each event's time (limit <= 0: neither).
func newIdleBody(rc io.ReadCloser, limit time.Duration) io.ReadCloser {
	b := &timedBody{ReadCloser: rc, limit: limit}
	if limit <= 0 {
		return b // still watches progress on an answer stream
	}
	b.idle = time.AfterFunc(limit, func() { b.cut(fmt.Errorf("%w (%v without data)", errBodyTimeout, limit)) })
	b.event = time.AfterFunc(limit, func() {
		b.cut(fmt.Errorf("%w: an event was still incomplete %v after its first byte", errEventDeadline, limit))
	})
	b.event.Stop() // armed at an event's first byte
	return b
}

// newWholeBody wants the whole body within limit of now (the headers). A
// body that came whole with its headers (httpclient's h1 says so: Arrived)
// needs no timer.
func newWholeBody(rc io.ReadCloser, limit time.Duration) io.ReadCloser {
	if a, ok := rc.(interface{ Arrived() bool }); limit <= 0 || ok && a.Arrived() {
		return rc
	}
	b := &timedBody{ReadCloser: rc, limit: limit}
	b.whole = time.AfterFunc(limit, func() {
		b.cut(fmt.Errorf("%w: not all of it within %v of its headers", errBodyDeadline, limit))
	})
	return b
}

// cut closes the body for err; the first cause wins.
func (b *timedBody) cut(err error) {
	if b.cause.CompareAndSwap(nil, &err) {
		_ = b.ReadCloser.Close()
	}
}

func (b *timedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if c := b.cause.Load(); c != nil {
		return n, *c
	}
	if b.idle != nil && !b.stopped {
		b.idle.Reset(b.limit)
	}
	return n, err
}

// stopIdle keeps a long-lived stream (the GET stream) open however quiet
// between events; the event deadline still holds.
func stopIdle(rc io.ReadCloser) {
	if b, ok := rc.(*timedBody); ok && b.idle != nil {
		b.stopped = true
		b.idle.Stop()
	}
}

// startEvent starts the clock of an SSE event (or comment line) at its
// first byte (WHATWG SSE §9.2.6: an event ends at a blank line).
func (b *timedBody) startEvent() {
	if b.event != nil {
		b.event.Reset(b.limit)
	}
}

// endEvent stops the event clock.
func (b *timedBody) endEvent() {
	if b.event != nil {
		b.event.Stop()
	}
}

// progressed tells an answer stream's progress limit that a JSON-RPC
// message came.
func (b *timedBody) progressed() {
	if b.progress != nil {
		b.progress.Reset(b.patience)
	}
}

// watchProgress wants a JSON-RPC message (an answer, a notification, a
// server request; keep-alive comments are no progress) within first, and
// then at least every d, on an answer stream. d <= 0 sets no limit.
func watchProgress(rc io.Reader, first, d time.Duration) {
	b, ok := rc.(*timedBody)
	if !ok || d <= 0 || b.progress != nil {
		return
	}
	b.patience = d
	b.progress = time.AfterFunc(max(first, 0), func() { b.cut(fmt.Errorf("%w: none for %v", errNoProgress, d)) })
}

func (b *timedBody) Close() error {
	for _, t := range []*time.Timer{b.idle, b.whole, b.event, b.progress} {
		if t != nil {
			t.Stop()
		}
	}
	return b.ReadCloser.Close()
}

// eventClock is what sse.go sees of a timedBody.
type eventClock interface {
	startEvent()
	endEvent()
	progressed()
}
