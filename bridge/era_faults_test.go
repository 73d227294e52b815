package bridge

// Fault tests across the eras: 2026-07-28 answer streams that break
// (reissue.go), and answers due when stdin ends while the eras are still
// being learned. Each request gets exactly one answer, whatever the fault.

import (
	"bytes"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpbridge/mcpbridge/bridge/era"
	"github.com/mcpbridge/mcpbridge/internal/httpclient"
)

// cutOnce breaks the answer stream of the first `cuts` requests with
// method, and answers the rest; abort chooses how the stream breaks.
type cutOnce struct {
	method string
	cuts   int
	abort  bool // drop the connection mid-stream instead of ending it cleanly

	mu   sync.Mutex
	seen []*seenRequest
}

func (c *cutOnce) serve(w http.ResponseWriter, r *http.Request, req *seenRequest) {
	if req.Msg.Method != c.method {
		writeJSON(w, http.StatusOK, echoResult(req))
		return
	}
	c.mu.Lock()
	c.seen = append(c.seen, req)
	n := len(c.seen)
	c.mu.Unlock()
	if n > c.cuts {
		writeJSON(w, http.StatusOK, echoResult(req))
		return
	}
	writeSSE(w, `data: {"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"working"}}`)
	if c.abort {
		panic(http.ErrAbortHandler) // the connection drops without the stream's end
	}
}

func (c *cutOnce) posts() []*seenRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*seenRequest(nil), c.seen...)
}

func TestEraReissueReadAfterBrokenStream(t *testing.T) {
	t.Parallel()
	for _, abort := range []bool{false, true} {
		name := map[bool]string{false: "stream ended", true: "connection dropped"}[abort]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			inBubble(t, func(t *testing.T) {
				cut := &cutOnce{method: "tools/list", cuts: 1, abort: abort}
				srv := newFaultServer(t, modernServer{caps: `{"tools":{}}`, next: cut.serve}.serve)
				h := startHost(t, srv.URL, withProtocol(ProtocolAuto))
				line := modernLine("3", "tools/list", "", "")
				h.send(line)
				wantEcho(t, h.result("3"), "tools/list")
				posts := cut.posts()
				if len(posts) != 2 {
					t.Fatalf("want the request and one re-issue, got %d POSTs", len(posts))
				}
				again := posts[1]
				if !hasPrefixID(again.Msg.ID, "mcpbridge-reissue-") {
					t.Errorf("re-issued under id %s, want a new id of the bridge's", again.Msg.ID)
				}
				if want := strings.Replace(line, `"id":3`, `"id":`+string(again.Msg.ID), 1); string(again.Body) != want {
					t.Errorf("re-issued\n %s\nwant the same request under the new id\n %s", again.Body, want)
				}
				if got := again.Header.Get("Mcp-Method"); got != "tools/list" {
					t.Errorf("the re-issue lost its headers: Mcp-Method %q", got)
				}
			})
		})
	}
}

func TestEraReissueGivesUp(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		cut := &cutOnce{method: "tools/list", cuts: 100}
		srv := newFaultServer(t, modernServer{caps: `{"tools":{}}`, next: cut.serve}.serve)
		h := startHost(t, srv.URL, withProtocol(ProtocolAuto))
		h.send(modernLine("3", "tools/list", "", ""))
		h.failure("3", "ended its answer stream")
		if n := len(cut.posts()); n != 1+era.MaxReissues {
			t.Errorf("want the request and %d re-issues, got %d POSTs", era.MaxReissues, n)
		}
	})
}

func TestEraReissueNeverAToolCall(t *testing.T) {
	t.Parallel()
	for _, abort := range []bool{false, true} {
		name := map[bool]string{false: "stream ended", true: "connection dropped"}[abort]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			inBubble(t, func(t *testing.T) {
				cut := &cutOnce{method: "tools/call", cuts: 1, abort: abort}
				srv := newFaultServer(t, modernServer{caps: `{"tools":{}}`, next: cut.serve}.serve)
				h := startHost(t, srv.URL, withProtocol(ProtocolAuto))
				h.send(modernLine("3", "tools/call", `"name":"send_email","arguments":{}`, ""))
				h.failure("3", "may have run the tools/call", "does not send it again")
				quiet(t, faultQuiet, func() bool { return len(cut.posts()) != 1 }) // no second POST
				if n := len(cut.posts()); n != 1 {
					t.Errorf("a tools/call whose stream broke was sent %d times, want once", n)
				}
				h.send(modernLine("4", "tools/call", `"name":"after","arguments":{}`, ""))
				wantEcho(t, h.result("4"), "tools/call")
			})
		})
	}
}

// TestEraStdinEOFUnreachableAnswersBeforeReturn: the server cannot be
// reached and stdin ends right after the first request: its error answer
// must be written before Serve returns. A host reads stdout until the
// bridge exits; an answer written later is lost. The race is narrow, so
// the scenario runs many times.
func TestEraStdinEOFUnreachableAnswersBeforeReturn(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse("http://" + l.Addr().String() + "/mcp")
	_ = l.Close()
	client, err := httpclient.New(httpclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const runs = 200
	missing := 0
	for range runs {
		var out lockedBuffer
		b, err := New(Config{URL: u, HTTPClient: client, Protocol: ProtocolAuto, ShutdownGrace: 2 * time.Second}, &out)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Serve(t.Context(), bytes.NewReader([]byte(initializeLine+"\n"))); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), `"id":1,"error"`) {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d runs returned before the held initialize was answered", missing, runs)
	}
}
