package transport

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
	"github.com/mcpbridge/mcpbridge/internal/ctxtime"
)

// renew starts a new session after the server answered 404 to session gen
// (MCP 2025-11-25 basic/transports §Session Management 4): it replays the
// client's own initialize and notifications/initialized, so the client sees
// no error and keeps its ids. Concurrent callers share one renewal.
func (s *streamable) renew(ctx context.Context, gen int) error {
	s.mu.Lock()
	if s.gen != gen { // someone else already renewed this session
		s.mu.Unlock()
		return nil
	}
	if r := s.renewal; r != nil {
		s.mu.Unlock()
		select {
		case <-r.done:
			return r.err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	r := &renewal{done: make(chan struct{})}
	s.renewal = r
	init, note := s.initReq, s.initNote
	s.session = ""
	s.mu.Unlock()

	r.err = s.replay(ctx, init, note)
	s.mu.Lock()
	s.renewal = nil
	s.mu.Unlock()
	close(r.done)
	return r.err
}

// replay runs the initialize handshake again with the client's messages.
// The initialize answer goes to no one; whatever else the server sends on
// the way reaches the client as usual.
func (s *streamable) replay(ctx context.Context, init, note *jsonrpc.Message) error {
	if init == nil {
		return errors.New("the client never sent initialize, so there is nothing to replay")
	}
	var answer *jsonrpc.Message
	keep := func(m *jsonrpc.Message) {
		if m.Kind == jsonrpc.KindResponse && jsonrpc.IDKey(m.ID) == jsonrpc.IDKey(init.ID) {
			answer = m
			return
		}
		s.sink.Deliver(m)
	}
	hdr, _ := s.headersFor(init)
	resp, err := s.http.do(ctx, http.MethodPost, s.endpoint, init.Raw, hdr)
	if err != nil {
		return err
	}
	if err := s.answer(ctx, init, resp, keep); err != nil && answer == nil {
		return fmt.Errorf("initialize: %w", err)
	}
	switch {
	case answer == nil:
		return errors.New("initialize: no answer")
	case answer.HasError:
		return fmt.Errorf("initialize: the server refused it: %s", snippet(answer.Flat().ErrorValue))
	}
	if note == nil {
		return nil
	}
	nhdr, _ := s.headersFor(note)
	resp, err = s.http.do(ctx, http.MethodPost, s.endpoint, note.Raw, nhdr)
	if err != nil {
		return fmt.Errorf("notifications/initialized: %w", err)
	}
	return s.answer(ctx, note, resp, keep)
}

// listen opens the GET stream for the current session once, after
// notifications/initialized went through (§Listening for Messages from the
// Server).
//
// It returns once the server has answered the GET (or after openWait): a
// server sends on the GET stream what does not belong to a request (a
// request of its own, a list change), and drops it when no stream is open,
// so the client's next requests must not overtake the stream.
func (s *streamable) listen(ctx context.Context) {
	s.mu.Lock()
	if s.listening == s.gen {
		s.mu.Unlock()
		return
	}
	s.listening = s.gen
	gen := s.gen
	s.mu.Unlock()
	opened := make(chan struct{})
	go s.listenLoop(gen, opened)
	t := time.NewTimer(openWait)
	defer t.Stop()
	select {
	case <-opened:
	case <-t.C:
	case <-ctx.Done():
	}
}

// openWait bounds how long later requests wait for the GET stream.
const openWait = time.Second

// listenLoop keeps the GET stream open for session gen: it reconnects after
// drops (with Last-Event-ID and the server's retry delay, resume.go), and
// stops on 405 (no stream offered), when the session changes, when the
// bridge shuts down, or after maxListenFailures attempts in a row without
// progress, which it logs once.
func (s *streamable) listenLoop(gen int, opened chan struct{}) {
	var ev *sseReader
	first := sync.OnceFunc(func() { close(opened) })
	defer first()
	for failures := 0; s.life.Err() == nil && s.currentGen() == gen; {
		resp, err := s.openStream(ev)
		first() // the server has answered (or cannot be reached)
		progress := false
		switch {
		case err != nil:
			err = fmt.Errorf("could not connect: %w", err)
		case resp.StatusCode == http.StatusMethodNotAllowed:
			discard(resp)
			s.log.Debug("the server offers no GET stream (405)")
			return
		case resp.StatusCode == http.StatusNotFound:
			discard(resp)
			s.log.Debug("GET stream: session gone (404)")
			return
		case resp.StatusCode != http.StatusOK || !isEventStream(resp):
			body, _ := ReadBody(resp, 4<<10)
			resp.Body.Close()
			err = fmt.Errorf("refused: %w", statusError(resp, body))
		default:
			ev, progress, err = s.listenOnce(ev, resp)
		}
		failures++
		if progress {
			failures = 0
		}
		if failures == MaxListenFailures {
			s.log.Warn("GET stream: giving up; the server's messages outside requests are lost until the next session",
				"attempts", failures, "error", err)
			return
		}
		s.log.Debug("GET stream ended; reconnecting", "error", err)
		retry := 0
		if ev != nil {
			retry = ev.retry
		}
		if ctxtime.Sleep(s.life, retryDelay(retry, failures)) != nil {
			return
		}
	}
}

// listenOnce reads one GET stream to its end. Progress is a message, or
// the stream staying open maxRetry or longer (a quiet stream a proxy cut)
// unless the bridge cut it for an event never completed: a stream that
// only primes an event id and closes, or trickles, is none.
func (s *streamable) listenOnce(ev *sseReader, resp *http.Response) (*sseReader, bool, error) {
	defer resp.Body.Close()
	stopIdle(resp.Body)
	ev = ev.continueOn(resp.Body).useBudget(s.life, s.http.mem)
	start, got := time.Now(), false
	err := s.pump(ev, nil, func(m *jsonrpc.Message) {
		got = true
		s.sink.Deliver(m)
	})
	quiet := time.Since(start) >= maxRetry && !errors.Is(err, errEventDeadline)
	return ev, got || quiet, err
}

func (s *streamable) currentGen() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gen
}

// openStream sends the GET, resuming after ev's last event id if any.
func (s *streamable) openStream(ev *sseReader) (*http.Response, error) {
	s.mu.Lock()
	hdr := http.Header{"Accept": {"text/event-stream"}}
	if s.session != "" {
		hdr.Set(HeaderSession, s.session)
	}
	if s.version != "" {
		hdr.Set(HeaderProtocolVersion, s.version)
	}
	s.mu.Unlock()
	if ev != nil && ev.idSeen {
		hdr.Set("Last-Event-ID", ev.lastID)
	}
	return s.http.do(s.life, http.MethodGet, s.endpoint, nil, hdr)
}
