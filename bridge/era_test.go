package bridge

// Era probe tests (discover.go, era.go): how the bridge reads the server's
// answer to server/discover, and what the client sees either way. Every
// request gets exactly one answer (the harness checks it at cleanup); a
// server that cannot be asked leaves the era unknown, and the next request
// probes again.

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpbridge/mcpbridge/bridge/era"
	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
	"github.com/mcpbridge/mcpbridge/internal/httpclient"
)

// wantUpgrade checks that the bridge translates for a legacy client: its
// initialize is answered here from server/discover, and a later request
// carries the client's identity in _meta and the 2026-07-28 headers.
func wantUpgrade(t *testing.T, srv *faultServer, h *faultHost) {
	t.Helper()
	h.send(legacyInitLine)
	var res struct {
		ProtocolVersion string `json:"protocolVersion"`
		ServerInfo      struct{ Name string }
		Instructions    string
	}
	if err := json.Unmarshal(h.result("1"), &res); err != nil {
		t.Fatal(err)
	}
	if res.ProtocolVersion != "2025-11-25" || res.ServerInfo.Name != "modern-fake" || res.Instructions != "Use the tools." {
		t.Errorf("initialize result = %+v, want 2025-11-25 and the server/discover identity", res)
	}
	h.send(initializedLine, toolsCall(2, "get_weather"))
	wantEcho(t, h.result("2"), "tools/call")
	if n := len(postsOf(srv, "initialize")); n != 0 {
		t.Errorf("the client's initialize reached a 2026-07-28 server (%d POSTs)", n)
	}
	r := srv.rpcRequest("2")
	meta := serverMeta(t, r)
	for k, want := range map[string]string{
		jsonrpc.MetaProtocolVersion:    `"2026-07-28"`,
		jsonrpc.MetaClientCapabilities: `{"sampling":{},"elicitation":{}}`,
		jsonrpc.MetaClientInfo:         `{"name":"legacy-host","version":"3.1.4"}`,
	} {
		if got := string(meta[k]); got != want {
			t.Errorf("_meta %s = %s, want %s", k, got, want)
		}
	}
	for k, want := range map[string]string{"Mcp-Protocol-Version": era.ModernVersion, "Mcp-Method": "tools/call", "Mcp-Name": "get_weather"} {
		if got := r.Header.Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
	if v, ok := r.Header["Mcp-Session-Id"]; ok {
		t.Errorf("a 2026-07-28 request carries Mcp-Session-Id %q", v)
	}
}

// wantPassThrough checks that the bridge passes a legacy client's messages
// as they are: its own initialize reaches the server byte for byte, and the
// session it opens carries the requests that follow.
func wantPassThrough(t *testing.T, srv *faultServer, h *faultHost) {
	t.Helper()
	h.send(initializeLine)
	if got := string(h.result("1")); !strings.Contains(got, `"fault-server"`) {
		t.Errorf("initialize result %s is not the server's", got)
	}
	inits := postsOf(srv, "initialize")
	if len(inits) != 1 || string(inits[0].Body) != initializeLine {
		t.Fatalf("want the client's initialize at the server as it was written, got %d: %s", len(inits), srv.describe())
	}
	h.send(initializedLine, toolsCall(2, "x"))
	wantEcho(t, h.result("2"), "tools/call")
	r := srv.rpcRequest("2")
	if got := r.Header.Get("Mcp-Session-Id"); got != "sess-legacy" {
		t.Errorf("tools/call carries Mcp-Session-Id %q, want sess-legacy", got)
	}
	if string(r.Body) != toolsCall(2, "x") {
		t.Errorf("tools/call was rewritten: %s", r.Body)
	}
}

// legacyInit is legacyInitLine under another id.
func legacyInit(id string) string {
	return strings.Replace(legacyInitLine, `"id":1`, `"id":`+id, 1)
}

func TestEraProbeUpgrades(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		srv, _, h := startModern(t, `{"tools":{}}`, nil)
		wantUpgrade(t, srv, h)
		probes := postsOf(srv, "server/discover")
		if len(probes) != 1 {
			t.Fatalf("want one probe, got %d", len(probes))
		}
		p := probes[0]
		if !hasPrefixID(p.Msg.ID, "mcpbridge-discover-") {
			t.Errorf("probe id %s is not one of the bridge's", p.Msg.ID)
		}
		if got := string(serverMeta(t, p)[jsonrpc.MetaClientInfo]); got != `{"name":"legacy-host","version":"3.1.4"}` {
			t.Errorf("the probe's clientInfo is %s, want the client's", got)
		}
		if got := p.Header.Get("Mcp-Method"); got != "server/discover" {
			t.Errorf("the probe's Mcp-Method is %q", got)
		}
	})
}

