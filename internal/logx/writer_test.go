package logx

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestIndent(t *testing.T) {
	var b strings.Builder
	w := Indent(&b, "    ")
	if n, err := w.Write([]byte("one\ntwo\n")); n != 8 || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if got := b.String(); got != "    one\n    two\n" {
		t.Errorf("got %q", got)
	}
}

func TestDebugFile(t *testing.T) {
	a, b := DebugFile("/cfg", "https://a.example/mcp"), DebugFile("/cfg", "https://b.example/mcp")
	if a == b || filepath.Dir(a) != filepath.Join("/cfg", "logs") || !strings.HasSuffix(a, "-debug.log") {
		t.Errorf("DebugFile: %s, %s", a, b)
	}
}
