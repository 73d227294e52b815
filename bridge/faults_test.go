package bridge

// Fault-injection tests: whatever the server (or the client) does, every
// request from the client gets exactly one answer for its id, that answer
// names the cause, and the bridge keeps serving. The harness is in
// harness_test.go; its cleanup also checks, for every test, that each stdout
// line is compact JSON and each request sent got exactly one answer.

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mcpbridge/mcpbridge/bridge/era"
	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
)

// wantEcho checks that a result is the echo server's answer to method.
func wantEcho(t *testing.T, result json.RawMessage, method string) {
	t.Helper()
	var r struct {
		Echo string `json:"echo"`
	}
	if err := json.Unmarshal(result, &r); err != nil || r.Echo != method {
		t.Fatalf("want the echo of %s, got %s", method, result)
	}
}

// stillServes checks that the bridge still forwards and answers a request.
func stillServes(t *testing.T, h *faultHost, id int) {
	t.Helper()
	h.send(toolsCall(id, "after-the-fault"))
	wantEcho(t, h.result(fmt.Sprint(id)), "tools/call")
}

// compactString compacts JSON text for comparisons.
func compactString(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		t.Fatalf("compact %q: %v", s, err)
	}
	return b.String()
}

// ---------------------------------------------------------------------------
// The server answers a request with something that is not its answer

func TestFaultHTTPAnswers(t *testing.T) {
	t.Parallel()
	const htmlPage = "<!DOCTYPE html>\n<html>\n  <head><title>Internal Server Error</title></head>\n  <body><h1>Upstream exploded</h1></body>\n</html>\n"
	cases := []struct {
		name  string
		fault serverFunc
		code  int      // the JSON-RPC error code the client must see
		want  []string // what the error message must mention
		check func(t *testing.T, h *faultHost, e *rpcErrObj)
	}{{
		name: "500 with an HTML body",
		fault: func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, htmlPage)
		},
		code: jsonrpc.CodeServerError,
		want: []string{"HTTP 500", "text/html", "<!DOCTYPE html> <html>", "Upstream exploded"},
	}, {
		name: "502 with an empty body",
		fault: func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			w.WriteHeader(http.StatusBadGateway)
		},
		code: jsonrpc.CodeServerError,
		want: []string{"HTTP 502", "empty body"},
	}, {
		name: "404 with a JSON-RPC error whose id is null",
		fault: func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			writeJSON(w, http.StatusNotFound, `{"jsonrpc":"2.0","id":null,"error":{"code":-32601,"message":"Method not found: tools/call"}}`)
		},
		code: -32601,
		want: []string{"Method not found: tools/call"},
	}, {
		name: "400 with a JSON-RPC error whose id is null",
		fault: func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			writeJSON(w, http.StatusBadRequest, `{"jsonrpc":"2.0","id":null,"error":{"code":-32602,"message":"Invalid params","data":{"field":"name","why":"unknown tool"}}}`)
		},
		code: -32602,
		want: []string{"Invalid params"},
		check: func(t *testing.T, h *faultHost, e *rpcErrObj) {
			if got, want := string(e.Data), `{"field":"name","why":"unknown tool"}`; got != want {
				t.Errorf("error data = %s, want the server's %s", got, want)
			}
		},
	}, {
		name: "200 with invalid JSON",
		fault: func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			writeJSON(w, http.StatusOK, `{"jsonrpc":"2.0","id":10,"result":{"content":[{"type":"text"`)
		},
		code: jsonrpc.CodeServerError,
		want: []string{"HTTP 200", "not a JSON-RPC response", `{"jsonrpc":"2.0","id":10,"result"`},
	}, {
		name: "200 with an HTML login page",
		fault: func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, "<html><body>Please sign in</body></html>")
		},
		code: jsonrpc.CodeServerError,
		want: []string{"HTTP 200", "text/html", "<html><body>Please sign in"},
	}, {
		name: "200 with an answer carrying another id",
		fault: func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			writeJSON(w, http.StatusOK, `{"jsonrpc":"2.0","id":"not-yours","result":{"content":[]}}`)
		},
		code: jsonrpc.CodeServerError,
		want: []string{"not-yours"}, // the error names the stray id
		check: func(t *testing.T, h *faultHost, e *rpcErrObj) {
			for _, m := range h.messages() {
				if string(m.ID) == `"not-yours"` {
					t.Errorf("an answer for an id the client never used was forwarded: %s", m.Raw)
				}
			}
		},
	}, {
		name: "202 to a request",
		fault: func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			w.WriteHeader(http.StatusAccepted)
		},
		code: jsonrpc.CodeServerError,
		want: []string{"202"},
	}, {
		name: "SSE stream ends before the answer, without event ids",
		fault: func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			writeSSE(w, `event: message
data: {"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"working"}}`)
		},
		code: jsonrpc.CodeServerError,
		want: []string{"ended its answer stream without answering"},
		check: func(t *testing.T, h *faultHost, e *rpcErrObj) {
			h.waitMsg("the notification sent before the stream ended", func(m rpcMsg) bool {
				return m.Method == "notifications/message"
			})
		},
	}, {
		name: "SSE stream carrying an answer for another id",
		fault: func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			writeSSE(w, `data: {"jsonrpc":"2.0","id":"not-yours","result":{}}`)
		},
		code: jsonrpc.CodeServerError,
		want: []string{"not-yours"}, // the error names the stray id
		check: func(t *testing.T, h *faultHost, e *rpcErrObj) {
			for _, m := range h.messages() {
				if string(m.ID) == `"not-yours"` {
					t.Errorf("an answer for an id the client never used was forwarded: %s", m.Raw)
				}
			}
		},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			inBubble(t, func(t *testing.T) {
				srv := newFaultServer(t, mcpServer{next: tc.fault}.serve)
				h := startHost(t, srv.URL)
				h.send(toolsCall(10, "broken"))
				e := h.failure("10", tc.want...)
				if e.Code != tc.code {
					t.Errorf("error code = %d, want %d (%s)", e.Code, tc.code, e.Message)
				}
				if tc.check != nil {
					tc.check(t, h, e)
				}
				srv.handle(mcpServer{}.serve)
				stillServes(t, h, 11)
			})
		})
	}
}

// acceptCounter counts the connections a listener accepts and reports
// each one.
type acceptCounter struct {
	net.Listener
	n        atomic.Int32
	accepted chan struct{}
}

func (l *acceptCounter) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
		l.accepted <- struct{}{}
	}
	return c, err
}

// TestServePreconnects: the bridge opens the server's connection before
// the client's first line arrives, and the requests go on it.
func TestServePreconnects(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &acceptCounter{Listener: ln, accepted: make(chan struct{}, 16)}
	srv := newFaultServerOn(t, l, mcpServer{}.serve)
	h := startHost(t, srv.URL)
	select {
	case <-l.accepted:
	case <-time.After(faultWait):
		t.Fatal("no connection to the server before the client's first line")
	}
	for id := 1; id <= 3; id++ {
		stillServes(t, h, id)
	}
	if n := l.n.Load(); n != 1 {
		t.Errorf("%d connections for three sequential calls, want the one opened at start", n)
	}
}

func TestFaultServerUnreachable(t *testing.T) {
	t.Parallel()
	addr := unusedAddr(t) // real TCP: the refusal is the kernel's

	h := startHost(t, "http://"+addr+"/mcp")
	h.send(toolsCall(1, "nobody-home"))
	e := h.failure("1", "connection refused", addr)
	if e.Code != jsonrpc.CodeServerError {
		t.Errorf("error code = %d, want %d", e.Code, jsonrpc.CodeServerError)
	}

	// The server comes up on that port: the bridge serves the next request.
	newFaultServerAt(t, addr, mcpServer{}.serve)
	stillServes(t, h, 2)
}