func TestEraProbeVerdictsPassThrough(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		fault serverFunc
	}{
		{"-32022 naming only legacy versions", func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			writeJSON(w, http.StatusBadRequest, `{"jsonrpc":"2.0","id":`+string(req.Msg.ID)+
				`,"error":{"code":-32022,"message":"Unsupported protocol version","data":{"supported":["2025-11-25","2025-06-18"],"requested":"2026-07-28"}}}`)
		}},
		{"400 with an HTML body", func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, "<html><body>Bad Request</body></html>")
		}},
		{"400 with an empty body", func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			w.WriteHeader(http.StatusBadRequest)
		}},
		{"404", func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			http.Error(w, "404 page not found", http.StatusNotFound)
		}},
		{"405", func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			w.WriteHeader(http.StatusMethodNotAllowed)
		}},
		{"JSON-RPC -32601", func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			writeJSON(w, http.StatusOK, `{"jsonrpc":"2.0","id":`+string(req.Msg.ID)+`,"error":{"code":-32601,"message":"Method not found"}}`)
		}},
		{"200 with an HTML page", func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, "<!DOCTYPE html><html><body>Welcome</body></html>")
		}},
		{"a result under the wrong id", func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			// id 1 is the client's initialize, held while the probe runs:
			// the stray answer must not reach it.
			writeJSON(w, http.StatusOK, `{"jsonrpc":"2.0","id":1,"result":{"resultType":"complete","supportedVersions":["2026-07-28"],"capabilities":{}}}`)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			inBubble(t, func(t *testing.T) {
				srv := newFaultServer(t, probeFault(tc.fault))
				h := startHost(t, srv.URL, withProtocol(ProtocolAuto))
				wantPassThrough(t, srv, h)
				if n := len(postsOf(srv, "server/discover")); n != 1 {
					t.Errorf("want one probe, got %d", n)
				}
				for _, m := range h.messages() {
					if strings.Contains(string(m.Raw), "supportedVersions") || strings.Contains(string(m.Raw), "mcpbridge-discover") {
						t.Errorf("the probe's answer leaked to stdout: %s", m.Raw)
					}
				}
			})
		})
	}
}

// TestEraProbeSilence: a server that never answers server/discover is a
// legacy one once Config.ProbeSilence has passed.
func TestEraProbeSilence(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		var srv *faultServer
		srv = newFaultServer(t, probeFault(func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			srv.blockUntilGone(r)
		}))
		h := startHost(t, srv.URL, withProtocol(ProtocolAuto), func(c *Config, _ *httpclient.Options) { c.ProbeSilence = 300 * time.Millisecond })
		start := time.Now()
		wantPassThrough(t, srv, h)
		if d := time.Since(start); d < 300*time.Millisecond {
			t.Errorf("the client's initialize was answered after %v, before the probe's silence ran out", d)
		}
	})
}

