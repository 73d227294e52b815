package bridge

// Upgrade tests (upgrade.go, listen.go): a legacy client, a 2026-07-28
// fake. What 2026-07-28 removed is answered here and never reaches the
// server; what it moved into _meta goes there; interest in notifications
// becomes a subscriptions/listen stream.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
	"github.com/mcpbridge/mcpbridge/internal/httpclient"
)

func TestEraUpgradeLocalAnswers(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		srv, _, h := upgraded(t, `{"tools":{},"logging":{}}`, nil)
		h.send(`{"jsonrpc":"2.0","id":2,"method":"ping"}`,
			`{"jsonrpc":"2.0","id":3,"method":"logging/setLevel","params":{"level":"debug"}}`,
			`{"jsonrpc":"2.0","id":4,"method":"logging/setLevel","params":{"level":7}}`,
			`{"jsonrpc":"2.0","method":"notifications/roots/list_changed"}`)
		got := h.answerAll("2", "3", "4")
		if string(got["2"].Result) != "{}" || string(got["3"].Result) != "{}" {
			t.Errorf("ping and logging/setLevel: want {} from the bridge, got %s and %s", got["2"].Raw, got["3"].Raw)
		}
		if e := got["4"].Error; e == nil || e.Code != jsonrpc.CodeInvalidParams {
			t.Errorf("logging/setLevel with a number: want -32602, got %s", got["4"].Raw)
		}
		h.send(toolsCall(5, "after"))
		h.result("5")
		if got := string(serverMeta(t, srv.rpcRequest("5"))[jsonrpc.MetaLogLevel]); got != `"debug"` {
			t.Errorf("_meta logLevel after logging/setLevel = %s, want \"debug\"", got)
		}
		for _, r := range srv.requests() {
			switch r.Msg.Method {
			case "ping", "logging/setLevel", "initialize", "notifications/initialized", "notifications/roots/list_changed":
				t.Errorf("%s reached the 2026-07-28 server", r.kind())
			}
		}
	})
}

// TestEraUpgradeSubscribe: resources/subscribe opens a listen stream with
// the resource in its filter and is answered once the server acknowledged
// the stream, not before; a second subscription replaces the stream.
func TestEraUpgradeSubscribe(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		caps := `{"resources":{"subscribe":true}}` // nothing to listen for before the subscribe
		srv, l, h := upgraded(t, caps, nil)
		l.autoAck.Store(false)
		h.send(`{"jsonrpc":"2.0","id":3,"method":"resources/subscribe","params":{"uri":"file:///a.txt"}}`)
		s1 := l.wait(t, 0)
		var p struct {
			Notifications json.RawMessage `json:"notifications"`
		}
		if err := json.Unmarshal(s1.req.Msg.Params, &p); err != nil || string(p.Notifications) != `{"resourceSubscriptions":["file:///a.txt"]}` {
			t.Errorf("listen filter = %s, want the subscribed resource only", s1.req.Msg.Params)
		}
		if got := string(serverMeta(t, s1.req)[jsonrpc.MetaClientInfo]); got != `{"name":"legacy-host","version":"3.1.4"}` {
			t.Errorf("the listen request's clientInfo = %s", got)
		}
		if got := s1.req.Header.Get("Mcp-Method"); got != "subscriptions/listen" {
			t.Errorf("listen Mcp-Method = %q", got)
		}
		h.noAnswer("3", 200*time.Millisecond) // not before the acknowledgment
		s1.ack()
		if got := string(h.result("3")); got != "{}" {
			t.Errorf("resources/subscribe answered %s, want {}", got)
		}
		s1.send(`data: {"jsonrpc":"2.0","method":"notifications/resources/updated","params":{"uri":"file:///a.txt"}}`)
		h.waitMsg("notifications/resources/updated", func(m rpcMsg) bool { return m.Method == "notifications/resources/updated" })

		l.autoAck.Store(true)
		h.send(`{"jsonrpc":"2.0","id":4,"method":"resources/subscribe","params":{"uri":"file:///b.txt"}}`)
		h.result("4")
		s2 := l.wait(t, 1)
		if err := json.Unmarshal(s2.req.Msg.Params, &p); err != nil || string(p.Notifications) != `{"resourceSubscriptions":["file:///a.txt","file:///b.txt"]}` {
			t.Errorf("second listen filter = %s, want both resources", s2.req.Msg.Params)
		}
		waitFor(t, "the first stream to be closed", s1.closedByBridge)
		for _, m := range h.messages() {
			if m.Method == "notifications/subscriptions/acknowledged" {
				t.Errorf("an acknowledgment reached the client: %s", m.Raw)
			}
		}
		if n := len(postsOf(srv, "resources/subscribe")); n != 0 {
			t.Errorf("resources/subscribe reached the 2026-07-28 server")
		}
	})
}

func TestEraUpgradeSubscribeBadURI(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		_, l, h := upgraded(t, `{"resources":{"subscribe":true}}`, nil)
		h.send(`{"jsonrpc":"2.0","id":3,"method":"resources/subscribe","params":{"uri":42}}`)
		if e := h.failure("3"); e.Code != jsonrpc.CodeInvalidParams {
			t.Errorf("subscribe with a number for uri: code %d, want -32602", e.Code)
		}
		if l.count() != 0 {
			t.Errorf("a listen stream was opened for an invalid subscribe")
		}
	})
}

