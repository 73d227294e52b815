package bridge

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// Attack 1: a JSON answer trickled a byte at a time, each byte well within
// the silence limit, never ended. The body must arrive whole within
// --body-timeout of its headers.
func TestHostileTrickledJSONBodyFakeTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := &fakeRT{h: plainServer(func(r *fakeReq) (int, http.Header, func(*fakeW)) {
			if r.msg.Method == "tools/call" && string(r.msg.ID) == "2" {
				return http.StatusOK, jsonHeader(), trickle(echo(r.msg.ID)+strings.Repeat(" ", 1<<20), time.Second, false)
			}
			return http.StatusOK, jsonHeader(), writeString(echo(r.msg.ID))
		})}
		h := startBubble(t, rt, Config{}) // the default BodyTimeout: 5 minutes
		h.send(initializeLine)
		h.answer("1", time.Minute)
		h.send(toolsCall(2, "trickled"))
		_, took := h.failure("2", time.Hour, "whole answer", "5m0s")
		if took != 5*time.Minute {
			t.Errorf("the trickled answer failed after %v, want exactly the 5m body timeout", took)
		}
		t.Logf("figure (a), fake time, default --body-timeout: the client had its error after %v", took)
		h.send(toolsCall(3, "fine"))
		if m, _ := h.answer("3", time.Minute); m.Result == nil {
			t.Errorf("the bridge no longer serves: %s", m.Raw)
		}
		h.stop()
	})
}

// The same through the real bridge and an httptest server, in real time,
// with a short --body-timeout.
func TestHostileTrickledJSONBodyRealTime(t *testing.T) {
	t.Parallel()
	const limit, pace = 100 * time.Millisecond, 10 * time.Millisecond
	var srv *faultServer
	srv = newFaultServer(t, mcpServer{next: func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		for {
			if _, err := io.WriteString(w, " "); err != nil {
				return
			}
			flush(w)
			select { // a byte every pace: never silent for the limit
			case <-time.After(pace):
			case <-r.Context().Done():
				return
			case <-srv.quit:
				return
			}
		}
	}}.serve)
	h := startHost(t, srv.URL, withBodyTimeout(limit))
	start := time.Now()
	h.send(toolsCall(10, "trickled"))
	h.waitMsg("the answer", func(m rpcMsg) bool { return string(m.ID) == "10" })
	took := time.Since(start)
	h.failure("10", "whole answer", limit.String())
	if took < limit || took > limit+time.Second {
		t.Errorf("the trickled answer failed after %v, want about the %v body timeout", took, limit)
	}
	t.Logf("figure (a), real time, --body-timeout %v: the client had its error after %v", limit, took.Round(time.Millisecond))
	srv.handle(mcpServer{}.serve)
	stillServes(t, h, 11)
}

// Attack 2: an SSE event trickled forever on an answer stream: each byte
// resets the silence limit, but the event must reach its blank line within
// --body-timeout of its first byte.
func TestHostileTrickledSSEEvent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := &fakeRT{h: plainServer(func(r *fakeReq) (int, http.Header, func(*fakeW)) {
			return http.StatusOK, sseHeader(), func(w *fakeW) {
				_, _ = io.WriteString(w, ": keep-alive\n\n") // comments between events are fine
				trickle(`data: {"jsonrpc":"2.0","id":2,"result":{}`, 10*time.Second, true)(w)
			}
		})}
		h := startBubble(t, rt, Config{BodyTimeout: time.Minute})
		h.send(initializeLine)
		h.answer("1", time.Minute)
		h.send(toolsCall(2, "trickled"))
		_, took := h.failure("2", time.Hour, "did not complete an SSE event", "1m0s")
		if took < time.Minute || took > time.Minute+10*time.Second {
			t.Errorf("the trickled event failed after %v, want the 1m limit from its first byte", took)
		}
		h.stop()
	})
}

// A comment line trickled forever completes no event either.
func TestHostileTrickledSSEComment(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := &fakeRT{h: plainServer(func(r *fakeReq) (int, http.Header, func(*fakeW)) {
			return http.StatusOK, sseHeader(), trickle(": still working", time.Second, true)
		})}
		h := startBubble(t, rt, Config{BodyTimeout: time.Minute})
		h.send(initializeLine)
		h.answer("1", time.Minute)
		h.send(toolsCall(2, "comment"))
		_, took := h.failure("2", time.Hour, "did not complete an SSE event")
		if took > time.Minute+2*time.Second {
			t.Errorf("the trickled comment held the request %v", took)
		}
		h.stop()
	})
}

// An answer stream of complete keep-alive comments forever: each resets
// the silence limit, none is a message; the request ends after
// AnswerTimeout (1 hour by default).
func TestHostileKeepAliveOnlyAnswerStream(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := &fakeRT{h: plainServer(func(r *fakeReq) (int, http.Header, func(*fakeW)) {
			return http.StatusOK, sseHeader(), func(w *fakeW) {
				for {
					if _, err := io.WriteString(w, ": ping\n\n"); err != nil {
						return
					}
					if !w.pause(15 * time.Second) {
						return
					}
				}
			}
		})}
		h := startBubble(t, rt, Config{})
		h.send(initializeLine)
		h.answer("1", time.Minute)
		h.send(toolsCall(2, "keepalives"))
		_, took := h.failure("2", 2*time.Hour, "no message for too long", "1h0m0s")
		if took != time.Hour {
			t.Errorf("the keep-alive-only stream ended after %v, want the 1h answer timeout", took)
		}
		h.stop()
	})
}

// Progress notifications keep a long request alive past AnswerTimeout:
// they say the work goes on.
func TestHostileProgressKeepsAnswerStreamAlive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const progress = `data: {"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"p","progress":1}}` + "\n\n"
		rt := &fakeRT{h: plainServer(func(r *fakeReq) (int, http.Header, func(*fakeW)) {
			return http.StatusOK, sseHeader(), func(w *fakeW) {
				for range 5 {
					if !w.pause(40 * time.Second) {
						return
					}
					_, _ = io.WriteString(w, progress)
				}
				_, _ = io.WriteString(w, "data: "+echo(r.msg.ID)+"\n\n")
			}
		})}
		h := startBubble(t, rt, Config{AnswerTimeout: time.Minute})
		h.send(initializeLine)
		h.answer("1", time.Minute)
		h.send(toolsCall(2, "slow"))
		m, took := h.answer("2", time.Hour)
		if m.Result == nil || took != 200*time.Second {
			t.Errorf("after %v got %s, want the result after 200s of progress", took, m.Raw)
		}
		h.stop()
	})
}
