package netrule

import (
	"strings"
	"testing"
)

func TestHideQueries(t *testing.T) {
	if got := HideQueries("https://x.example/mcp", "--flag", "plain").Replace("https://x.example/mcp plain"); got != "https://x.example/mcp plain" {
		t.Errorf("no URL with a query: changed %q", got)
	}
	h := HideQueries("https://x.example/mcp?key=sk-1&b=2")
	got := h.Replace(`Get "https://x.example/mcp?key=sk-1&b=2": refused; query ?key=sk-1&b=2`)
	if strings.Contains(got, "sk-1") || !strings.Contains(got, "key=REDACTED") {
		t.Errorf("query not hidden: %s", got)
	}
}

func TestSameServer(t *testing.T) {
	if !SameServer("https://x.example/mcp?key=REDACTED", "https://x.example/mcp?key=sk-1") {
		t.Error("a redacted index entry should match the URL given")
	}
	if !SameServer("https://x.example/mcp/", "https://x.example/mcp") {
		t.Error("a trailing slash should not matter")
	}
	if SameServer("https://x.example/mcp", "https://y.example/mcp") {
		t.Error("different hosts match")
	}
	if got := RedactString("://bad"); got != "(not a URL)" {
		t.Errorf("RedactString = %q", got)
	}
}
