package e2e

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// Round trips of a 2026-07-28 host (no initialize; _meta on every request;
// input_required results retried with inputResponses) through mcpbridge in
// its default --protocol auto. In front of the legacy-only server mcpbridge
// runs the initialize handshake on the host's behalf and translates; in
// front of the modern-only server it passes messages through unchanged.

// discoverResult is what the tests read of server/discover
// (2026-07-28 server/discover §DiscoverResult).
type discoverResult struct {
	ResultType        string                     `json:"resultType"`
	SupportedVersions []string                   `json:"supportedVersions"`
	Capabilities      map[string]any             `json:"capabilities"`
	Meta              map[string]json.RawMessage `json:"_meta"`
}

// resultTypeOf reads the resultType of an answer ("" when absent).
func resultTypeOf(t *testing.T, m *Msg) string {
	t.Helper()
	if m.Error != nil {
		t.Fatalf("want a result, got the error %s", m.Error)
	}
	var r mrtrResult
	if err := json.Unmarshal(m.Result, &r); err != nil {
		t.Fatalf("cannot decode %s: %v", clip(m.Result), err)
	}
	return r.ResultType
}

// checkComplete wants resultType "complete" from the modern-only server
// (forwarded unchanged), and "complete" or nothing through translation
// (clients treat a missing resultType as complete).
func checkComplete(t *testing.T, f *eraFixture, what string, m *Msg) {
	t.Helper()
	rt := resultTypeOf(t, m)
	if rt == "complete" || (rt == "" && f.era == eraLegacy) {
		return
	}
	t.Errorf("%s: resultType %q, want \"complete\"", what, rt)
}

// TestEraModernHostDiscover: server/discover is answered with
// 2026-07-28 among the supported versions, the server's capabilities and
// its serverInfo in _meta.
func TestEraModernHostDiscover(t *testing.T) {
	forEachEraServer(t, func(t *testing.T, f *eraFixture) {
		h := startEraHost(t, true, f.url)
		var d discoverResult
		m := h.result("server/discover", nil, &d)
		checkComplete(t, f, "server/discover", m)
		if !slices.Contains(d.SupportedVersions, eraModern) {
			t.Errorf("server/discover: supportedVersions %q lack %s", d.SupportedVersions, eraModern)
		}
		for _, c := range []string{"tools", "resources", "prompts"} {
			eraCapability(t, d.Capabilities, c)
		}
		var info struct{ Name, Version string }
		if err := json.Unmarshal(d.Meta[metaServerInfo], &info); err != nil || info.Name != eraServerName || info.Version != eraServerVersion {
			t.Errorf("server/discover: _meta[%s] is %s, want %s %s", metaServerInfo, d.Meta[metaServerInfo], eraServerName, eraServerVersion)
		}
	})
}

// TestEraModernHostFeatures: tools, resources and prompts work without the
// host ever sending initialize; the server sees the host's identity and
// capabilities from its _meta; an unknown tool gets the server's error.
func TestEraModernHostFeatures(t *testing.T) {
	forEachEraServer(t, func(t *testing.T, f *eraFixture) {
		h := startEraHost(t, true, f.url)
		list := h.call("tools/list", nil)
		checkComplete(t, f, "tools/list", list)
		requireAll(t, "tools/list", toolNamesOf(t, list), "echo", "whoami", "ask_llm")
		call := h.call("tools/call", callParams("echo", map[string]any{"message": "modern"}, nil))
		checkComplete(t, f, "tools/call", call)
		if got := decodeTool(t, "echo", call).text(); got != "echo: modern" {
			t.Errorf("echo: got %q", got)
		}
		who := h.toolText("whoami", nil)
		want := "protocol=" + f.era + " client=" + modernHostName
		if !strings.HasPrefix(who, want) || !strings.HasSuffix(who, "sampling=true elicitation=true") {
			t.Errorf("whoami: the server saw %q; want %q…, sampling=true elicitation=true", who, want)
		}
		read := h.call("resources/read", map[string]any{"uri": greetingURI})
		checkComplete(t, f, "resources/read", read)
		if got := resourceTexts(t, read); got[greetingURI] != greetingText {
			t.Errorf("resources/read: got %q", got)
		}
		prompt := h.call("prompts/get", map[string]any{"name": "greet", "arguments": map[string]any{"name": "Ada"}})
		checkComplete(t, f, "prompts/get", prompt)
		if got := promptText(t, prompt); got != "Say hello to Ada" {
			t.Errorf("prompts/get: got %q", got)
		}
		checkUnknownTool(t, h.call("tools/call", callParams("no_such_tool", map[string]any{}, nil)))
		if f.era == eraModern {
			checkModernPosts(t, f)
		}
	})
}