func TestFaultConnectionDropped(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		tcp   bool // a TCP reset: on real TCP, not the in-memory network
		fault func(h *faultHost, w http.ResponseWriter, r *http.Request, req *seenRequest)
		want  []string
		any   []string // the message mentions at least one of these
	}{{
		name: "closed before the status line",
		fault: func(_ *faultHost, w http.ResponseWriter, r *http.Request, req *seenRequest) {
			conn, _ := hijack(w)
			_ = conn.Close()
		},
		want: []string{"EOF"},
	}, {
		name: "JSON body cut short",
		fault: func(_ *faultHost, w http.ResponseWriter, r *http.Request, req *seenRequest) {
			conn, rw := hijack(w)
			_, _ = rw.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n" + `{"jsonrpc":"2.0","id":10,"result":{"content":[`)
			_ = rw.Flush()
			_ = conn.Close()
		},
		want: []string{"read the server's answer", "unexpected EOF"},
	}, {
		name: "connection reset mid-body",
		tcp:  true,
		fault: func(_ *faultHost, w http.ResponseWriter, r *http.Request, req *seenRequest) {
			conn, rw := hijack(w)
			_, _ = rw.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n" + `{"jsonrpc":"2.0","id":10,"result":{"content":[`)
			_ = rw.Flush()
			// A real sleep, on purpose: nothing the client does tells the
			// server it has read the headers and the body's start (the
			// bridge writes nothing before the whole body), and a reset can
			// make the client's kernel discard what it had not read yet.
			time.Sleep(20 * time.Millisecond)
			_ = conn.(*net.TCPConn).SetLinger(0) // close with RST
			_ = conn.Close()
		},
		want: []string{"read the server's answer"},
		any:  []string{"connection reset", "unexpected EOF"},
	}, {
		name: "SSE stream reset mid-event",
		tcp:  true,
		fault: func(h *faultHost, w http.ResponseWriter, r *http.Request, req *seenRequest) {
			conn, rw := hijack(w)
			_, _ = rw.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n" +
				"event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{}}\n\n" +
				"event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":10,\"res")
			_ = rw.Flush()
			// The reset comes once the client has read the stream's first
			// event: the bridge forwarded it.
			h.env.waitUntil(faultWait, r.Context().Done(), func() bool {
				for _, m := range h.messages() {
					if m.Method == "notifications/message" {
						return true
					}
				}
				return false
			})
			_ = conn.(*net.TCPConn).SetLinger(0)
			_ = conn.Close()
		},
		want: []string{"answer stream"},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			run := func(t *testing.T) {
				var h *faultHost
				srv := newFaultServer(t, mcpServer{next: func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
					tc.fault(h, w, r, req)
				}}.serve)
				h = startHost(t, srv.URL)
				h.send(toolsCall(10, "dropped"))
				e := h.failure("10", tc.want...)
				if len(tc.any) > 0 {
					found := false
					for _, a := range tc.any {
						found = found || strings.Contains(e.Message, a)
					}
					if !found {
						t.Errorf("error message %q mentions none of %q", e.Message, tc.any)
					}
				}
				srv.handle(mcpServer{}.serve)
				stillServes(t, h, 11)
			}
			if tc.tcp {
				run(t)
			} else {
				inBubble(t, run)
			}
		})
	}
}

func TestFaultHeadersTimeout(t *testing.T) {
	t.Parallel()
	var srv *faultServer
	srv = newFaultServer(t, mcpServer{next: func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
		srv.blockUntilGone(r) // never answers
	}}.serve)
	const limit = 100 * time.Millisecond // real time: httpclient's transport
	h := startHost(t, srv.URL, withHeadersTimeout(limit))
	start := time.Now()
	h.send(toolsCall(10, "silent"))
	h.waitMsg("the answer", func(m rpcMsg) bool { return string(m.ID) == "10" })
	d := time.Since(start) // when it came, before answer's quiet watch
	h.failure("10", "timeout awaiting response headers")
	if d < limit {
		t.Errorf("the request failed after %v, before the %v headers timeout", d, limit)
	}
	srv.handle(mcpServer{}.serve)
	stillServes(t, h, 11)
}

func TestFaultBodyTimeout(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		start func(w http.ResponseWriter)
	}{{
		name: "JSON body stalls",
		start: func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "200")
			w.WriteHeader(http.StatusOK)
			_, _ = io.WriteString(w, `{"jsonrpc":"2.0","id":10,`)
			flush(w)
		},
	}, {
		name: "SSE stream goes silent",
		start: func(w http.ResponseWriter) {
			writeSSE(w, `data: {"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"started"}}`)
		},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			inBubble(t, func(t *testing.T) {
				var srv *faultServer
				srv = newFaultServer(t, mcpServer{next: func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
					tc.start(w)
					srv.blockUntilGone(r)
				}}.serve)
				h := startHost(t, srv.URL, withBodyTimeout(200*time.Millisecond))
				h.send(toolsCall(10, "stalls"))
				h.failure("10", "see --body-timeout") // the JSON body is late, the SSE stream silent
				srv.handle(mcpServer{}.serve)
				stillServes(t, h, 11)
			})
		})
	}
}

// ---------------------------------------------------------------------------
// SSE answer streams

func TestFaultSSEEventNotJSONThenAnswer(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		srv := newFaultServer(t, mcpServer{next: func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			writeSSE(w,
				"event: message\ndata: this is not JSON at all",
				"event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":",
				"event: message\ndata: [1,2,3]",
				"event: message\ndata: "+resultFor(req.Msg.ID, `{"content":[{"type":"text","text":"real"}]}`))
		}}.serve)
		h := startHost(t, srv.URL)
		h.send(toolsCall(10, "noisy"))
		if got, want := string(h.result("10")), `{"content":[{"type":"text","text":"real"}]}`; got != want {
			t.Errorf("result = %s, want %s", got, want)
		}
		if lines := h.snapshot(); len(lines) != 1 {
			t.Errorf("the garbage events reached the client: %s", h.describeLines())
		}
		srv.handle(mcpServer{}.serve)
		stillServes(t, h, 11)
	})
}

// resumingServer answers tools/call with an SSE stream that primes an event
// id (with a retry: field), sends a notification with the next id and
// closes the connection. Each GET with Last-Event-ID stream-1-N resumes the
// stream: before answerAt it sends one more notification and closes again
// (a polling server), from answerAt on it sends the answer.
type resumingServer struct {
	retryMS  int
	answerAt int
	mu       sync.Mutex
	closedAt []time.Time // when each stream was closed
	postID   json.RawMessage
}

func (rs *resumingServer) serve(w http.ResponseWriter, r *http.Request, req *seenRequest) {
	if r.Method == http.MethodGet {
		last := r.Header.Get("Last-Event-ID")
		if last == "" {
			w.WriteHeader(http.StatusMethodNotAllowed) // no standalone stream
			return
		}
		var n int
		if _, err := fmt.Sscanf(last, "stream-1-%d", &n); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		rs.mu.Lock()
		id := rs.postID
		rs.mu.Unlock()
		if n >= rs.answerAt {
			writeSSE(w, fmt.Sprintf("id: stream-1-%d\ndata: %s", n+1, resultFor(id, `{"content":[{"type":"text","text":"resumed"}]}`)))
			return
		}
		writeSSE(w, fmt.Sprintf("id: stream-1-%d\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":\"p\",\"progress\":%d}}", n+1, n+1))
		rs.mu.Lock()
		rs.closedAt = append(rs.closedAt, time.Now())
		rs.mu.Unlock()
		return
	}
	mcpServer{session: "sess-resume", version: "2025-11-25", next: func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
		rs.mu.Lock()
		rs.postID = req.Msg.ID
		rs.mu.Unlock()
		writeSSE(w,
			fmt.Sprintf("id: stream-1-0\nretry: %d\ndata:", rs.retryMS), // the priming event
			"id: stream-1-1\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":\"p\",\"progress\":1}}")
		rs.mu.Lock()
		rs.closedAt = append(rs.closedAt, time.Now())
		rs.mu.Unlock()
	}}.serve(w, r, req)
}

