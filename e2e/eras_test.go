package e2e

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

// Round trips across protocol eras (2025-11-25 ↔ 2026-07-28, see
// 2026-07-28 basic/versioning): a host of one era drives mcpbridge (in its
// default --protocol auto) in front of a Go SDK server restricted to one era.
// The host of this file speaks 2025-11-25. In front of the modern-only
// server mcpbridge translates; in front of the legacy-only server it passes
// messages through. Both must look the same to the host.

// eraServer is one server era behind mcpbridge.
type eraServer struct{ name, era string }

var eraServers = []eraServer{
	{name: "modern-only-server", era: eraModern},
	{name: "legacy-only-server", era: eraLegacy},
}

// forEachEraServer runs test in parallel subtests, once per server era.
func forEachEraServer(t *testing.T, test func(t *testing.T, f *eraFixture)) {
	for _, sc := range eraServers {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			test(t, newEraFixture(t, sc.era))
		})
	}
}

// startLegacyHost starts mcpbridge for a 2025-11-25 host and runs the
// handshake.
func startLegacyHost(t *testing.T, f *eraFixture, args ...string) (*eraHost, InitializeResult) {
	t.Helper()
	h := startEraHost(t, false, f.url, args...)
	return h, h.initialize()
}

// eraCapability returns capabilities[name] as an object, failing when absent.
func eraCapability(t *testing.T, caps map[string]any, name string) map[string]any {
	t.Helper()
	c, ok := caps[name].(map[string]any)
	if !ok {
		t.Fatalf("the server's capabilities lack %q: %v", name, caps)
	}
	return c
}

// TestEraLegacyHostHandshake: initialize is answered with the host's
// version and the server's real identity and capabilities (from
// server/discover for the modern server); notifications/initialized
// produces nothing; ping is answered {}.
func TestEraLegacyHostHandshake(t *testing.T) {
	forEachEraServer(t, func(t *testing.T, f *eraFixture) {
		h, init := startLegacyHost(t, f)
		if init.ProtocolVersion != eraLegacy {
			t.Errorf("initialize answered protocolVersion %q, want %q", init.ProtocolVersion, eraLegacy)
		}
		if init.ServerInfo.Name != eraServerName || init.ServerInfo.Version != eraServerVersion {
			t.Errorf("initialize answered serverInfo %+v, want %s %s", init.ServerInfo, eraServerName, eraServerVersion)
		}
		if eraCapability(t, init.Capabilities, "tools")["listChanged"] != true {
			t.Errorf("capabilities.tools.listChanged is not true: %v", init.Capabilities)
		}
		if res := eraCapability(t, init.Capabilities, "resources"); res["subscribe"] != true || res["listChanged"] != true {
			t.Errorf("capabilities.resources lacks subscribe or listChanged: %v", res)
		}
		eraCapability(t, init.Capabilities, "prompts")
		eraCapability(t, init.Capabilities, "logging")

		var pong map[string]any
		h.result("ping", nil, &pong)
		for k := range pong {
			if k != "_meta" && k != "resultType" {
				t.Errorf("ping answered %v, want {}", pong)
			}
		}
		requireAll(t, "tools/list", toolNamesOf(t, h.call("tools/list", nil)), "echo", "whoami")
		// Everything on stdout is an answer to one of the host's requests:
		// notifications/initialized produced nothing.
		for _, m := range h.Messages(nil) {
			if !m.IsResponse() || !slices.Contains(h.ids(), string(m.ID)) {
				t.Errorf("stdout carries a message the host did not ask for: %s", clip(m.Raw))
			}
		}
	})
}

