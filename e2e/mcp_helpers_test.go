package e2e

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// toolResult is what the tests read of a tools/call result.
type toolResult struct {
	Content []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"content"`
	IsError bool `json:"isError"`
}

// text joins the result's text blocks.
func (r toolResult) text() string {
	var parts []string
	for _, c := range r.Content {
		if c.Type == "text" {
			parts = append(parts, c.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// callParams builds tools/call params; token, when not nil, goes into
// _meta.progressToken.
func callParams(name string, args any, token any) map[string]any {
	p := map[string]any{"name": name}
	if args != nil {
		p["arguments"] = args
	}
	if token != nil {
		p["_meta"] = map[string]any{"progressToken": token}
	}
	return p
}

// decodeTool reads a tools/call answer; it fails the test on a JSON-RPC
// error.
func decodeTool(t testing.TB, name string, m *Msg) toolResult {
	t.Helper()
	if m.Error != nil {
		t.Fatalf("tools/call %s: JSON-RPC error %s (line %s)", name, m.Error, clip(m.Raw))
	}
	var r toolResult
	if err := json.Unmarshal(m.Result, &r); err != nil {
		t.Fatalf("tools/call %s: cannot decode %s: %v", name, clip(m.Result), err)
	}
	return r
}

// ToolText calls a tool and returns its text; it fails the test on an
// error answer or an isError result.
func (h *Host) ToolText(name string, args any) string {
	h.t.Helper()
	r := decodeTool(h.t, name, h.Call("tools/call", callParams(name, args, nil)))
	if r.IsError {
		h.t.Fatalf("tools/call %s: the tool failed: %s", name, r.text())
	}
	return r.text()
}

// ToolNames lists the tools (following pagination).
func (h *Host) ToolNames() []string {
	h.t.Helper()
	var names []string
	var cursor string
	for page := 0; page < 100; page++ {
		var params map[string]any
		if cursor != "" {
			params = map[string]any{"cursor": cursor}
		}
		var res struct {
			Tools []struct {
				Name string `json:"name"`
			} `json:"tools"`
			NextCursor string `json:"nextCursor"`
		}
		h.Result("tools/list", params, &res)
		for _, tl := range res.Tools {
			names = append(names, tl.Name)
		}
		if res.NextCursor == "" {
			return names
		}
		cursor = res.NextCursor
	}
	h.t.Fatalf("tools/list: more than 100 pages")
	return nil
}

// toolNamesOf reads the tool names of a tools/list answer.
func toolNamesOf(t testing.TB, m *Msg) []string {
	t.Helper()
	if m.Error != nil {
		t.Fatalf("tools/list: JSON-RPC error %s", m.Error)
	}
	var res struct {
		Tools []struct {
			Name string `json:"name"`
		} `json:"tools"`
	}
	if err := json.Unmarshal(m.Result, &res); err != nil {
		t.Fatalf("tools/list: cannot decode %s: %v", clip(m.Result), err)
	}
	var names []string
	for _, tl := range res.Tools {
		names = append(names, tl.Name)
	}
	return names
}

// requireAll fails unless every wanted name is in have.
func requireAll(t testing.TB, what string, have []string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !slices.Contains(have, w) {
			t.Fatalf("%s: %q is missing from %q", what, w, have)
		}
	}
}

// progressNote is the params of notifications/progress.
type progressNote struct {
	ProgressToken json.RawMessage `json:"progressToken"`
	Progress      float64         `json:"progress"`
	Total         float64         `json:"total"`
	Message       string          `json:"message"`
}

func decodeProgress(t testing.TB, m *Msg) progressNote {
	t.Helper()
	var p progressNote
	if err := json.Unmarshal(m.Params, &p); err != nil {
		t.Fatalf("notifications/progress: cannot decode %s: %v", clip(m.Params), err)
	}
	return p
}

// progressFor matches progress notifications for the token with these
// exact bytes.
func progressFor(token string) func(*Msg) bool {
	return func(m *Msg) bool {
		var p progressNote
		return json.Unmarshal(m.Params, &p) == nil && string(p.ProgressToken) == token
	}
}

// firstText returns the first text content of a prompts/get or
// sampling-like messages array.
func promptText(t testing.TB, m *Msg) string {
	t.Helper()
	if m.Error != nil {
		t.Fatalf("prompts/get: JSON-RPC error %s", m.Error)
	}
	var res struct {
		Messages []struct {
			Role    string `json:"role"`
			Content struct {
				Type string `json:"type"`
				Text string `json:"text"`
			} `json:"content"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(m.Result, &res); err != nil {
		t.Fatalf("prompts/get: cannot decode %s: %v", clip(m.Result), err)
	}
	if len(res.Messages) == 0 {
		t.Fatalf("prompts/get: no messages in %s", clip(m.Result))
	}
	return res.Messages[0].Content.Text
}

// resourceTexts reads a resources/read answer: uri → text.
func resourceTexts(t testing.TB, m *Msg) map[string]string {
	t.Helper()
	if m.Error != nil {
		t.Fatalf("resources/read: JSON-RPC error %s", m.Error)
	}
	var res struct {
		Contents []struct {
			URI  string `json:"uri"`
			Text string `json:"text"`
			Blob string `json:"blob"`
		} `json:"contents"`
	}
	if err := json.Unmarshal(m.Result, &res); err != nil {
		t.Fatalf("resources/read: cannot decode %s: %v", clip(m.Result), err)
	}
	if len(res.Contents) == 0 {
		t.Fatalf("resources/read: no contents in %s", clip(m.Result))
	}
	out := map[string]string{}
	for _, c := range res.Contents {
		out[c.URI] = c.Text + c.Blob
	}
	return out
}

// samplingAnswer is what the host's "LLM" answers to sampling/createMessage.
func samplingAnswer(text string) map[string]any {
	return map[string]any{
		"role":       "assistant",
		"content":    map[string]any{"type": "text", "text": text},
		"model":      "e2e-model",
		"stopReason": "endTurn",
	}
}
