package bridge

// A host for hostile-server tests in fake time (testing/synctest): the
// bridge runs in a bubble on io.Pipe stdin and stdout, and its HTTP client
// reaches no network but a fake http.RoundTripper whose handler answers
// each request with headers and an in-memory io.Pipe body that the test's
// hostile server writes to as slowly as it likes. Minutes of fake time pass
// in an instant, and the clock measures what a client would wait.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/httpclient"
)

// fakeReq is one request the fake server received, with its body read.
type fakeReq struct {
	*http.Request
	body []byte
	msg  rpcMsg // the body as JSON-RPC; zero when none
}

// fakeHandler answers a request: status, headers, and a function that
// writes the body (nil: empty) until it returns or the client goes away.
type fakeHandler func(r *fakeReq) (status int, hdr http.Header, write func(w *fakeW))

// fakeRT is an http.RoundTripper on in-memory pipes.
type fakeRT struct {
	mu sync.Mutex
	h  fakeHandler
}

func (f *fakeRT) RoundTrip(req *http.Request) (*http.Response, error) {
	fr := &fakeReq{Request: req}
	if req.Body != nil {
		fr.body, _ = io.ReadAll(req.Body)
		_ = req.Body.Close()
		if msgs, err := parseRPC(fr.body); err == nil && len(msgs) == 1 {
			fr.msg = msgs[0]
		}
	}
	f.mu.Lock()
	h := f.h
	f.mu.Unlock()
	status, hdr, write := h(fr)
	if status == 0 { // no headers until the client gives up
		<-req.Context().Done()
		return nil, req.Context().Err()
	}
	pr, pw := io.Pipe()
	body := &fakeBody{PipeReader: pr, gone: make(chan struct{})}
	fw := &fakeW{PipeWriter: pw, gone: body.gone}
	stop := context.AfterFunc(req.Context(), func() { _ = body.Close() })
	go func() {
		defer stop()
		if write != nil {
			write(fw)
		}
		_ = pw.Close()
	}()
	if hdr == nil {
		hdr = http.Header{}
	}
	return &http.Response{StatusCode: status, Header: hdr, Body: body, ContentLength: -1, Request: req, ProtoMajor: 1, ProtoMinor: 1}, nil
}

// fakeBody is a response body; gone closes when the client closes it.
type fakeBody struct {
	*io.PipeReader
	gone chan struct{}
	once sync.Once
}

func (b *fakeBody) Close() error {
	b.once.Do(func() { close(b.gone) })
	return b.PipeReader.Close()
}

// fakeW is the server's end of a body.
type fakeW struct {
	*io.PipeWriter
	gone <-chan struct{}
}

// pause waits d of fake time; false when the client went away meanwhile.
func (w *fakeW) pause(d time.Duration) bool {
	select {
	case <-time.After(d):
		return true
	case <-w.gone:
		return false
	}
}

// advance lets d of fake time pass. It runs only in a synctest bubble
// (synctest.Wait panics anywhere else), so it never waits d for real; call
// it from one goroutine of the bubble at a time.
func advance(d time.Duration) {
	synctest.Wait()
	<-time.After(d)
}

// bubbleHost is a bridge running in the test's bubble.
type bubbleHost struct {
	t     *testing.T
	stdin *io.PipeWriter
	lines chan rpcMsg
	done  chan error
	logs  *lockedBuffer
}

// startBubble runs a bridge over rt with cfg's limits (URL and client are
// filled in). Call it inside synctest.Test; stop it with h.stop.
func startBubble(t *testing.T, rt *fakeRT, cfg Config) *bubbleHost {
	cfg.URL, _ = url.Parse("https://hostile.example/mcp")
	cfg.HTTPClient = &http.Client{Transport: rt, CheckRedirect: httpclient.SameOriginRedirects}
	if cfg.Protocol == "" {
		cfg.Protocol = ProtocolLegacy
	}
	if cfg.Transport == "" {
		cfg.Transport = HTTPOnly
	}
	h := &bubbleHost{t: t, lines: make(chan rpcMsg, 64), done: make(chan error, 1), logs: &lockedBuffer{}}
	cfg.Log = slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	h.stdin = inW
	go func() {
		r := bufio.NewReader(outR)
		for {
			line, err := r.ReadBytes('\n')
			if msgs, perr := parseRPC(bytes.TrimSpace(line)); perr == nil {
				for _, m := range msgs {
					h.lines <- m
				}
			}
			if err != nil {
				close(h.lines)
				return
			}
		}
	}()
	go func() {
		err := Run(context.Background(), cfg, inR, outW)
		_ = outW.Close()
		h.done <- err
	}()
	return h
}