// TestEraLegacyHostFeatures: tools, resources and prompts give the
// server's results; the server sees the host's identity and capabilities on
// every call; an unknown tool gets the server's JSON-RPC error and the
// bridge keeps serving.
func TestEraLegacyHostFeatures(t *testing.T) {
	forEachEraServer(t, func(t *testing.T, f *eraFixture) {
		h, _ := startLegacyHost(t, f)
		names := toolNamesOf(t, h.call("tools/list", nil))
		requireAll(t, "tools/list", names, "echo", "whoami", "count", "chatty", "ask_llm", "ask_user", "list_roots", "ask_both")
		msg := "héllo ✓ \"quoted\" <tag> & \\ end"
		if got := h.toolText("echo", map[string]any{"message": msg}); got != "echo: "+msg {
			t.Errorf("echo: got %q, want %q", got, "echo: "+msg)
		}
		who := h.toolText("whoami", nil)
		want := "protocol=" + f.era + " client=" + legacyHostName
		if !strings.HasPrefix(who, want) || !strings.HasSuffix(who, "sampling=true elicitation=true") {
			t.Errorf("whoami: the server saw %q; want %q…, sampling=true elicitation=true", who, want)
		}

		var resources struct {
			Resources []struct {
				URI string `json:"uri"`
			} `json:"resources"`
		}
		h.result("resources/list", nil, &resources)
		var uris []string
		for _, r := range resources.Resources {
			uris = append(uris, r.URI)
		}
		requireAll(t, "resources/list", uris, greetingURI, counterURI)
		if got := resourceTexts(t, h.call("resources/read", map[string]any{"uri": greetingURI})); got[greetingURI] != greetingText {
			t.Errorf("resources/read %s: got %q", greetingURI, got)
		}
		var prompts struct {
			Prompts []struct {
				Name string `json:"name"`
			} `json:"prompts"`
		}
		h.result("prompts/list", nil, &prompts)
		if len(prompts.Prompts) != 1 || prompts.Prompts[0].Name != "greet" {
			t.Errorf("prompts/list: got %+v, want the prompt greet", prompts)
		}
		got := promptText(t, h.call("prompts/get", map[string]any{"name": "greet", "arguments": map[string]any{"name": "Ada"}}))
		if got != "Say hello to Ada" {
			t.Errorf("prompts/get greet: got %q", got)
		}

		checkUnknownTool(t, h.call("tools/call", callParams("no_such_tool", map[string]any{}, nil)))
		if got := h.toolText("echo", map[string]any{"message": "still here"}); got != "echo: still here" {
			t.Errorf("echo after an error: got %q", got)
		}
		if f.era == eraModern {
			checkModernPosts(t, f)
		}
	})
}

// checkModernPosts wants every request the modern-only server received
// (but a probing initialize) to carry the 2026-07-28 _meta fields and
// headers (basic/index §_meta, basic/transports/streamable-http §Request
// Metadata).
func checkModernPosts(t *testing.T, f *eraFixture) {
	t.Helper()
	f.rec.mu.Lock()
	posts := slices.Clone(f.rec.posts)
	f.rec.mu.Unlock()
	for _, p := range posts {
		if p.Method == "" || p.Method == "initialize" || strings.HasPrefix(p.Method, "notifications/") {
			continue
		}
		var params struct {
			Meta map[string]json.RawMessage `json:"_meta"`
			Name string                     `json:"name"`
			URI  string                     `json:"uri"`
		}
		_ = json.Unmarshal(p.Params, &params)
		for _, k := range []string{metaProtocolVersion, metaClientCapabilities, metaClientInfo} {
			if params.Meta[k] == nil {
				t.Errorf("a %s request reached the server without _meta[%s]: %s", p.Method, k, clip(p.Params))
			}
		}
		if got := p.Header.Get("Mcp-Protocol-Version"); got != eraModern {
			t.Errorf("a %s request reached the server with Mcp-Protocol-Version %q, want %s", p.Method, got, eraModern)
		}
		if got := p.Header.Get("Mcp-Method"); got != p.Method {
			t.Errorf("a %s request reached the server with Mcp-Method %q", p.Method, got)
		}
		wantName := map[string]string{"tools/call": params.Name, "prompts/get": params.Name, "resources/read": params.URI}[p.Method]
		if got := p.Header.Get("Mcp-Name"); got != wantName {
			t.Errorf("a %s request reached the server with Mcp-Name %q, want %q", p.Method, got, wantName)
		}
	}
}

// checkUnknownTool wants the Go SDK's error for an unknown tool.
func checkUnknownTool(t *testing.T, m *Msg) {
	t.Helper()
	if m.Error == nil {
		t.Errorf("tools/call of an unknown tool: want the server's JSON-RPC error, got %s", clip(m.Raw))
		return
	}
	if m.Error.Code != -32602 || !strings.Contains(m.Error.Message, `unknown tool "no_such_tool"`) {
		t.Errorf("tools/call of an unknown tool: got error %s, want the server's code -32602: unknown tool \"no_such_tool\"", m.Error)
	}
}

// uriIs matches notifications/resources/updated for uri.
func uriIs(uri string) func(*Msg) bool {
	return func(m *Msg) bool {
		var p struct {
			URI string `json:"uri"`
		}
		return json.Unmarshal(m.Params, &p) == nil && p.URI == uri
	}
}