// TestEraModernHostInputRequests: a tool that needs sampling, elicitation,
// roots (or two at once) answers input_required with those input requests;
// the host's retry with inputResponses and requestState gets the final
// result. The host never gets a JSON-RPC request on stdout.
func TestEraModernHostInputRequests(t *testing.T) {
	forEachEraServer(t, func(t *testing.T, f *eraFixture) {
		h := startEraHost(t, true, f.url)
		for _, c := range inputCases {
			final, rounds := h.callMRTR("tools/call", callParams(c.tool, c.args, nil))
			r := decodeTool(t, c.tool, final)
			if r.IsError || r.text() != c.want {
				t.Errorf("%s: got isError=%v %q, want %q", c.tool, r.IsError, r.text(), c.want)
			}
			checkComplete(t, f, c.tool+" final", final)
			if len(rounds) != 2 {
				t.Errorf("%s: %d rounds, want 2 (input_required, then the result)", c.tool, len(rounds))
				continue
			}
			var first mrtrResult
			_ = json.Unmarshal(rounds[0].Result, &first)
			var methods []string
			for _, ir := range first.InputRequests {
				methods = append(methods, ir.Method)
			}
			slices.Sort(methods)
			if !slices.Equal(methods, c.methods) {
				t.Errorf("%s: the input requests have the methods %q, want %q", c.tool, methods, c.methods)
			}
			if first.RequestState == nil && f.era == eraModern {
				t.Errorf("%s: the server's requestState was dropped: %s", c.tool, clip(rounds[0].Raw))
			}
		}
		if reqs := h.Messages(func(m *Msg) bool { return m.IsRequest() }); len(reqs) > 0 {
			t.Errorf("a 2026-07-28 host got a JSON-RPC request: %s", clip(reqs[0].Raw))
		}
	})
}

// TestEraModernHostProgress: a call with _meta.progressToken gets
// notifications/progress before its result.
func TestEraModernHostProgress(t *testing.T) {
	forEachEraServer(t, func(t *testing.T, f *eraFixture) {
		checkProgress(t, startEraHost(t, true, f.url))
	})
}

// TestEraModernHostLogging (modern-only server, pass-through): no log
// messages for a request without _meta logLevel; with logLevel warning,
// only warning and above.
func TestEraModernHostLogging(t *testing.T) {
	t.Parallel()
	f := newEraFixture(t, eraModern)
	h := startEraHost(t, true, f.url)
	if got := chatty(t, h, nil); len(got) != 0 {
		t.Errorf("without logLevel the host got log messages at %q, want none", got)
	}
	if got := chatty(t, h, map[string]any{metaLogLevel: "warning"}); !slices.Equal(got, []string{"warning", "error"}) {
		t.Errorf("with logLevel warning the host got log messages at %q, want warning, error", got)
	}
}

// subscriptionOf reads _meta.subscriptionId of a notification.
func subscriptionOf(m *Msg) string {
	var p struct {
		Meta map[string]json.RawMessage `json:"_meta"`
	}
	_ = json.Unmarshal(m.Params, &p)
	return string(p.Meta[metaSubscriptionID])
}

// TestEraModernHostListen: a subscriptions/listen request over stdio is
// acknowledged, then carries the opted-in list-changed and resource-updated
// notifications tagged with its id (basic/patterns/subscriptions);
// notifications/cancelled ends it: no more notifications, and the
// modern-only server's listen stream closes. In front of the legacy-only
// server mcpbridge builds it from resources/subscribe and the session's
// notifications.
func TestEraModernHostListen(t *testing.T) {
	forEachEraServer(t, func(t *testing.T, f *eraFixture) {
		h := startEraHost(t, true, f.url)
		id := h.send("subscriptions/listen", map[string]any{"notifications": map[string]any{
			"toolsListChanged": true, "resourceSubscriptions": []string{counterURI},
		}})
		ofListen := func(m *Msg) bool { return subscriptionOf(m) == id }
		ack := h.waitNotification("notifications/subscriptions/acknowledged", ofListen)
		var acked struct {
			Notifications listenFilter `json:"notifications"`
		}
		if err := json.Unmarshal(ack.Params, &acked); err != nil || !acked.Notifications.ToolsListChanged || !acked.Notifications.has(counterURI) {
			t.Errorf("the acknowledgment does not grant what was asked: %s", clip(ack.Raw))
		}
		f.waitListChangedReady(t, listChanges[0])
		f.addLateTool("late_tool")
		h.waitNotification("notifications/tools/list_changed", ofListen)
		f.waitUpdatesReady(t, counterURI)
		f.bump(t, counterURI)
		updated := func(m *Msg) bool { return ofListen(m) && uriIs(counterURI)(m) }
		h.waitNotification("notifications/resources/updated", updated)

		h.Notify("notifications/cancelled", map[string]any{"requestId": json.RawMessage(id), "reason": "done listening"})
		if f.era == eraModern {
			f.rec.waitNoStream(t, "the subscriptions/listen stream", func(s *eraStream) bool { return s.listen })
		}
		if got := h.toolText("echo", map[string]any{"message": "after listen"}); got != "echo: after listen" {
			t.Errorf("echo after the listen ended: got %q", got)
		}
		cancelled := h.lastIndex()
		f.bump(t, counterURI)
		// Where a stray update would come from: the modern-only server
		// sends it on open listen streams only; the legacy-only server on
		// the session's GET stream, which the ping follows. The echo
		// answer after that marks the point on stdout.
		if f.era == eraModern {
			if f.rec.anyStream(func(s *eraStream) bool { return s.listen }) {
				t.Errorf("a listen stream is open after the listen was cancelled: %s", f.rec.summary())
			}
		} else {
			f.pingSessions(t)
		}
		if got := h.toolText("echo", map[string]any{"message": "mark"}); got != "echo: mark" {
			t.Errorf("echo after the update: got %q", got)
		}
		if late := h.Messages(func(m *Msg) bool { return m.Index > cancelled && updated(m) }); len(late) > 0 {
			t.Errorf("an update arrived after the listen was cancelled: %s", clip(late[0].Raw))
		}
	})
}