func TestEraProbeUnauthorizedProbesAgain(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		var refuse atomic.Bool
		refuse.Store(true)
		srv := newFaultServer(t, func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			if refuse.Load() {
				w.Header().Set("WWW-Authenticate", `Bearer resource_metadata="http://127.0.0.1/.well-known/oauth-protected-resource"`)
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
			modernServer{}.serve(w, r, req)
		})
		h := startHost(t, srv.URL, withProtocol(ProtocolAuto))
		h.send(legacyInit("0"), toolsCall(7, "held-too"))
		h.failure("0", "HTTP 401", "credentials")
		h.failure("7", "HTTP 401")
		// Both lines usually wait on the one probe; on a loaded machine the
		// second may be read after it failed and probe again itself. Either way
		// the next message after the refusal probes once more.
		refused := len(postsOf(srv, "server/discover"))

		refuse.Store(false)
		wantUpgrade(t, srv, h)
		if n := len(postsOf(srv, "server/discover")); n != refused+1 {
			t.Errorf("want one more probe after the %d refused, got %d: %s", refused, n, srv.describe())
		}
	})
}

func TestEraProbeConnectionRefusedProbesAgain(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		addr := unusedAddr(t)
		h := startHost(t, "http://"+addr+"/mcp", withProtocol(ProtocolAuto))
		h.send(legacyInit("0"))
		h.failure("0", "connection refused", addr)

		srv := newFaultServerAt(t, addr, modernServer{}.serve)
		wantUpgrade(t, srv, h)
	})
}

func TestEraProtocolModernAgainstLegacy(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		fault serverFunc
		want  []string
	}{
		{"-32022 naming legacy versions", func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			writeJSON(w, http.StatusBadRequest, `{"jsonrpc":"2.0","id":`+string(req.Msg.ID)+
				`,"error":{"code":-32022,"message":"Unsupported protocol version","data":{"supported":["2025-11-25","2025-06-18"]}}}`)
		}, []string{"2025-11-25, 2025-06-18", "--protocol auto"}},
		{"404", func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			http.Error(w, "not found", http.StatusNotFound)
		}, []string{"does not answer server/discover", "--protocol auto"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			inBubble(t, func(t *testing.T) {
				srv := newFaultServer(t, probeFault(tc.fault))
				h := startHost(t, srv.URL, withProtocol(ProtocolModern))
				h.send(initializeLine)
				h.failure("1", tc.want...)
				if n := len(postsOf(srv, "initialize")); n != 0 {
					t.Errorf("--protocol modern sent the initialize to a legacy server")
				}
			})
		})
	}
}

func TestEraProtocolLegacyNeverProbes(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		srv := newFaultServer(t, probeFault(func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			writeJSON(w, http.StatusOK, discoverResult(req.Msg.ID, "{}"))
		}))
		h := startHost(t, srv.URL, withProtocol(ProtocolLegacy))
		wantPassThrough(t, srv, h)
		if n := len(postsOf(srv, "server/discover")); n != 0 {
			t.Errorf("--protocol legacy probed the server %d times", n)
		}
	})
}

// ---------------------------------------------------------------------------
// Messages held while the probe runs

// slowProbe delays the answer to server/discover, then gives it.
func slowProbe(d time.Duration, then serverFunc) serverFunc {
	return func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
		if req.IsRPC && req.Msg.Method == "server/discover" {
			select {
			case <-time.After(d):
			case <-r.Context().Done():
				return
			}
		}
		then(w, r, req)
	}
}

const pipelinedRequests = `{"jsonrpc":"2.0","id":2,"method":"tools/list"}` + "\n" +
	`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"a","arguments":{}}}` + "\n" +
	`{"jsonrpc":"2.0","id":"four","method":"prompts/list"}` + "\n"