// TestEraLegacyHostSubscribe: resources/subscribe and unsubscribe answer
// {}; an update reaches the host as notifications/resources/updated while
// it is subscribed, and no longer after it unsubscribed.
func TestEraLegacyHostSubscribe(t *testing.T) {
	forEachEraServer(t, func(t *testing.T, f *eraFixture) {
		h, _ := startLegacyHost(t, f)
		for _, uri := range []string{counterURI, greetingURI} {
			var res map[string]any
			h.result("resources/subscribe", map[string]any{"uri": uri}, &res)
		}
		f.waitUpdatesReady(t, counterURI)
		f.waitUpdatesReady(t, greetingURI)
		f.bump(t, counterURI)
		h.waitNotification("notifications/resources/updated", uriIs(counterURI))
		if got := resourceTexts(t, h.call("resources/read", map[string]any{"uri": counterURI})); got[counterURI] != "count 1" {
			t.Errorf("resources/read after the update: got %q, want count 1", got)
		}

		unsub := h.result("resources/unsubscribe", map[string]any{"uri": counterURI}, nil)
		f.bump(t, counterURI)
		// The modern-only server sends the counter's update on listen
		// streams that have it: once none is open, none can come later.
		f.rec.waitNoStream(t, "the listen streams with "+counterURI, func(s *eraStream) bool {
			return s.listen && s.filter.has(counterURI)
		})
		// greetingURI is still subscribed: its update marks the point by
		// which the counter's would have arrived (on the legacy-only
		// server's one GET stream, before it). Repeat it until it arrives:
		// mcpbridge may be re-opening its subscription.
		markUntil(t, h, func() { f.bump(t, greetingURI) }, uriIs(greetingURI))
		late := h.Messages(func(m *Msg) bool {
			return m.Index > unsub.Index && m.Method == "notifications/resources/updated" && uriIs(counterURI)(m)
		})
		if len(late) > 0 {
			t.Errorf("the host got %d update(s) of %s after it unsubscribed: %s", len(late), counterURI, clip(late[0].Raw))
		}
	})
}

// markUntil runs poke, and again every 100 ms, until a resources/updated
// notification that match accepts arrives, for at most eraTimeout.
func markUntil(t *testing.T, h *eraHost, poke func(), match func(*Msg) bool) {
	t.Helper()
	deadline := time.NewTimer(eraTimeout)
	defer deadline.Stop()
	again := time.NewTicker(100 * time.Millisecond)
	defer again.Stop()
	poke()
	for {
		arrived := h.arrived()
		if len(h.Messages(func(m *Msg) bool { return m.Method == "notifications/resources/updated" && match(m) })) > 0 {
			return
		}
		select {
		case <-arrived:
		case <-again.C:
			poke()
		case <-deadline.C:
			t.Fatalf("no marker update reached the host within %v; stdout:\n%s", eraTimeout, h.Transcript())
		}
	}
}

// TestEraLegacyHostListChanged: a tool, a prompt and a resource added at
// runtime reach the host as list_changed notifications (mcpbridge opts in
// to each the server announces); the new tool is listed and works.
func TestEraLegacyHostListChanged(t *testing.T) {
	forEachEraServer(t, func(t *testing.T, f *eraFixture) {
		h, _ := startLegacyHost(t, f)
		for _, c := range listChanges {
			f.waitListChangedReady(t, c)
			f.change(c, "late_one")
			h.waitNotification(c.notification, nil)
		}
		requireAll(t, "tools/list after the change", toolNamesOf(t, h.call("tools/list", nil)), "late_one", "echo")
		if got := h.toolText("late_one", nil); got != "late late_one" {
			t.Errorf("late_one: got %q", got)
		}
	})
}

// TestEraLegacyHostProgress: a call with _meta.progressToken gets
// notifications/progress with that token (string or number) before its
// result.
func TestEraLegacyHostProgress(t *testing.T) {
	forEachEraServer(t, func(t *testing.T, f *eraFixture) {
		h, _ := startLegacyHost(t, f)
		checkProgress(t, h)
	})
}

// checkProgress calls count with two kinds of token and checks the
// progress notifications.
func checkProgress(t *testing.T, h *eraHost) {
	t.Helper()
	for _, token := range []any{"tok-1", 7} {
		tokenJSON, _ := json.Marshal(token)
		id := h.send("tools/call", callParams("count", map[string]any{"to": 3}, token))
		res := h.waitResponse(id)
		if got := decodeTool(t, "count", res).text(); got != "counted to 3" {
			t.Errorf("count: got %q", got)
		}
		notes := h.Messages(func(m *Msg) bool { return m.Method == "notifications/progress" && progressFor(string(tokenJSON))(m) })
		if len(notes) != 3 {
			t.Fatalf("token %s: the host got %d progress notifications, want 3; stdout:\n%s", tokenJSON, len(notes), h.Transcript())
		}
		for i, n := range notes {
			if p := decodeProgress(t, n); p.Progress != float64(i+1) || p.Total != 3 {
				t.Errorf("token %s: progress %d is %+v, want %d of 3", tokenJSON, i, p, i+1)
			}
			if n.Index > res.Index {
				t.Errorf("token %s: progress %d (line %d) came after the result (line %d)", tokenJSON, i, n.Index, res.Index)
			}
		}
	}
}
