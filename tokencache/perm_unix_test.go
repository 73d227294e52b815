//go:build unix

package tokencache

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestFilePermissions: every file the store writes is 0600, every folder
// 0700, also folders that existed with 0755 and files that were 0644.
func TestFilePermissions(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	for _, existing := range []bool{false, true} {
		dir := filepath.Join(t.TempDir(), "config", "mcpbridge")
		if existing {
			for _, d := range []string{dir, filepath.Join(dir, "secrets"), filepath.Join(dir, "locks")} {
				if err := os.MkdirAll(d, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(filepath.Join(dir, "credentials.json"), []byte(`{"version":1,"entries":{}}`), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "secrets", "tokens-a.secret"), []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		s := openFiles(t, dir)
		wantMode(t, dir, 0o700) // Open tightens the config folder at once
		ctx := context.Background()
		if err := s.Put(ctx, "tokens-a", []byte("secret"), Meta{}); err != nil {
			t.Fatal(err)
		}
		unlock, err := s.Lock(ctx, "tokens-a")
		if err != nil {
			t.Fatal(err)
		}
		unlock()
		wantMode(t, dir, 0o700)
		wantMode(t, filepath.Join(dir, "secrets"), 0o700)
		wantMode(t, filepath.Join(dir, "locks"), 0o700)
		wantMode(t, filepath.Join(dir, "secrets", "tokens-a.secret"), 0o600)
		wantMode(t, filepath.Join(dir, "credentials.json"), 0o600)
		wantMode(t, filepath.Join(dir, "credentials.json.lock"), 0o600)
		wantMode(t, filepath.Join(dir, "locks", "tokens-a.lock"), 0o600)
		if got, err := s.Get(ctx, "tokens-a"); err != nil || string(got) != "secret" {
			t.Errorf("Get = %q, %v", got, err)
		}
	}
}
