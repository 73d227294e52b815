package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestLogoutSweepsCrashLeftovers: a temporary file that a crashed write
// left behind, holding a whole secret, is gone after `logout URL` even
// when nothing is stored for that server, and after `logout --all`.
func TestLogoutSweepsCrashLeftovers(t *testing.T) {
	for _, args := range [][]string{
		{"logout", "https://mcp.example.com/mcp", "--token-store", "file"},
		{"logout", "--all", "--token-store", "file"},
	} {
		dir := t.TempDir()
		secrets := filepath.Join(dir, "secrets")
		if err := os.MkdirAll(secrets, 0o700); err != nil {
			t.Fatal(err)
		}
		leftover := filepath.Join(secrets, ".tmp-123456")
		if err := os.WriteFile(leftover, []byte(`{"token":{"access_token":"LEFTOVER-SECRET"}}`), 0o600); err != nil {
			t.Fatal(err)
		}
		if code, out, errOut := runIn(t, dir, "", args...); code != 0 {
			t.Fatalf("%v: exit %d: %s %s", args, code, out, errOut)
		}
		if _, err := os.Stat(leftover); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%v: the crashed write's temporary file survived (%v)", args, err)
		}
	}
}
