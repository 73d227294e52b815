package oauthflow

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestTokenSources: each kind of source reads the token it names, now,
// trimmed; what is not one token is refused, and so are sources that
// name nothing; a failing command's output is not shown.
func TestTokenSources(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "jwt")
	if err := os.WriteFile(path, []byte("  a.b.c\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("MCPBRIDGE_TEST_SOURCE", "e.n.v")
	t.Setenv("MCPBRIDGE_TEST_EMPTY", "")
	good := map[string]string{"file:" + path: "a.b.c", "env:MCPBRIDGE_TEST_SOURCE": "e.n.v"}
	if runtime.GOOS != "windows" {
		good["command:printf 'c.m.d\\n'"] = "c.m.d"
	}
	for src, want := range good {
		if err := checkSource("--x", src); err != nil {
			t.Errorf("%s: %v", src, err)
		}
		if got, err := readSource(ctx, src); got != want || err != nil {
			t.Errorf("%s: %q %v, want %q", src, got, err, want)
		}
	}
	bad := []string{"env:MCPBRIDGE_TEST_EMPTY", "file:" + path + ".missing"}
	if runtime.GOOS != "windows" {
		bad = append(bad, "command:echo two words", "command:echo secret-output; exit 3")
	}
	for _, src := range bad {
		_, err := readSource(ctx, src)
		if err == nil || strings.Contains(err.Error(), "secret-output") || strings.Contains(err.Error(), "two words") {
			t.Errorf("%s: %v, want a refusal that shows nothing read", src, err)
		}
	}
	if err := os.WriteFile(path, []byte(strings.Repeat("x", sourceLimit+1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readSource(ctx, "file:"+path); err == nil {
		t.Error("an oversized token was read")
	}
	for _, src := range []string{"", "file:", "path/only", "http://x", "env: "} {
		if checkSource("--x", src) == nil {
			t.Errorf("%q taken as a source", src)
		}
	}
}