func TestFaultSSEResumeWithLastEventID(t *testing.T) {
	t.Parallel() // fake time: the delays it measures are exact
	inBubble(t, func(t *testing.T) {
		rs := &resumingServer{retryMS: 250, answerAt: 1}
		srv := newFaultServer(t, rs.serve)
		h := startHost(t, srv.URL)
		h.send(initializeLine)
		h.result("1")
		h.send(initializedLine)
		h.send(toolsCall(2, "long-running"))

		if got, want := string(h.result("2")), `{"content":[{"type":"text","text":"resumed"}]}`; got != want {
			t.Fatalf("result = %s, want %s", got, want)
		}
		h.waitMsg("the progress notification sent before the cut", func(m rpcMsg) bool {
			return m.Method == "notifications/progress"
		})
		get := srv.waitRequest("the resuming GET", func(r *seenRequest) bool {
			return r.Method == http.MethodGet && r.Header.Get("Last-Event-ID") != ""
		})
		if got := get.Header.Get("Last-Event-ID"); got != "stream-1-1" {
			t.Errorf("Last-Event-ID = %q, want stream-1-1, the last event id seen", got)
		}
		if got := get.Header.Get("Mcp-Session-Id"); got != "sess-resume" {
			t.Errorf("the resuming GET carries Mcp-Session-Id %q, want sess-resume", got)
		}
		if got := get.Header.Get("Accept"); !strings.Contains(got, "text/event-stream") {
			t.Errorf("the resuming GET has Accept %q, want text/event-stream", got)
		}
		rs.mu.Lock()
		closed := rs.closedAt[0]
		rs.mu.Unlock()
		wait := get.At.Sub(closed)
		if wait < 250*time.Millisecond || wait >= time.Second {
			t.Errorf("the client reconnected %v after the cut; the server's retry: field asked for 250ms (the default would be 1s)", wait)
		}
		stillServesSession(t, srv, h, 3)
	})
}

// stillServesSession is stillServes for a server that may hold its own
// handler: it swaps in a plain session server first.
func stillServesSession(t *testing.T, srv *faultServer, h *faultHost, id int) {
	t.Helper()
	srv.handle(mcpServer{session: "sess-resume", version: "2025-11-25"}.serve)
	stillServes(t, h, id)
}

// A server that polls (closes the connection after every event, as
// 2025-11-25 allows once an event id was sent) must not make a long request
// fail: each reconnection makes progress.
func TestFaultSSEResumePollingBeyondThreeCuts(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		rs := &resumingServer{retryMS: 10, answerAt: 5} // five polls, each one making progress
		srv := newFaultServer(t, rs.serve)
		h := startHost(t, srv.URL)
		h.send(initializeLine)
		h.result("1")
		h.send(initializedLine)
		h.send(toolsCall(2, "polled"))
		if got, want := string(h.answer("2").Raw), resultFor(json.RawMessage("2"), `{"content":[{"type":"text","text":"resumed"}]}`); got != want {
			t.Errorf("after %d polls the client got %s, want the answer %s", rs.answerAt, got, want)
		}
		stillServesSession(t, srv, h, 3)
	})
}

// ---------------------------------------------------------------------------
// The client's side: stdin

func TestFaultStdinNotJSON(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		srv := newFaultServer(t, mcpServer{}.serve)
		h := startHost(t, srv.URL)
		for i, line := range []string{"this is not JSON {", `{"jsonrpc":"2.0","id":3,"method":"tools/list"`} {
			h.send(line)
			waitFor(t, "an answer to the bad line", func() bool { return len(h.snapshot()) > i })
			m := h.messages()[i]
			if string(m.ID) != "null" || m.Error == nil || m.Error.Code != jsonrpc.CodeParseError {
				t.Errorf("line %q: want a -32700 error with id null, got %s", line, m.Raw)
			}
		}
		stillServes(t, h, 4)
		for _, r := range srv.requests() {
			if r.Method == http.MethodPost && !r.IsRPC {
				t.Errorf("a line that is not JSON reached the server: %q", r.Body)
			}
		}
	})
}

func TestFaultStdinBatch(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		srv := newFaultServer(t, mcpServer{}.serve)
		h := startHost(t, srv.URL)
		h.send(`[{"jsonrpc":"2.0","id":21,"method":"tools/list"},{"jsonrpc":"2.0","method":"notifications/progress","params":{}},{"jsonrpc":"2.0","id":"b","method":"ping"}]`)
		for _, id := range []string{"21", `"b"`} {
			h.answer(id)
		}
		h.send(`[]`)
		h.waitMsg("an answer to the empty batch", func(m rpcMsg) bool {
			return string(m.ID) == "null" && m.Error != nil && m.Error.Code == jsonrpc.CodeInvalidRequest
		})
		stillServes(t, h, 22)
	})
}

func TestFaultStdinMissingJSONRPC(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		srv := newFaultServer(t, mcpServer{}.serve)
		h := startHost(t, srv.URL)
		h.send(`{"id":7,"method":"tools/list"}`, `{"jsonrpc":"1.0","id":"x","method":"tools/list"}`)
		for _, id := range []string{"7", `"x"`} {
			e := h.failure(id, "jsonrpc")
			if e.Code != jsonrpc.CodeInvalidRequest {
				t.Errorf("request %s: error code %d, want %d", id, e.Code, jsonrpc.CodeInvalidRequest)
			}
		}
		stillServes(t, h, 8)
		if n := len(srv.requests()); n != 1 {
			t.Errorf("the server got %d requests, want only the valid one: %s", n, srv.describe())
		}
	})
}

func TestFaultStdinEmptyLines(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		srv := newFaultServer(t, mcpServer{}.serve)
		h := startHost(t, srv.URL)
		h.write([]byte("\n\n   \n\t\r\n\r\n"))
		stillServes(t, h, 1)
		if lines := h.snapshot(); len(lines) != 1 {
			t.Errorf("blank lines were answered: %s", h.describeLines())
		}
		if n := len(srv.requests()); n != 1 {
			t.Errorf("the server got %d requests, want 1: %s", n, srv.describe())
		}
	})
}

func TestFaultStdinHugeLine(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		blob := strings.Repeat("0123456789abcdef", (10<<20)/16)
		blob = "BEGIN" + blob[5:len(blob)-3] + "END"
		line := `{"jsonrpc":"2.0","id":42,"method":"tools/call","params":{"name":"upload","arguments":{"blob":"` + blob + `"}}}`
		srv := newFaultServer(t, func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			if len(req.Body) > hugeBody { // answered with what arrived: its size and digest
				sum := sha256.Sum256(req.Body)
				writeJSON(w, http.StatusOK, fmt.Sprintf(`{"jsonrpc":"2.0","id":42,"result":{"bytes":%d,"sha256":"%x"}}`, len(req.Body), sum))
				return
			}
			mcpServer{}.serve(w, r, req)
		})
		h := startHost(t, srv.URL)
		h.trackID("42")
		h.send(line)
		sum := sha256.Sum256([]byte(line))
		if got, want := string(h.result("42")), fmt.Sprintf(`{"bytes":%d,"sha256":"%x"}`, len(line), sum); got != want {
			t.Errorf("the 10 MiB message reached the server altered: the server saw %s, want %s", got, want)
		}
		stillServes(t, h, 43)
	})
}

