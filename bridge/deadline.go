package bridge

import (
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// idleBody cuts a response body whose server stays silent longer than the
// limit between two reads: the timer closes the body, which ends the read
// under way.
type idleBody struct {
	io.ReadCloser
	limit   time.Duration
	timer   *time.Timer
	fired   atomic.Bool
	stopped bool // no limit any more (set before the first read)
}

var errBodyTimeout = errors.New("the server sent nothing for too long (see --body-timeout)")

func newIdleBody(rc io.ReadCloser, limit time.Duration) io.ReadCloser {
	if limit <= 0 {
		return rc
	}
	b := &idleBody{ReadCloser: rc, limit: limit}
	b.timer = time.AfterFunc(limit, func() {
		b.fired.Store(true)
		_ = rc.Close()
	})
	return b
}

func (b *idleBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if b.fired.Load() {
		return n, fmt.Errorf("%w (%v without data)", errBodyTimeout, b.limit)
	}
	if !b.stopped {
		b.timer.Reset(b.limit)
	}
	return n, err
}

// stopIdle keeps a long-lived stream (the GET stream) open however quiet.
func stopIdle(rc io.ReadCloser) {
	if b, ok := rc.(*idleBody); ok {
		b.stopped = true
		b.timer.Stop()
	}
}

func (b *idleBody) Close() error {
	b.timer.Stop()
	return b.ReadCloser.Close()
}
