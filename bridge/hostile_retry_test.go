package bridge

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mcpbridge/mcpbridge/bridge/transport"
)

// brokenResumable answers tools/call with a stream that primes an event
// id with the given retry and breaks; every resuming GET gets 503.
func brokenResumable(retry string, gets *[]time.Time, mu *sync.Mutex) fakeHandler {
	return func(r *fakeReq) (int, http.Header, func(*fakeW)) {
		switch {
		case r.Method == http.MethodGet && r.Header.Get("Last-Event-ID") != "":
			mu.Lock()
			*gets = append(*gets, time.Now())
			mu.Unlock()
			return http.StatusServiceUnavailable, nil, writeString("busy")
		case r.msg.Method == "tools/call":
			return http.StatusOK, sseHeader(), func(w *fakeW) {
				_, _ = io.WriteString(w, "id: e1\nretry: "+retry+"\ndata:\n\n")
				w.CloseWithError(io.ErrUnexpectedEOF) // the connection breaks
			}
		}
		return plainServer(nil)(r)
	}
}

// retry: 86400000 must not make the bridge sleep a day: the delay is
// capped, the attempts bounded, and the request gets an error naming the
// cause.
func TestHostileRetryOfADay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var gets []time.Time
		rt := &fakeRT{h: brokenResumable("86400000", &gets, &mu)}
		h := startBubble(t, rt, Config{}) // default BodyTimeout: 5 minutes
		h.send(initializeLine)
		h.answer("1", time.Minute)
		h.send(toolsCall(2, "resumable"))
		e, took := h.failure("2", 24*time.Hour, "could not be resumed", "503")
		if took > 5*time.Minute {
			t.Errorf("the request failed after %v, beyond the 5m body timeout", took)
		}
		mu.Lock()
		n := len(gets)
		mu.Unlock()
		if n == 0 || n > transport.MaxResumeFailures {
			t.Errorf("%d resuming GETs, want 1 to %d", n, transport.MaxResumeFailures)
		}
		t.Logf("figure (b), fake time, default --body-timeout: the client had its error after %v (%d resuming GETs): %s", took, n, e.Message)
		h.stop()
	})
}

// retry: 1 must not make the bridge reconnect hundreds of times a second.
func TestHostileRetryOfAMillisecond(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var gets []time.Time
		rt := &fakeRT{h: brokenResumable("1", &gets, &mu)}
		h := startBubble(t, rt, Config{})
		h.send(initializeLine)
		h.answer("1", time.Minute)
		h.send(toolsCall(2, "resumable"))
		_, took := h.failure("2", time.Hour, fmt.Sprintf("could not be resumed in %d attempts", transport.MaxResumeFailures), "503")
		mu.Lock()
		defer mu.Unlock()
		if len(gets) != transport.MaxResumeFailures {
			t.Errorf("%d resuming GETs, want %d", len(gets), transport.MaxResumeFailures)
		}
		for i := 1; i < len(gets); i++ {
			gap := gets[i].Sub(gets[i-1])
			if want := transport.MinRetry << i; gap < want {
				t.Errorf("resumption %d came %v after the one before, want at least %v (floor, then backing off)", i+1, gap, want)
			}
		}
		t.Logf("retry: 1: %d resuming GETs, the error after %v", len(gets), took)
		h.stop()
	})
}

// The same through the real bridge in real time, with --body-timeout 2s:
// a day's retry cannot be waited for within the limit, so the request
// fails at once, naming why.
func TestHostileRetryOfADayRealTime(t *testing.T) {
	t.Parallel()
	srv := newFaultServer(t, mcpServer{session: "s", version: "2025-11-25", next: func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
		writeSSE(w, "id: e1\nretry: 86400000\ndata:")
		conn, _ := hijack(w)
		_ = conn.Close()
	}}.serve)
	h := startHost(t, srv.URL, withBodyTimeout(2*time.Second))
	h.send(initializeLine)
	h.result("1")
	start := time.Now()
	h.send(toolsCall(2, "resumable"))
	h.waitMsg("the answer", func(m rpcMsg) bool { return string(m.ID) == "2" })
	took := time.Since(start)
	e := h.failure("2", "could not be resumed within 2s")
	if took > 3*time.Second {
		t.Errorf("the request failed after %v", took)
	}
	t.Logf("figure (b), real time, --body-timeout 2s: the client had its error after %v: %s", took.Round(time.Millisecond), e.Message)
	stillServesSession(t, srv, h, 3)
}

// The GET stream of a server that primes an event id with retry: 1 and
// closes, again and again, is given up after maxListenFailures attempts,
// with one warning.
func TestHostileGETStreamGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var gets []time.Time
		rt := &fakeRT{h: func(r *fakeReq) (int, http.Header, func(*fakeW)) {
			if r.Method == http.MethodGet {
				mu.Lock()
				gets = append(gets, time.Now())
				mu.Unlock()
				return http.StatusOK, sseHeader(), writeString("id: g\nretry: 1\ndata:\n\n")
			}
			return plainServer(nil)(r)
		}}
		h := startBubble(t, rt, Config{})
		h.send(initializeLine)
		h.answer("1", time.Minute)
		h.send(initializedLine)
		advance(time.Hour) // fake time: whatever the loop does, it does now
		synctest.Wait()
		mu.Lock()
		n := len(gets)
		mu.Unlock()
		if n != transport.MaxListenFailures {
			t.Errorf("%d GET streams opened in an hour, want %d", n, transport.MaxListenFailures)
		}
		if c := strings.Count(h.logs.String(), "GET stream: giving up"); c != 1 {
			t.Errorf("the give-up was logged %d times, want once:\n%s", c, h.logs.String())
		}
		h.stop()
	})
}

// A GET stream whose event is trickled forever is cut within
// --body-timeout of the event's first byte, although stopIdle lifted the
// silence limit, and such cuts are no progress.
func TestHostileGETStreamTrickledEvent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var gets []time.Time
		rt := &fakeRT{h: func(r *fakeReq) (int, http.Header, func(*fakeW)) {
			if r.Method == http.MethodGet {
				mu.Lock()
				gets = append(gets, time.Now())
				mu.Unlock()
				return http.StatusOK, sseHeader(), trickle(`data: {"jsonrpc":"2.0","method":"notifications/tools/list_changed"}`, time.Second, true)
			}
			return plainServer(nil)(r)
		}}
		h := startBubble(t, rt, Config{BodyTimeout: time.Minute})
		h.send(initializeLine)
		h.answer("1", time.Minute)
		h.send(initializedLine)
		advance(24 * time.Hour)
		synctest.Wait()
		mu.Lock()
		defer mu.Unlock()
		if len(gets) != transport.MaxListenFailures {
			t.Errorf("%d GET streams opened in a day, want %d", len(gets), transport.MaxListenFailures)
		}
		if len(gets) > 1 {
			if gap := gets[1].Sub(gets[0]); gap < time.Minute || gap > 2*time.Minute {
				t.Errorf("the trickled GET stream was cut and reopened after %v, want the 1m event limit and a retry", gap)
			}
		}
		if !strings.Contains(h.logs.String(), "did not complete an SSE event") {
			t.Errorf("the log does not say why:\n%s", h.logs.String())
		}
		h.stop()
	})
}