func TestEraHeldPipelinedPassThrough(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		srv := newFaultServer(t, slowProbe(300*time.Millisecond, probeFault(func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			writeJSON(w, http.StatusOK, `{"jsonrpc":"2.0","id":`+string(req.Msg.ID)+`,"error":{"code":-32601,"message":"Method not found"}}`)
		})))
		h := startHost(t, srv.URL, withProtocol(ProtocolAuto))
		h.write([]byte(initializeLine + "\n" + initializedLine + "\n" + pipelinedRequests))
		got := h.answerAll("1", "2", "3", `"four"`)
		wantEcho(t, got["2"].Result, "tools/list")
		wantEcho(t, got["3"].Result, "tools/call")
		wantEcho(t, got[`"four"`].Result, "prompts/list")
		idx := map[string]int{}
		for _, r := range srv.requests() {
			if r.Method != http.MethodPost || !r.IsRPC {
				continue
			}
			idx[r.Msg.Method] = r.N
			if r.Msg.Method != "initialize" && r.Msg.Method != "server/discover" && r.Header.Get("Mcp-Session-Id") != "sess-legacy" {
				t.Errorf("%s left outside the session", r.kind())
			}
		}
		for _, m := range []string{"tools/list", "tools/call", "prompts/list"} {
			if idx["notifications/initialized"] > idx[m] || idx["initialize"] > idx[m] {
				t.Errorf("%s reached the server before initialize and notifications/initialized: %s", m, srv.describe())
			}
		}
	})
}

func TestEraHeldPipelinedUpgrade(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		srv := newFaultServer(t, slowProbe(300*time.Millisecond, modernServer{caps: `{"tools":{}}`}.serve))
		h := startHost(t, srv.URL, withProtocol(ProtocolAuto))
		h.write([]byte(legacyInitLine + "\n" + initializedLine + "\n" + pipelinedRequests))
		got := h.answerAll("1", "2", "3", `"four"`)
		wantEcho(t, got["2"].Result, "tools/list")
		wantEcho(t, got["3"].Result, "tools/call")
		wantEcho(t, got[`"four"`].Result, "prompts/list")
		if !strings.Contains(string(got["1"].Result), "modern-fake") {
			t.Errorf("initialize was not answered from server/discover: %s", got["1"].Raw)
		}
		for _, r := range srv.requests() {
			if r.IsRPC && (r.Msg.Method == "initialize" || r.Msg.Method == "notifications/initialized") {
				t.Errorf("%s reached the 2026-07-28 server", r.kind())
			}
		}
	})
}

func TestEraStdinEOFWhileProbing(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		const grace = 300 * time.Millisecond
		var srv *faultServer
		srv = newFaultServer(t, probeFault(func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			srv.blockUntilGone(r)
		}))
		h := startHost(t, srv.URL, withProtocol(ProtocolAuto), withShutdownGrace(grace))
		h.write([]byte(initializeLine + "\n" + initializedLine + "\n" + pipelinedRequests))
		h.closeStdin()
		took, err := h.waitRun()
		if err != nil {
			t.Errorf("Run: %v", err)
		}
		if took > grace+time.Second {
			t.Errorf("Run returned %v after stdin closed; the grace is %v", took, grace)
		}
		// Run has returned: every answer has been written (the harness may
		// still be reading the last ones).
		for id, a := range h.answerAll("1", "2", "3", `"four"`) {
			if a.Error == nil || !strings.Contains(a.Error.Message, "shutting down") {
				t.Errorf("request %s: want a shutting-down error, got %s", id, a.Raw)
			}
		}
	})
}

// TestEraStdinEOFProbeAnswersInGrace: the probe answers within the grace:
// the held requests go on and get the server's answers.
func TestEraStdinEOFProbeAnswersInGrace(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		srv := newFaultServer(t, slowProbe(200*time.Millisecond, modernServer{caps: `{"tools":{}}`}.serve))
		h := startHost(t, srv.URL, withProtocol(ProtocolAuto), withShutdownGrace(2*time.Second))
		h.write([]byte(legacyInitLine + "\n" + initializedLine + "\n" + pipelinedRequests))
		h.closeStdin()
		if _, err := h.waitRun(); err != nil {
			t.Errorf("Run: %v", err)
		}
		for id, a := range h.answerAll("1", "2", "3", `"four"`) {
			if a.Result == nil {
				t.Errorf("request %s: want the server's result, got %s", id, a.Raw)
			}
		}
	})
}