// send writes one line to the bridge's stdin.
func (h *bubbleHost) send(line string) {
	h.t.Helper()
	if _, err := io.WriteString(h.stdin, line+"\n"); err != nil {
		h.t.Fatalf("write stdin: %v", err)
	}
}

// next returns the next message on stdout, or fails after within of fake
// time (nothing in a bubble waits for real).
func (h *bubbleHost) next(within time.Duration) rpcMsg {
	h.t.Helper()
	select {
	case m, ok := <-h.lines:
		if !ok {
			h.t.Fatalf("stdout closed\nbridge log:\n%s", h.logs.String())
		}
		return m
	case <-time.After(within):
		h.t.Fatalf("no message on stdout within %v\nbridge log:\n%s", within, h.logs.String())
	}
	return rpcMsg{}
}

// answer waits for the answer to id (skipping other messages) and returns
// it with the fake time it took.
func (h *bubbleHost) answer(id string, within time.Duration) (rpcMsg, time.Duration) {
	h.t.Helper()
	start := time.Now()
	for {
		m := h.next(within - time.Since(start))
		if m.IsResponse() && string(m.ID) == id {
			return m, time.Since(start)
		}
	}
}

// failure is answer for an error that mentions every one of wants.
func (h *bubbleHost) failure(id string, within time.Duration, wants ...string) (*rpcErrObj, time.Duration) {
	h.t.Helper()
	m, d := h.answer(id, within)
	if m.Error == nil {
		h.t.Fatalf("request %s: want an error, got %s", id, m.Raw)
	}
	for _, w := range wants {
		if !strings.Contains(m.Error.Message, w) {
			h.t.Errorf("request %s: error %q does not mention %q", id, m.Error.Message, w)
		}
	}
	return m.Error, d
}

// stop closes stdin and waits for Run to return; no second answer may
// have come meanwhile.
func (h *bubbleHost) stop() {
	h.t.Helper()
	_ = h.stdin.Close()
	for m := range h.lines {
		if m.IsResponse() {
			h.t.Errorf("an unexpected answer after the test's own: %s", m.Raw)
		}
	}
	if err := <-h.done; err != nil {
		h.t.Errorf("Run: %v", err)
	}
}

// Fake server pieces.

func sseHeader() http.Header { return http.Header{"Content-Type": {"text/event-stream"}} }

func jsonHeader() http.Header { return http.Header{"Content-Type": {"application/json"}} }

// plainServer answers initialize, notifications (202), GET (405), DELETE,
// and hands every other request to next.
func plainServer(next fakeHandler) fakeHandler {
	return func(r *fakeReq) (int, http.Header, func(*fakeW)) {
		switch {
		case r.Method == http.MethodGet:
			return http.StatusMethodNotAllowed, nil, nil
		case r.Method == http.MethodDelete:
			return http.StatusOK, nil, nil
		case !r.msg.IsRequest():
			return http.StatusAccepted, nil, nil
		case r.msg.Method == "initialize":
			return http.StatusOK, jsonHeader(), writeString(initResult(r.msg.ID, "2025-11-25"))
		}
		return next(r)
	}
}

// writeString writes s at once.
func writeString(s string) func(*fakeW) {
	return func(w *fakeW) { _, _ = io.WriteString(w, s) }
}

// trickle writes s one byte every gap, forever if loop, stopping when the
// client closes the body.
func trickle(s string, gap time.Duration, loop bool) func(*fakeW) {
	return func(w *fakeW) {
		for {
			for i := 0; i < len(s); i++ {
				if !w.pause(gap) { // the hostile server's pace, in fake time
					return
				}
				if _, err := w.Write([]byte{s[i]}); err != nil {
					return
				}
			}
			if !loop {
				return
			}
		}
	}
}

// echo answers a request.
func echo(id json.RawMessage) string { return resultFor(id, `{"echo":true}`) }
