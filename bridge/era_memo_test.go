package bridge

// The era memo (bridge/era/memo.go): a server earlier runs found legacy
// gets the client's initialize at once, with no probe; a refusal sends the
// bridge back to probing, and the memo learns each probe's verdict.

import (
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/mcpbridge/mcpbridge/internal/httpclient"
)

// fakeMemo is an era.Memo in memory that records what it was told.
type fakeMemo struct {
	mu     sync.Mutex
	legacy bool
	told   []bool
}

func (m *fakeMemo) Legacy() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.legacy
}

func (m *fakeMemo) Remember(legacy bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.legacy = legacy
	m.told = append(m.told, legacy)
	return nil
}

func (m *fakeMemo) verdicts() []bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.told)
}

func withEraMemo(m *fakeMemo) hostOpt {
	return func(c *Config, _ *httpclient.Options) { c.EraMemo = m }
}

// A server remembered as legacy is not probed: the client's initialize
// reaches it as written, and the session it opens carries what follows.
// The server here would answer server/discover as a 2026-07-28 one (it
// speaks both eras), so only the memo explains the pass-through.
func TestEraMemoSkipsTheProbe(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		srv := newFaultServer(t, probeFault(func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			writeJSON(w, http.StatusOK, discoverResult(req.Msg.ID, "{}"))
		}))
		memo := &fakeMemo{legacy: true}
		h := startHost(t, srv.URL, withProtocol(ProtocolAuto), withEraMemo(memo))
		wantPassThrough(t, srv, h)
		if n := len(postsOf(srv, "server/discover")); n != 0 {
			t.Errorf("a server remembered as legacy was probed %d times", n)
		}
		if got := memo.verdicts(); len(got) != 0 {
			t.Errorf("the memo was told %v; the verdict it gave stands", got)
		}
	})
}

// Messages the client pipelines behind its initialize wait for its answer
// and then go, in the session it opened.
func TestEraMemoHoldsPipelinedMessages(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		srv := newFaultServer(t, probeFault(func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			w.WriteHeader(http.StatusNotFound)
		}))
		h := startHost(t, srv.URL, withProtocol(ProtocolAuto), withEraMemo(&fakeMemo{legacy: true}))
		h.send(initializeLine, initializedLine, toolsCall(2, "x"))
		h.result("1")
		wantEcho(t, h.result("2"), "tools/call")
		if got := srv.rpcRequest("2").Header.Get("Mcp-Session-Id"); got != "sess-legacy" {
			t.Errorf("tools/call carries Mcp-Session-Id %q, want sess-legacy", got)
		}
		if n := len(postsOf(srv, "notifications/initialized")); n != 1 {
			t.Errorf("notifications/initialized reached the server %d times, want once", n)
		}
	})
}

// Without a memo entry the bridge probes, and a legacy verdict is
// remembered; a modern one is not kept.
func TestEraMemoLearnsTheProbesVerdict(t *testing.T) {
	t.Parallel()
	t.Run("legacy", func(t *testing.T) {
		t.Parallel()
		inBubble(t, func(t *testing.T) {
			srv := newFaultServer(t, probeFault(func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
				w.WriteHeader(http.StatusNotFound)
			}))
			memo := &fakeMemo{}
			h := startHost(t, srv.URL, withProtocol(ProtocolAuto), withEraMemo(memo))
			wantPassThrough(t, srv, h)
			if got := memo.verdicts(); !slices.Equal(got, []bool{true}) {
				t.Errorf("the memo was told %v, want [true]", got)
			}
		})
	})
	t.Run("modern", func(t *testing.T) {
		t.Parallel()
		inBubble(t, func(t *testing.T) {
			memo := &fakeMemo{}
			srv, _, h := startModern(t, `{"tools":{}}`, nil, withEraMemo(memo))
			wantUpgrade(t, srv, h)
			if got := memo.verdicts(); !slices.Equal(got, []bool{false}) {
				t.Errorf("the memo was told %v, want [false]", got)
			}
		})
	})
}

