package transport

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
	"github.com/mcpbridge/mcpbridge/internal/ctxtime"
)

// Reconnecting, bounded: resuming a broken answer stream (MCP 2025-11-25
// basic/transports §Resumability and Redelivery) and reopening the GET
// stream (§Listening for Messages from the Server). The server's retry
// field (WHATWG SSE §9.2.6, the reconnection time) is held between
// MinRetry — below it a server could make the bridge reconnect hundreds of
// times a second — and maxRetry — above it the bridge would sleep through
// the request; attempts that bring nothing back off exponentially, with
// jitter, and end after a few.
const (
	MinRetry          = 250 * time.Millisecond
	maxRetry          = 30 * time.Second
	defaultRetry      = time.Second // when the server set no retry
	MaxResumeFailures = 5           // resumptions in a row that bring no event
	MaxListenFailures = 8           // GET stream attempts in a row without progress
)

// retryDelay is the wait before a reconnection after failures attempts in
// a row that brought nothing: the server's retry (ms; 0 when unset), held
// to [minRetry, maxRetry], doubled per failure up to maxRetry, plus up to
// a quarter more of jitter (never less than the server asked for).
func retryDelay(ms, failures int) time.Duration {
	d := defaultRetry
	if ms > 0 {
		d = maxRetry
		if ms < int(maxRetry/time.Millisecond) {
			d = max(time.Duration(ms)*time.Millisecond, MinRetry)
		}
	}
	for i := 0; i < failures && d < maxRetry; i++ {
		d *= 2
	}
	d = min(d, maxRetry)
	return d + rand.N(d/4+1)
}

// answerClock is a request's progress rule across its answer stream and
// the streams that resume it: a JSON-RPC message at least every limit
// (Config.AnswerTimeout; 0: no limit).
type answerClock struct {
	limit time.Duration
	last  time.Time
}

func newAnswerClock(limit time.Duration) *answerClock {
	return &answerClock{limit: limit, last: time.Now()}
}

// left is the time until the limit; a day when there is none.
func (c *answerClock) left() time.Duration {
	if c.limit <= 0 {
		return 24 * time.Hour
	}
	return c.limit - time.Since(c.last)
}

// watch puts body under the rule (deadline.go).
func (c *answerClock) watch(body any) {
	if r, ok := body.(*timedBody); ok {
		watchProgress(r, c.left(), c.limit)
	}
}

// wrap notes each message delivered.
func (c *answerClock) wrap(deliver func(*jsonrpc.Message)) func(*jsonrpc.Message) {
	return func(x *jsonrpc.Message) {
		c.last = time.Now()
		deliver(x)
	}
}

// resumable reports whether a broken answer stream may be resumed:
// 2026-07-28 streams are not (reissue.go), nor a stream without event ids.
func resumable(m *jsonrpc.Message, ev *sseReader, err error) bool {
	return err != nil && !errors.Is(err, errAnswered) && !errors.Is(err, errNoProgress) && ev.idSeen && m.Modern == ""
}

// resumeAnswer resumes m's broken answer stream with Last-Event-ID while
// the server makes progress: a server may close the connection after every
// event and expect the client to poll. maxResumeFailures attempts in a row
// that bring no event end it, and so does reconnecting for longer than
// --body-timeout since the last event; the error names the last cause.
func (s *streamable) resumeAnswer(ctx context.Context, m *jsonrpc.Message, ev *sseReader, clock *answerClock, deliver func(*jsonrpc.Message), err error) error {
	limit := s.http.bodyTimeout
	since := time.Now()
	for failures := 0; resumable(m, ev, err); {
		if failures == MaxResumeFailures {
			return fmt.Errorf("%w, and could not be resumed in %d attempts: %w", errStreamBroke, failures, err)
		}
		wait := retryDelay(ev.retry, failures)
		var by time.Time
		if limit > 0 {
			by = since.Add(limit)
			if time.Now().Add(wait).After(by) {
				return fmt.Errorf("%w, and could not be resumed within %v: %w", errStreamBroke, limit, err)
			}
		}
		s.log.Debug("the answer stream broke; resuming it", "wait", wait, "error", err)
		if werr := ctxtime.Sleep(ctx, wait); werr != nil {
			return werr
		}
		before := ev.events
		err = s.resume(ctx, m, ev, clock, deliver, by)
		if ev.events > before {
			failures, since = 0, time.Now()
		} else {
			failures++
		}
	}
	return err
}

// errResumeLate is a resuming GET the server did not answer in time.
var errResumeLate = errors.New("the server did not answer the resuming GET in time")

// resume reopens a broken stream with GET and Last-Event-ID; the server
// must send the response headers by by (zero: no limit).
func (s *streamable) resume(ctx context.Context, m *jsonrpc.Message, ev *sseReader, clock *answerClock, deliver func(*jsonrpc.Message), by time.Time) error {
	shared, _ := s.headersFor(m)
	hdr := shared.Clone()
	hdr.Set("Accept", "text/event-stream")
	hdr.Del("Content-Type")
	hdr.Set("Last-Event-ID", ev.lastID)
	resp, release, err := s.getBy(ctx, hdr, by)
	if err != nil {
		return err
	}
	defer release()
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !isEventStream(resp) {
		body, _ := ReadBody(resp, 4<<10)
		return fmt.Errorf("resuming failed: %w", statusError(resp, body))
	}
	clock.watch(resp.Body)
	*ev = *ev.continueOn(resp.Body)
	return s.pump(ev, m, deliver)
}

// getBy sends a GET whose response headers must come by by (zero: no
// limit); the body, once there, lives on until release, under its own
// limits.
func (s *streamable) getBy(ctx context.Context, hdr http.Header, by time.Time) (*http.Response, context.CancelFunc, error) {
	actx, cancel := context.WithCancel(ctx)
	var late *time.Timer
	if !by.IsZero() {
		late = time.AfterFunc(time.Until(by), cancel)
	}
	resp, err := s.http.do(actx, http.MethodGet, s.endpoint, nil, hdr)
	if !by.IsZero() && !late.Stop() { // fired: too late, whatever came
		if err == nil {
			resp.Body.Close()
		}
		cancel()
		return nil, nil, errResumeLate
	}
	if err != nil {
		cancel()
		return nil, nil, err
	}
	return resp, cancel, nil
}