// ---------------------------------------------------------------------------
// Ids and the server's bytes

func TestFaultIDsByteIdentical(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		// Each form makes a distinct id per round, so every request has its own.
		forms := []struct {
			name string
			id   func(round int) string
		}{
			{"plain string", func(k int) string { return fmt.Sprintf(`"req-%d"`, k) }},
			{"empty string", func(k int) string { return `"` + strings.Repeat(" ", k) + `"` }},
			{"escaped string", func(k int) string { return fmt.Sprintf(`"q\"b\\s\/\u00e9\ud83d\ude00-%d"`, k) }},
			{"raw UTF-8 string", func(k int) string { return fmt.Sprintf(`"ünïcødé-%d"`, k) }},
			{"beyond 2^53", func(k int) string { return fmt.Sprint(9007199254740993 + 2*k) }},
			{"negative", func(k int) string { return fmt.Sprint(-1 - k) }},
			// Ids are compared by value (a server may write 1e2 back as 100), so
			// 0, -0 and 0.0 would be one id: these are distinct values, spelled
			// oddly, that must still come back byte for byte.
			{"zero and friends", func(k int) string { return []string{"0", "-25e-2", "0.10"}[k] }},
			{"exponent", func(k int) string { return fmt.Sprintf("%d.5e3", k+1) }},
			{"upper-case exponent", func(k int) string { return fmt.Sprintf("1E+%d", k+2) }},
			{"fraction", func(k int) string { return fmt.Sprintf("-0.%d25", k+1) }},
		}
		srv := newFaultServer(t, mcpServer{next: func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			var p struct {
				Name string `json:"name"`
			}
			_ = json.Unmarshal(req.Msg.Params, &p)
			switch p.Name { // the server echoes the raw id bytes
			case "json":
				writeJSON(w, http.StatusOK, resultFor(req.Msg.ID, `{"via":"json"}`))
			case "sse":
				writeSSE(w, "data: "+resultFor(req.Msg.ID, `{"via":"sse"}`))
			case "fail":
				w.WriteHeader(http.StatusInternalServerError)
			default:
				writeJSON(w, http.StatusOK, echoResult(req))
			}
		}}.serve)
		h := startHost(t, srv.URL)
		rounds := []string{"json", "sse", "fail"}
		var lines []string
		for k, how := range rounds {
			for _, f := range forms {
				lines = append(lines, fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"method":"tools/call","params":{"name":%q}}`, f.id(k), how))
			}
		}
		h.send(lines...)
		for k, how := range rounds {
			for _, f := range forms {
				id := f.id(k)
				m := h.waitMsg("the answer for id "+id+" ("+f.name+" via "+how+")", func(m rpcMsg) bool {
					return m.IsResponse() && string(m.ID) == id
				})
				if !bytes.Contains(m.Raw, []byte(`"id":`+id+`,`)) && !bytes.HasSuffix(m.Raw, []byte(`"id":`+id+`}`)) {
					t.Errorf("%s via %s: the answer does not carry the id bytes %s: %s", f.name, how, id, m.Raw)
				}
				if how == "fail" && (m.Error == nil || !strings.Contains(m.Error.Message, "HTTP 500")) {
					t.Errorf("%s: want an HTTP 500 error for id %s, got %s", f.name, id, m.Raw)
				}
				if how != "fail" && m.Error != nil {
					t.Errorf("%s via %s: want a result for id %s, got %s", f.name, how, id, m.Raw)
				}
			}
		}
		quiet(t, faultQuiet, func() bool { // for second answers
			for _, m := range h.messages() {
				if len(h.answersFor(string(m.ID))) > 1 {
					return true
				}
			}
			return false
		})
		stillServes(t, h, 99)
	})
}

// A server that decodes the id and encodes it again answers with the same
// JSON value in other bytes ("caf\u00e9" comes back as "café"). JSON-RPC
// asks only for the same value, so the client must still get its answer,
// under the id bytes it sent.
func TestFaultIDReencodedByServer(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		srv := newFaultServer(t, mcpServer{next: func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			var id any
			_ = json.Unmarshal(req.Msg.ID, &id)
			out, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "result": map[string]any{"ok": true}})
			writeJSON(w, http.StatusOK, string(out))
		}}.serve)
		h := startHost(t, srv.URL)
		h.send(`{"jsonrpc":"2.0","id":"caf\u00e9","method":"tools/call","params":{"name":"x"}}`)
		m := h.answer(`"caf\u00e9"`)
		if string(m.Result) != `{"ok":true}` {
			t.Errorf("the server answered, yet the client got %s", m.Raw)
		}
		srv.handle(mcpServer{}.serve)
		stillServes(t, h, 2)
	})
}

func TestFaultServerAnswerBytesPreserved(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		const answer = `{"result":{"zeta":1,"alpha":{"y":[1,2,{"b":1,"a":2}],"x":null,"s":"caf\u00e9 \u2028"}},"x-vendor":{"trace":"abc","n":1.50},"id":%s,"jsonrpc":"2.0"}`
		srv := newFaultServer(t, mcpServer{next: func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			body := fmt.Sprintf(answer, req.Msg.ID)
			if strings.Contains(string(req.Msg.Params), `"sse"`) {
				writeSSE(w, "event: message\ndata: "+body)
				return
			}
			writeJSON(w, http.StatusOK, body)
		}}.serve)
		h := startHost(t, srv.URL)
		h.send(toolsCall(5, "json"), toolsCall(6, "sse"))
		for _, id := range []string{"5", "6"} {
			if got, want := string(h.answer(id).Raw), fmt.Sprintf(answer, id); got != want {
				t.Errorf("answer %s reached the client altered:\n got %s\nwant %s", id, got, want)
			}
		}
	})
}

func TestFaultServerAnswerPrettyPrinted(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		const pretty = "{\r\n  \"jsonrpc\": \"2.0\",\n  \"id\": %s,\n  \"result\": {\n    \"content\": [\n      { \"type\": \"text\", \"text\": \"line one\\nline two \\u00e9\" }\n    ],\n\t\"isError\": false\n  }\n}\n"
		srv := newFaultServer(t, mcpServer{next: func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			body := fmt.Sprintf(pretty, req.Msg.ID)
			if strings.Contains(string(req.Msg.Params), `"sse"`) {
				// A multi-line JSON text spread over several data: lines.
				var ev strings.Builder
				for _, l := range strings.Split(strings.TrimRight(strings.ReplaceAll(body, "\r\n", "\n"), "\n"), "\n") {
					ev.WriteString("data: " + l + "\n")
				}
				writeSSE(w, strings.TrimSuffix(ev.String(), "\n"))
				return
			}
			writeJSON(w, http.StatusOK, body)
		}}.serve)
		h := startHost(t, srv.URL)
		h.send(toolsCall(5, "json"), toolsCall(6, "sse"))
		for _, id := range []string{"5", "6"} {
			want := compactString(t, fmt.Sprintf(pretty, id))
			if got := string(h.answer(id).Raw); got != want {
				t.Errorf("answer %s:\n got %s\nwant %s", id, got, want)
			}
		}
	})
}

// ---------------------------------------------------------------------------
// Sessions

func TestFaultSessionHeadersOnEveryRequest(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		srv := newFaultServer(t, mcpServer{session: "sess-A1", version: "2025-06-18"}.serve)
		h := startHost(t, srv.URL)
		h.send(initializeLine)
		h.result("1")
		h.send(initializedLine)
		h.send(`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`)
		h.result("2")
		h.send(`{"jsonrpc":"2.0","method":"notifications/roots/list_changed"}`, `{"jsonrpc":"2.0","id":3,"method":"ping"}`)
		h.result("3")
		h.closeStdin()
		if _, err := h.waitRun(); err != nil {
			t.Errorf("Run: %v", err)
		}
		reqs := srv.requests()
		if len(reqs) == 0 || reqs[0].Msg.Method != "initialize" {
			t.Fatalf("the first request is not initialize: %s", srv.describe())
		}
		if got := reqs[0].Header.Get("Mcp-Session-Id"); got != "" {
			t.Errorf("initialize carries Mcp-Session-Id %q", got)
		}
		sawDelete := false
		for _, r := range reqs[1:] {
			if got := r.Header.Get("Mcp-Session-Id"); got != "sess-A1" {
				t.Errorf("%s carries Mcp-Session-Id %q, want sess-A1", r.kind(), got)
			}
			if got := r.Header.Get("MCP-Protocol-Version"); got != "2025-06-18" {
				t.Errorf("%s carries MCP-Protocol-Version %q, want the negotiated 2025-06-18", r.kind(), got)
			}
			sawDelete = sawDelete || r.Method == http.MethodDelete
		}
		if !sawDelete {
			t.Errorf("no DELETE ended the session: %s", srv.describe())
		}
	})
}

func TestFaultPipelinedBehindInitialize(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		srv, initAnsweredAt := slowInitializeServer(t, "sess-pipe")
		h := startHost(t, srv.URL)
		h.write([]byte(initializeLine + "\n" + initializedLine + "\n" + `{"jsonrpc":"2.0","id":2,"method":"tools/list"}` + "\n"))
		h.result("1")
		wantEcho(t, h.result("2"), "tools/list")

		initAnswered := initAnsweredAt()
		idx := map[string]int{}
		for _, r := range srv.requests() {
			if r.Method != http.MethodPost {
				continue
			}
			idx[r.Msg.Method] = r.N
			if r.Msg.Method == "initialize" {
				continue
			}
			if r.At.Before(initAnswered) {
				t.Errorf("%s reached the server before the initialize answer", r.kind())
			}
			if got := r.Header.Get("Mcp-Session-Id"); got != "sess-pipe" {
				t.Errorf("%s carries Mcp-Session-Id %q, want sess-pipe", r.kind(), got)
			}
		}
		init, okInit := idx["notifications/initialized"]
		list, okList := idx["tools/list"]
		if !okInit || !okList || init > list {
			t.Errorf("want notifications/initialized before tools/list, got: %s", srv.describe())
		}
	})
}

// sessionServer mints a new session id for every initialize and answers 404
// to requests on a session it has ended.
type sessionServer struct {
	mu      sync.Mutex
	n       int
	expired map[string]bool
}

func (s *sessionServer) serve(w http.ResponseWriter, r *http.Request, req *seenRequest) {
	s.mu.Lock()
	gone := s.expired[r.Header.Get("Mcp-Session-Id")]
	s.mu.Unlock()
	if gone {
		writeJSON(w, http.StatusNotFound, `{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"Session not found"}}`)
		return
	}
	if req.IsRPC && req.Msg.Method == "initialize" {
		s.mu.Lock()
		s.n++
		id := fmt.Sprintf("sess-%d", s.n)
		s.mu.Unlock()
		w.Header().Set("Mcp-Session-Id", id)
		writeJSON(w, http.StatusOK, initResult(req.Msg.ID, "2025-11-25"))
		return
	}
	mcpServer{}.serve(w, r, req)
}

func (s *sessionServer) expire(id string) {
	s.mu.Lock()
	s.expired[id] = true
	s.mu.Unlock()
}

func TestFaultSessionExpired404Renews(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		ss := &sessionServer{expired: map[string]bool{}}
		srv := newFaultServer(t, ss.serve)
		h := startHost(t, srv.URL)
		h.send(initializeLine)
		h.result("1")
		h.send(initializedLine)
		h.send(`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`)
		h.result("2")

		ss.expire("sess-1")
		before := len(srv.requests())
		h.send(toolsCall(3, "after-expiry"))
		wantEcho(t, h.result("3"), "tools/call")
		if n := len(h.answersFor("1")); n != 1 {
			t.Errorf("the client saw %d initialize answers, want its own one only", n)
		}

		var posts []*seenRequest
		for _, r := range srv.requests()[before:] {
			if r.Method == http.MethodPost {
				posts = append(posts, r)
			}
		}
		want := []struct{ method, session string }{
			{"tools/call", "sess-1"},
			{"initialize", ""},
			{"notifications/initialized", "sess-2"},
			{"tools/call", "sess-2"},
		}
		if len(posts) != len(want) {
			t.Fatalf("after the 404 the server got %d POSTs, want %d: %s", len(posts), len(want), srv.describe())
		}
		for i, w := range want {
			if posts[i].Msg.Method != w.method || posts[i].Header.Get("Mcp-Session-Id") != w.session {
				t.Errorf("POST %d: %s on session %q, want %s on %q", i, posts[i].Msg.Method, posts[i].Header.Get("Mcp-Session-Id"), w.method, w.session)
			}
		}
		if !bytes.Equal(posts[1].Body, []byte(initializeLine)) {
			t.Errorf("the replayed initialize is not the client's own: %s", posts[1].Body)
		}
		if !bytes.Equal(posts[2].Body, []byte(initializedLine)) {
			t.Errorf("the replayed initialized is not the client's own: %s", posts[2].Body)
		}
		stillServes(t, h, 4)
		if r := srv.rpcRequest("4"); r.Header.Get("Mcp-Session-Id") != "sess-2" {
			t.Errorf("the next request carries session %q, want sess-2", r.Header.Get("Mcp-Session-Id"))
		}
	})
}

func TestFaultShutdownDeletesSessionQuickly(t *testing.T) {
	t.Parallel() // fake time: how long shutdown takes is exact
	inBubble(t, func(t *testing.T) {
		var srv *faultServer
		srv = newFaultServer(t, func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			if r.Method == http.MethodGet { // a standalone stream held open
				writeSSE(w, ": open")
				srv.blockUntilGone(r)
				return
			}
			mcpServer{session: "sess-bye", version: "2025-11-25"}.serve(w, r, req)
		})
		h := startHost(t, srv.URL)
		h.send(initializeLine)
		h.result("1")
		h.send(initializedLine)
		h.send(`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`)
		h.result("2")
		srv.waitRequest("the standalone GET stream", func(r *seenRequest) bool { return r.Method == http.MethodGet })

		h.closeStdin()
		took, err := h.waitRun()
		if err != nil {
			t.Errorf("Run: %v", err)
		}
		if took >= 200*time.Millisecond {
			t.Errorf("Run returned %v after stdin closed with nothing pending, want < 200ms", took)
		}
		del := srv.waitRequest("the DELETE", func(r *seenRequest) bool { return r.Method == http.MethodDelete })
		if got := del.Header.Get("Mcp-Session-Id"); got != "sess-bye" {
			t.Errorf("DELETE carries Mcp-Session-Id %q, want sess-bye", got)
		}
	})
}

// ---------------------------------------------------------------------------
// Transports

func TestFaultHTTPFirstFallsBackToLegacySSE(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		ls := newLegacyServer(t)
		h := startHost(t, ls.s.URL, withTransport(HTTPFirst))
		h.send(initializeLine)
		var res struct {
			ProtocolVersion string `json:"protocolVersion"`
		}
		if err := json.Unmarshal(h.result("1"), &res); err != nil || res.ProtocolVersion != "2024-11-05" {
			t.Fatalf("initialize answer: %v %+v", err, res)
		}
		h.send(initializedLine, `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`)
		wantEcho(t, h.result("2"), "tools/list")

		reqs := ls.s.requests()
		if len(reqs) < 3 || reqs[0].kind() != "POST initialize" || reqs[0].Path != "/mcp" {
			t.Fatalf("want a Streamable HTTP initialize first: %s", ls.s.describe())
		}
		if reqs[1].Method != http.MethodGet || reqs[1].Path != "/mcp" {
			t.Errorf("after the 405 want a GET of the stream, got %s %s", reqs[1].Method, reqs[1].Path)
		}
		r := ls.s.rpcRequest("2")
		if r.Path != "/messages" || r.Query.Get("session") != "0" {
			t.Errorf("tools/list went to %s?%s, not the endpoint the stream named", r.Path, r.Query.Encode())
		}
		stillServes(t, h, 3)
	})
}

func TestFaultSSEOnlyLegacyServer(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		ls := newLegacyServer(t)
		h := startHost(t, ls.s.URL, withTransport(SSEOnly))
		h.send(initializeLine)
		h.result("1")
		h.send(initializedLine, `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`)
		wantEcho(t, h.result("2"), "tools/list")
		stillServes(t, h, 3)
		for _, r := range ls.s.requests() {
			if r.Method == http.MethodPost && r.Path == "/mcp" {
				t.Errorf("sse-only tried Streamable HTTP: %s", ls.s.describe())
			}
		}
	})
}

// legacySession starts a legacy server and a host (--transport sse-only)
// that has initialized with it.
func legacySession(t *testing.T) (*legacyServer, *faultHost) {
	t.Helper()
	ls := newLegacyServer(t)
	h := startHost(t, ls.s.URL, withTransport(SSEOnly))
	h.send(initializeLine)
	h.result("1")
	h.send(initializedLine)
	return ls, h
}

func TestFaultLegacyStreamClosesWhileWaiting(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		ls, h := legacySession(t)
		ls.setAnswer(func(req *seenRequest) (string, bool) {
			if req.Msg.Method == "tools/call" {
				return "", false // never answered on the stream
			}
			if req.Msg.Method == "initialize" {
				return initResult(req.Msg.ID, "2024-11-05"), true
			}
			return echoResult(req), true
		})
		h.send(toolsCall(2, "hangs"))
		ls.s.rpcRequest("2")
		ls.stream(0).close()
		h.failure("2", "event stream closed")

		ls.setAnswer(nil)
		stillServes(t, h, 3)
		if n := ls.streamCount(); n != 2 {
			t.Errorf("want the bridge to open a second stream, it opened %d", n)
		}
		if n := len(h.answersFor("1")); n != 1 {
			t.Errorf("the client saw %d initialize answers, want its own one only", n)
		}
		var replayed []string
		for _, r := range ls.s.requests() {
			if r.Method == http.MethodPost && r.Query.Get("session") == "1" {
				replayed = append(replayed, r.Msg.Method)
			}
		}
		if want := []string{"initialize", "notifications/initialized", "tools/call"}; strings.Join(replayed, ",") != strings.Join(want, ",") {
			t.Errorf("on the new stream the server got %q, want %q", replayed, want)
		}
	})
}

// Two requests side by side after the event stream ended, and the new
// stream never names its endpoint: the first waits the endpoint event's
// 30 s and fails; the second waits its turn, connects again and fails the
// same way. Each gets one answer. The second once waited on a mutex held
// across the first's connection, which testing/synctest does not count as
// durably blocked: the bubble's clock stopped and this test hung.
func TestFaultLegacyReconnectWithoutEndpoint(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		ls, h := legacySession(t)
		ls.mute.Store(true)
		ls.stream(0).close()
		synctest.Wait() // the bridge has read the end of the stream
		start := time.Now()
		h.send(`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`, `{"jsonrpc":"2.0","id":3,"method":"tools/list"}`)
		waitLong(t, "both answers", 2*time.Minute, func() bool { return len(h.answersFor("2")) > 0 && len(h.answersFor("3")) > 0 })
		h.failure("2", "no endpoint event within 30s")
		h.failure("3", "no endpoint event within 30s")
		if d := time.Since(start); d < time.Minute || d > time.Minute+faultWait {
			t.Errorf("both answered after %v, want one endpoint wait after the other (1m)", d)
		}
		gets := 0
		for _, r := range ls.s.requests() {
			if r.Method == http.MethodGet {
				gets++
			}
		}
		if gets != 3 {
			t.Errorf("%d event streams asked for, want 3 (the first, then one per waiting request)", gets)
		}
	})
}

// ---------------------------------------------------------------------------
// Protocol 2026-07-28: stateless requests and their headers

// modernReq builds a 2026-07-28 request; members are params' other members.
func modernReq(id int, method, members string) string {
	if members != "" {
		members += ","
	}
	return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":%q,"params":{%s"_meta":{"io.modelcontextprotocol/protocolVersion":%q,"io.modelcontextprotocol/clientInfo":{"name":"fault-client","version":"1.0.0"}}}}`, id, method, members, era.ModernVersion)
}