// A server remembered as legacy that now speaks only 2026-07-28 refuses
// the client's initialize (400 and HeaderMismatch, its answer to a request
// without the 2026-07-28 headers): the bridge forgets the verdict, probes,
// and translates. The client sees one answer to its initialize, built from
// server/discover, and never the refusal.
func TestEraMemoRefusedInitializeProbesAgain(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		memo := &fakeMemo{legacy: true}
		refuseLegacy := func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			if req.Msg.Method == "initialize" {
				writeJSON(w, http.StatusBadRequest, `{"jsonrpc":"2.0","id":`+string(req.Msg.ID)+
					`,"error":{"code":-32020,"message":"Header mismatch: Mcp-Method is missing"}}`)
				return
			}
			writeJSON(w, http.StatusOK, echoResult(req))
		}
		srv, _, h := startModern(t, `{"tools":{}}`, refuseLegacy, withEraMemo(memo))
		h.send(legacyInitLine)
		var res struct {
			ProtocolVersion string `json:"protocolVersion"`
			ServerInfo      struct{ Name string }
		}
		if err := json.Unmarshal(h.result("1"), &res); err != nil {
			t.Fatal(err)
		}
		if res.ProtocolVersion != "2025-11-25" || res.ServerInfo.Name != "modern-fake" {
			t.Errorf("initialize result = %+v, want 2025-11-25 and the server/discover identity", res)
		}
		h.send(initializedLine, toolsCall(2, "get_weather"))
		wantEcho(t, h.result("2"), "tools/call")
		if n := len(postsOf(srv, "initialize")); n != 1 {
			t.Errorf("the server saw %d initialize requests, want the one refused", n)
		}
		if n := len(postsOf(srv, "server/discover")); n != 1 {
			t.Errorf("the server was probed %d times after refusing initialize, want once", n)
		}
		if got := memo.verdicts(); !slices.Equal(got, []bool{false, false}) {
			t.Errorf("the memo was told %v, want [false false] (forgotten at the refusal, modern at the probe)", got)
		}
	})
}

// A server that cannot be reached leaves the memo as it was: the client's
// initialize gets an error, and the verdict is kept for the next start.
func TestEraMemoUnreachableKeepsTheVerdict(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		memo := &fakeMemo{legacy: true}
		addr := unusedAddr(t)
		h := startHost(t, "http://"+addr+"/mcp", withProtocol(ProtocolAuto), withEraMemo(memo))
		h.send(initializeLine)
		h.failure("1", "connection refused", addr)
		if got := memo.verdicts(); len(got) != 0 || !memo.Legacy() {
			t.Errorf("an unreachable server changed the memo: told %v, legacy %v", got, memo.Legacy())
		}
	})
}

// A remembered server that speaks only HTTP+SSE: the client's initialize,
// sent at once, is refused by POST (405), and the transport falls back to
// the legacy stream as it would without the memo; the session serves.
func TestEraMemoLegacySSEServer(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		ls := newLegacyServer(t)
		memo := &fakeMemo{legacy: true}
		h := startHost(t, ls.s.URL, withTransport(HTTPFirst), withProtocol(ProtocolAuto), withEraMemo(memo))
		h.send(initializeLine)
		h.result("1")
		h.send(initializedLine, `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`)
		wantEcho(t, h.result("2"), "tools/list")
		if r := ls.s.rpcRequest("2"); r.Path != "/messages" {
			t.Errorf("tools/list went to %s, not the endpoint the stream named", r.Path)
		}
		if n := len(postsOf(ls.s, "server/discover")); n != 0 {
			t.Errorf("a server remembered as legacy was probed %d times", n)
		}
		if got := memo.verdicts(); len(got) != 0 {
			t.Errorf("the memo was told %v", got)
		}
		stillServes(t, h, 3)
	})
}
