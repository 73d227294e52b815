package bridge

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
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
func (s *streamable) replay(ctx context.Context, init, note *message) error {
	if init == nil {
		return errors.New("the client never sent initialize, so there is nothing to replay")
	}
	var answer *message
	keep := func(m *message) {
		if m.kind == kindResponse && idKey(m.id) == idKey(init.id) {
			answer = m
			return
		}
		s.sink.deliver(m)
	}
	hdr, _ := s.headersFor(init)
	resp, err := s.http.do(ctx, http.MethodPost, s.endpoint, init.raw, hdr)
	if err != nil {
		return err
	}
	if err := s.answer(ctx, init, resp, keep); err != nil && answer == nil {
		return fmt.Errorf("initialize: %w", err)
	}
	switch {
	case answer == nil:
		return errors.New("initialize: no answer")
	case answer.hasError:
		return fmt.Errorf("initialize: the server refused it: %s", snippet(answer.flat().errv))
	}
	if note == nil {
		return nil
	}
	nhdr, _ := s.headersFor(note)
	resp, err = s.http.do(ctx, http.MethodPost, s.endpoint, note.raw, nhdr)
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
// drops (with Last-Event-ID and the server's retry delay, backing off when
// the server fails), and stops on 405 (no stream offered), when the session
// changes, or when the bridge shuts down.
func (s *streamable) listenLoop(gen int, opened chan struct{}) {
	var ev *sseReader
	backoff := time.Second
	first := sync.OnceFunc(func() { close(opened) })
	defer first()
	for s.life.Err() == nil && s.currentGen() == gen {
		resp, err := s.openStream(ev)
		first() // the server has answered (or cannot be reached)
		switch {
		case err != nil:
			s.log.Debug("GET stream: could not connect", "error", err)
		case resp.StatusCode == http.StatusMethodNotAllowed:
			discard(resp)
			s.log.Debug("the server offers no GET stream (405)")
			return
		case resp.StatusCode == http.StatusNotFound:
			discard(resp)
			s.log.Debug("GET stream: session gone (404)")
			return
		case resp.StatusCode != http.StatusOK || !isEventStream(resp):
			body, _ := readBody(resp, 4<<10)
			resp.Body.Close()
			s.log.Warn("GET stream refused", "error", statusError(resp, body))
		default:
			stopIdle(resp.Body)
			ev = ev.continueOn(resp.Body).useBudget(s.life, s.http.mem)
			err := s.pump(ev, nil, s.sink.deliver)
			resp.Body.Close()
			s.log.Debug("GET stream ended; reconnecting", "error", err)
			backoff = time.Second
			if sleepCtx(s.life, retryDelay(ev.retry)) != nil {
				return
			}
			continue
		}
		if sleepCtx(s.life, backoff) != nil {
			return
		}
		backoff = min(backoff*2, time.Minute)
	}
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
		hdr.Set(headerSession, s.session)
	}
	if s.version != "" {
		hdr.Set(headerProtoVersion, s.version)
	}
	s.mu.Unlock()
	if ev != nil && ev.idSeen {
		hdr.Set("Last-Event-ID", ev.lastID)
	}
	return s.http.do(s.life, http.MethodGet, s.endpoint, nil, hdr)
}