func b64(s string) string { return "=?base64?" + base64.StdEncoding.EncodeToString([]byte(s)) + "?=" }

func TestFaultModernRequestHeaders(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		srv := newFaultServer(t, mcpServer{session: "sess-classic", version: "2025-11-25"}.serve)
		h := startHost(t, srv.URL)
		cases := []struct {
			id      int
			method  string
			members string
			name    string // the Mcp-Name wanted; "" for none
		}{
			{10, "tools/call", `"name":"get_weather","arguments":{"location":"Seattle"}`, "get_weather"},
			{11, "tools/call", `"name":"météo","arguments":{}`, b64("météo")},
			{12, "resources/read", `"uri":"file:///projects/myapp/config.json"`, "file:///projects/myapp/config.json"},
			{13, "resources/read", `"uri":"file:///tmp/ü.txt"`, b64("file:///tmp/ü.txt")},
			{14, "prompts/get", `"name":" padded "`, b64(" padded ")},
			{15, "tools/call", `"name":"=?base64?literal?="`, b64("=?base64?literal?=")},
			{16, "tools/list", ``, ""},
		}
		check := func(t *testing.T, id int, method, name string) {
			t.Helper()
			r := srv.rpcRequest(fmt.Sprint(id))
			if got := r.Header.Get("MCP-Protocol-Version"); got != era.ModernVersion {
				t.Errorf("%d: MCP-Protocol-Version %q, want %q", id, got, era.ModernVersion)
			}
			if got := r.Header.Get("Mcp-Method"); got != method {
				t.Errorf("%d: Mcp-Method %q, want %q", id, got, method)
			}
			if got := r.Header.Get("Mcp-Name"); got != name {
				t.Errorf("%d: Mcp-Name %q, want %q", id, got, name)
			}
			if _, ok := r.Header["Mcp-Session-Id"]; ok {
				t.Errorf("%d: a 2026-07-28 request carries Mcp-Session-Id %q", id, r.Header.Get("Mcp-Session-Id"))
			}
		}
		var lines, ids []string
		for _, c := range cases {
			lines = append(lines, modernReq(c.id, c.method, c.members))
			ids = append(ids, fmt.Sprint(c.id))
		}
		h.send(lines...)
		answers := h.answerAll(ids...)
		for _, c := range cases {
			a := answers[fmt.Sprint(c.id)]
			if a.Error != nil {
				t.Fatalf("%d: want a result, got %s", c.id, a.Raw)
			}
			wantEcho(t, a.Result, c.method)
			check(t, c.id, c.method, c.name)
		}
		// A session from an earlier initialize does not leak onto them.
		h.send(initializeLine)
		h.result("1")
		h.send(initializedLine)
		h.send(modernReq(20, "tools/call", `"name":"get_weather","arguments":{}`))
		h.result("20")
		check(t, 20, "tools/call", "get_weather")
	})
}