func TestEraUpgradeSubscribeNoCapability(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		srv, l, h := upgraded(t, `{"resources":{}}`, nil)
		h.send(`{"jsonrpc":"2.0","id":3,"method":"resources/subscribe","params":{"uri":"file:///a.txt"}}`)
		if e := h.failure("3", "subscriptions"); e.Code != jsonrpc.CodeMethodNotFound {
			t.Errorf("code %d, want -32601", e.Code)
		}
		if l.count() != 0 || len(postsOf(srv, "subscriptions/listen")) != 0 {
			t.Errorf("a listen stream was opened for a server without resources.subscribe")
		}
	})
}

// TestEraUpgradeListenErrorAnswer: the server answers the listen request
// with an error: the subscribe gets an error at once.
func TestEraUpgradeListenErrorAnswer(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		srv := newFaultServer(t, modernServer{caps: `{"resources":{"subscribe":true}}`, next: func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			if req.Msg.Method == "subscriptions/listen" {
				writeJSON(w, http.StatusOK, `{"jsonrpc":"2.0","id":`+string(req.Msg.ID)+`,"error":{"code":-32602,"message":"resourceSubscriptions: no such resource"}}`)
				return
			}
			writeJSON(w, http.StatusOK, echoResult(req))
		}}.serve)
		h := startHost(t, srv.URL, withProtocol(ProtocolAuto))
		h.send(legacyInitLine)
		h.result("1")
		h.send(initializedLine, `{"jsonrpc":"2.0","id":3,"method":"resources/subscribe","params":{"uri":"file:///gone"}}`)
		h.failure("3", "did not take the subscription")
		stillServes(t, h, 4)
	})
}

// TestEraUpgradeSubscribeNeverAcknowledged waits Config.AckTimeout
// (shortened to 500 ms): the subscribe gets an error then, and only then.
func TestEraUpgradeSubscribeNeverAcknowledged(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		const ackTimeout = 500 * time.Millisecond
		_, l, h := upgraded(t, `{"resources":{"subscribe":true}}`, nil, func(c *Config, _ *httpclient.Options) { c.AckTimeout = ackTimeout })
		l.autoAck.Store(false)
		start := time.Now()
		h.send(`{"jsonrpc":"2.0","id":3,"method":"resources/subscribe","params":{"uri":"file:///a.txt"}}`)
		s := l.wait(t, 0)
		waitLong(t, "the subscribe's answer", ackTimeout+faultWait, func() bool { return len(h.answersFor("3")) > 0 })
		took := time.Since(start)
		h.failure("3", "did not take the subscription", "no acknowledgment")
		if took < ackTimeout-100*time.Millisecond || took > ackTimeout+2*time.Second {
			t.Errorf("answered after %v, want about ackTimeout (%v)", took, ackTimeout)
		}
		waitFor(t, "the unacknowledged stream to be closed", s.closedByBridge)
		stillServes(t, h, 4)
	})
}

// TestEraUpgradeListenReopened: the server ends the list-changed stream;
// the bridge opens another with the same filter, and its notifications
// reach the client while the acknowledgments do not.
func TestEraUpgradeListenReopened(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		_, l, h := upgraded(t, `{"tools":{"listChanged":true}}`, nil)
		s1 := l.wait(t, 0)
		if !strings.Contains(string(s1.req.Msg.Params), `"notifications":{"toolsListChanged":true}`) {
			t.Errorf("listen filter %s, want toolsListChanged", s1.req.Msg.Params)
		}
		synctest.Wait() // the bridge has read the acknowledgment
		s1.close()
		s2 := l.wait(t, 1) // reopened after a second
		if string(s2.req.Msg.ID) == string(s1.req.Msg.ID) {
			t.Errorf("the reopened stream reused the ended one's id %s", s2.req.Msg.ID)
		}
		if !strings.Contains(string(s2.req.Msg.Params), `"notifications":{"toolsListChanged":true}`) {
			t.Errorf("reopened filter %s, want toolsListChanged", s2.req.Msg.Params)
		}
		s2.send(`data: {"jsonrpc":"2.0","method":"notifications/tools/list_changed"}`)
		h.waitMsg("notifications/tools/list_changed", func(m rpcMsg) bool { return m.Method == "notifications/tools/list_changed" })
		for _, m := range h.messages() {
			if m.Method == "notifications/subscriptions/acknowledged" || hasPrefixID(m.ID, "mcpbridge-") {
				t.Errorf("the bridge's own traffic reached the client: %s", m.Raw)
			}
		}
		stillServes(t, h, 4)
	})
}

// TestEraUpgradeShutdownWithListenOpen: an open listen stream is
// long-lived by design; it must not hold the exit for the whole grace.
func TestEraUpgradeShutdownWithListenOpen(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		const grace = 2 * time.Second
		_, l, h := upgraded(t, `{"tools":{"listChanged":true}}`, nil, withShutdownGrace(grace))
		l.wait(t, 0)
		stillServes(t, h, 4)
		h.closeStdin()
		took, _ := h.waitRun()
		if took > grace/2 {
			t.Errorf("Run returned %v after stdin closed with nothing due but the listen stream; want well under the %v grace", took, grace)
		}
	})
}

// TestEraUpgradeSubscribePendingAtShutdown: stdin ends while a subscribe
// waits for its acknowledgment: it still gets exactly one answer before
// Run returns (the harness checks it at cleanup). The race is narrow, so
// the scenario runs several times.
func TestEraUpgradeSubscribePendingAtShutdown(t *testing.T) {
	t.Parallel()
	for i := range 50 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			inBubble(t, func(t *testing.T) {
				_, l, h := upgraded(t, `{"resources":{"subscribe":true}}`, nil)
				l.autoAck.Store(false)
				h.send(`{"jsonrpc":"2.0","id":3,"method":"resources/subscribe","params":{"uri":"file:///a.txt"}}`)
				l.wait(t, 0)
				h.closeStdin()
				h.waitRun()
			})
		})
	}
}
