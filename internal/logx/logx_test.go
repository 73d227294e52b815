package logx

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStderrLinesAndDebugFile(t *testing.T) {
	var stderr bytes.Buffer
	file := filepath.Join(t.TempDir(), "logs", "x-debug.log")
	log, closeLog, err := New(Options{Stderr: &stderr, DebugFile: file})
	if err != nil {
		t.Fatal(err)
	}
	log.Debug("only in the file", "k", 1)
	log.Info("bridging", "transport", "http-first")
	log.Warn("request failed", "method", "tools/call")
	if err := closeLog(); err != nil {
		t.Fatal(err)
	}
	want := "mcpbridge: bridging (transport=http-first)\nmcpbridge: warn: request failed (method=tools/call)\n"
	if got := stderr.String(); got != want {
		t.Errorf("stderr = %q, want %q", got, want)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"only in the file", "bridging", "request failed"} {
		if !strings.Contains(string(data), s) {
			t.Errorf("debug log lacks %q", s)
		}
	}
	for path, want := range map[string]os.FileMode{file: 0o600, filepath.Dir(file): 0o700} {
		if st, err := os.Stat(path); err != nil || st.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v (%v)", path, st.Mode().Perm(), want, err)
		}
	}
}

func TestSilentWritesNothing(t *testing.T) {
	log, closeLog, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer closeLog()
	if log.Handler().Enabled(t.Context(), 12) {
		t.Error("a logger with no outputs is enabled")
	}
}