func TestFaultModernToolParamHeaders(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		const tools = `{"tools":[{"name":"execute_sql","description":"Run SQL","inputSchema":{"type":"object","properties":{` +
			`"region":{"type":"string","x-mcp-header":"Region"},` +
			`"greeting":{"type":"string","x-mcp-header":"Greeting"},` +
			`"tenant":{"type":"object","properties":{"id":{"type":"integer","x-mcp-header":"Tenant-Id"}}},` +
			`"dry_run":{"type":"boolean","x-mcp-header":"Dry-Run"},` +
			`"query":{"type":"string"}},"required":["query"]}},` +
			`{"name":"plain","inputSchema":{"type":"object"}}],"nextCursor":"page-2"}`
		srv := newFaultServer(t, mcpServer{next: func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			if req.Msg.Method == "tools/list" {
				writeJSON(w, http.StatusOK, resultFor(req.Msg.ID, tools))
				return
			}
			writeJSON(w, http.StatusOK, echoResult(req))
		}}.serve)
		h := startHost(t, srv.URL)
		h.send(modernReq(1, "tools/list", ""))
		if got := string(h.result("1")); got != tools {
			t.Errorf("a tools/list answer with only valid tools was altered:\n got %s\nwant %s", got, tools)
		}
		h.send(modernReq(2, "tools/call", `"name":"execute_sql","arguments":{"region":"us-west1","greeting":"Hello, 世界","tenant":{"id":42},"dry_run":true,"query":"SELECT 1"}`))
		h.result("2")
		r := srv.rpcRequest("2")
		for k, v := range map[string]string{
			"Mcp-Param-Region":    "us-west1",
			"Mcp-Param-Greeting":  "=?base64?SGVsbG8sIOS4lueVjA==?=",
			"Mcp-Param-Tenant-Id": "42",
			"Mcp-Param-Dry-Run":   "true",
			"Mcp-Name":            "execute_sql",
		} {
			if got := r.Header.Get(k); got != v {
				t.Errorf("%s: %q, want %q", k, got, v)
			}
		}
		// Absent values: no header.
		h.send(modernReq(3, "tools/call", `"name":"execute_sql","arguments":{"query":"SELECT 2","region":null}`))
		h.result("3")
		r = srv.rpcRequest("3")
		for k := range r.Header {
			if strings.HasPrefix(k, "Mcp-Param-") {
				t.Errorf("a call without the annotated arguments carries %s: %q", k, r.Header.Get(k))
			}
		}
	})
}

func TestFaultModernInvalidToolAnnotationsRemoved(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		good := `{"name":"good","inputSchema":{"type":"object","properties":{"region":{"type":"string","x-mcp-header":"Region"}}},"annotations":{"readOnlyHint":true}}`
		plain := `{"name":"plain","description":"no headers","inputSchema":{"type":"object","properties":{"n":{"type":"number"}}}}`
		bad := []string{
			`{"name":"on_number","inputSchema":{"type":"object","properties":{"amount":{"type":"number","x-mcp-header":"Amount"}}}}`,
			`{"name":"duplicated","inputSchema":{"type":"object","properties":{"a":{"type":"string","x-mcp-header":"Region"},"b":{"type":"string","x-mcp-header":"region"}}}}`,
			`{"name":"through_items","inputSchema":{"type":"object","properties":{"list":{"type":"array","items":{"type":"object","properties":{"k":{"type":"string","x-mcp-header":"K"}}}}}}}`,
			`{"name":"not_a_token","inputSchema":{"type":"object","properties":{"a":{"type":"string","x-mcp-header":"Bad Header"}}}}`,
			`{"name":"empty_name","inputSchema":{"type":"object","properties":{"a":{"type":"string","x-mcp-header":""}}}}`,
		}
		all := "[" + bad[0] + "," + good + "," + bad[1] + "," + plain + "," + strings.Join(bad[2:], ",") + "]"
		srv := newFaultServer(t, mcpServer{next: func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			if req.Msg.Method == "tools/list" {
				writeJSON(w, http.StatusOK, resultFor(req.Msg.ID, `{"tools":`+all+`,"nextCursor":"c2","x-extra":{"k":1}}`))
				return
			}
			writeJSON(w, http.StatusOK, echoResult(req))
		}}.serve)
		h := startHost(t, srv.URL)
		h.send(modernReq(1, "tools/list", ""))
		got := string(h.result("1"))
		want := `{"tools":[` + good + `,` + plain + `],"nextCursor":"c2","x-extra":{"k":1}}`
		if got != want {
			t.Errorf("tools/list as the client sees it:\n got %s\nwant %s", got, want)
		}
		h.send(modernReq(2, "tools/call", `"name":"good","arguments":{"region":"eu"}`))
		h.result("2")
		if r := srv.rpcRequest("2"); r.Header.Get("Mcp-Param-Region") != "eu" {
			t.Errorf("Mcp-Param-Region = %q, want eu", r.Header.Get("Mcp-Param-Region"))
		}
	})
}

// ---------------------------------------------------------------------------
// Cancellation

func TestFaultCancelledRequest(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		cancelSeen := make(chan struct{})
		var once sync.Once
		var srv *faultServer
		srv = newFaultServer(t, func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			if req.IsRPC && req.Msg.Method == "notifications/cancelled" {
				once.Do(func() { close(cancelSeen) })
			}
			mcpServer{session: "sess-c", version: "2025-11-25", next: func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
				if strings.Contains(string(req.Msg.Params), `"slow"`) {
					select {
					case <-cancelSeen:
					case <-r.Context().Done():
						return
					case <-srv.quit:
						return
					}
					// A racing server answers anyway, right after the cancellation.
					writeSSE(w, "data: "+echoResult(req))
					return
				}
				writeJSON(w, http.StatusOK, echoResult(req))
			}}.serve(w, r, req)
		})
		h := startHost(t, srv.URL)
		h.send(initializeLine)
		h.result("1")
		h.send(initializedLine)
		h.send(toolsCall(5, "slow"))
		srv.rpcRequest("5")
		cancel := `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":5,"reason":"user gave up"}}`
		h.send(cancel)
		got := srv.waitRequest("the forwarded cancellation", func(r *seenRequest) bool {
			return r.IsRPC && r.Msg.Method == "notifications/cancelled"
		})
		if !bytes.Equal(got.Body, []byte(cancel)) {
			t.Errorf("the cancellation reached the server as %s, want %s", got.Body, cancel)
		}
		if s := got.Header.Get("Mcp-Session-Id"); s != "sess-c" {
			t.Errorf("the cancellation carries Mcp-Session-Id %q, want sess-c", s)
		}
		h.noAnswer("5", 300*time.Millisecond)
		stillServes(t, h, 6)
		h.noAnswer("5", faultQuiet)
	})
}

// A cancellation for a request still held behind a pending initialize must
// not overtake the gate: nothing reaches the server outside the session.
func TestFaultCancelHeldBehindInitialize(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		srv, initAnsweredAt := slowInitializeServer(t, "sess-held")
		h := startHost(t, srv.URL)
		h.send(initializeLine, initializedLine,
			`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`,
			`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":2}}`)
		h.result("1")
		stillServes(t, h, 3)
		h.noAnswer("2", faultQuiet)
		initAnswered := initAnsweredAt()
		for _, r := range srv.requests() {
			if r.Method != http.MethodPost || r.Msg.Method == "initialize" {
				continue
			}
			if r.At.Before(initAnswered) || r.Header.Get("Mcp-Session-Id") != "sess-held" {
				t.Errorf("%s reached the server outside the session (session %q, before the initialize answer: %v)",
					r.kind(), r.Header.Get("Mcp-Session-Id"), r.At.Before(initAnswered))
			}
		}
	})
}

// ---------------------------------------------------------------------------
// Large answers: read in 64 KiB pieces, they must still reach the client
// byte for byte (compacted when the server pretty-printed them), under the
// client's own id, with escapes and the id itself straddling piece
// boundaries.

func TestFaultLargeServerAnswers(t *testing.T) {
	t.Parallel()
	const piece = 64 << 10
	// A text with escapes at every phase against the piece boundaries.
	var text strings.Builder
	for text.Len() < 48<<10 {
		text.WriteString(`abc\u00e9\n\"é\\ \ud83d\ude00 tab\t `)
	}
	build := func(id string, pad int, pretty bool) string {
		body := `{"jsonrpc":"2.0","result":{"content":[{"type":"text","text":"` + text.String() + `"}],"pad":"` + strings.Repeat("p", pad) +
			`"},"id":` + id + `,"x-trailer":{"z":1,"a":[true,false,null,-1.5e-3],"tail":"` + strings.Repeat("t", 20<<10) + `"}}`
		if pretty {
			var b bytes.Buffer
			if err := json.Indent(&b, []byte(body), "", "  "); err != nil {
				panic(err)
			}
			return b.String()
		}
		return body
	}
	// place returns the body with the id starting two bytes before offset
	// at, so that it straddles a piece boundary there.
	place := func(id string, pretty bool, at int) string {
		b := build(id, 0, pretty)
		pad := at - 2 - (strings.Index(b, `"id":`) + len(`"id":`))
		if pretty {
			pad-- // "id": is followed by a space
		}
		return build(id, pad, pretty)
	}
	type delivery struct {
		name     string
		boundary int // where a piece ends, as an offset in the body
		write    func(w http.ResponseWriter, body string)
	}
	deliveries := []delivery{{
		name: "JSON body without Content-Length", boundary: piece,
		write: func(w http.ResponseWriter, body string) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, body)
		},
	}, {
		name: "JSON body with Content-Length", boundary: piece,
		write: func(w http.ResponseWriter, body string) {
			w.Header().Set("Content-Length", fmt.Sprint(len(body)))
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, body)
		},
	}, {
		name: "SSE event on one data line", boundary: piece - len("data: "),
		write: func(w http.ResponseWriter, body string) {
			// A pretty body goes out over several data lines; a compact one on one.
			writeSSE(w, "data: "+strings.ReplaceAll(body, "\n", "\ndata: "))
		},
	}, {
		name: "SSE event with data split over lines", boundary: piece,
		write: func(w http.ResponseWriter, body string) {
			lines := strings.ReplaceAll(body, "\n", "\ndata: ")
			writeSSE(w, "data: "+strings.ReplaceAll(lines, `",`, "\",\ndata: "))
		},
	}}
	for _, d := range deliveries {
		for _, pretty := range []bool{false, true} {
			for _, reescaped := range []bool{false, true} {
				name := fmt.Sprintf("%s, pretty %v, id re-escaped %v", d.name, pretty, reescaped)
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					inBubble(t, func(t *testing.T) {
						clientID, serverID := `"big\u002d1"`, `"big\u002d1"`
						if reescaped {
							serverID = `"big-1"`
						}
						serverBody := place(serverID, pretty, d.boundary)
						want := compactString(t, place(clientID, pretty, d.boundary))
						srv := newFaultServer(t, mcpServer{next: func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
							d.write(w, serverBody)
						}}.serve)
						h := startHost(t, srv.URL)
						h.send(`{"jsonrpc":"2.0","id":` + clientID + `,"method":"tools/call","params":{"name":"big"}}`)
						got := h.answer(clientID)
						if string(got.Raw) != want {
							t.Errorf("the %d-byte answer reached the client altered (%d bytes, want %d); first difference at byte %d",
								len(serverBody), len(got.Raw), len(want), firstDiff(got.Raw, []byte(want)))
						}
						srv.handle(mcpServer{}.serve)
						stillServes(t, h, 2)
					})
				})
			}
		}
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// reencodeID answers like a server that decodes the request's id and
// encodes it again ("list\u002d1" becomes "list-1"): same JSON value,
// other bytes.
func reencodeID(id json.RawMessage) string {
	var v any
	_ = json.Unmarshal(id, &v)
	out, _ := json.Marshal(v)
	return string(out)
}

// A tools/list answer must be filtered however the server spelled the id:
// invalid x-mcp-header tools removed (and valid ones learned), hidden tools
// hidden.
func TestFaultToolsListIDReencodedStillFiltered(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		good := `{"name":"good","inputSchema":{"type":"object","properties":{"region":{"type":"string","x-mcp-header":"Region"}}}}`
		onNumber := `{"name":"on_number","inputSchema":{"type":"object","properties":{"amount":{"type":"number","x-mcp-header":"Amount"}}}}`
		secret := `{"name":"delete_everything","inputSchema":{"type":"object"}}`
		srv := newFaultServer(t, mcpServer{next: func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			if req.Msg.Method == "tools/list" {
				writeJSON(w, http.StatusOK, `{"jsonrpc":"2.0","id":`+reencodeID(req.Msg.ID)+`,"result":{"tools":[`+good+`,`+onNumber+`,`+secret+`]}}`)
				return
			}
			writeJSON(w, http.StatusOK, echoResult(req))
		}}.serve)
		h := startHost(t, srv.URL, withTools(ToolFilter{Ignore: []string{"delete_*"}}))

		// 2026-07-28: the invalid tool and the hidden one go.
		h.send(`{"jsonrpc":"2.0","id":"list\u002d1","method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}`)
		if got, want := string(h.result(`"list\u002d1"`)), `{"tools":[`+good+`]}`; got != want {
			t.Errorf("2026-07-28 tools/list as the client sees it:\n got %s\nwant %s", got, want)
		}
		h.send(modernReq(2, "tools/call", `"name":"good","arguments":{"region":"eu"}`))
		h.result("2")
		if r := srv.rpcRequest("2"); r.Header.Get("Mcp-Param-Region") != "eu" {
			t.Errorf("Mcp-Param-Region = %q, want eu: the tool's annotation was not learned", r.Header.Get("Mcp-Param-Region"))
		}

		// Classic protocol: the hidden tool goes.
		h.send(`{"jsonrpc":"2.0","id":"list\u002d3","method":"tools/list"}`)
		if got, want := string(h.result(`"list\u002d3"`)), `{"tools":[`+good+`,`+onNumber+`]}`; got != want {
			t.Errorf("tools/list as the client sees it:\n got %s\nwant %s", got, want)
		}
	})
}

// slowInitializeServer answers initialize after 200 ms (opening session)
// and everything else at once; it tells when initialize was answered, so a
// test can check what reached the server before.
func slowInitializeServer(t *testing.T, session string) (*faultServer, func() time.Time) {
	var mu sync.Mutex
	var answeredAt time.Time
	srv := newFaultServer(t, func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
		if req.IsRPC && req.Msg.Method == "initialize" {
			select {
			case <-time.After(200 * time.Millisecond):
			case <-r.Context().Done():
				return
			}
			mu.Lock()
			answeredAt = time.Now()
			mu.Unlock()
		}
		mcpServer{session: session, version: "2025-11-25"}.serve(w, r, req)
	})
	return srv, func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return answeredAt
	}
}
