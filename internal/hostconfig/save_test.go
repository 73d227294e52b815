package hostconfig

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var fixedNow = func() time.Time { return time.Date(2026, 11, 20, 15, 4, 5, 0, time.Local) }

func TestSaveBacksUpAndReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mcp.json")
	if err := os.WriteFile(path, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	backup, err := Saver{Now: fixedNow}.Save(path, []byte("old"), []byte("new"))
	if err != nil {
		t.Fatal(err)
	}
	if want := path + ".20261120-150405.bak"; backup != want {
		t.Errorf("backup %q, want %q", backup, want)
	}
	assertFile(t, backup, "old", 0o640)
	assertFile(t, path, "new", 0o640)
	// A second save in the same second keeps the first backup.
	second, err := Saver{Now: fixedNow}.Save(path, []byte("new"), []byte("newer"))
	if err != nil {
		t.Fatal(err)
	}
	if second == backup || !strings.HasSuffix(second, "-1.bak") {
		t.Errorf("second backup %q", second)
	}
	assertFile(t, backup, "old", 0o640)
	assertFile(t, second, "new", 0o640)
	assertNoTemp(t, dir)
}

func TestSaveCreatesTheFileAndFolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "Claude", "claude_desktop_config.json")
	backup, err := Saver{}.Save(path, nil, []byte("{}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if backup != "" {
		t.Errorf("backup %q of a file that did not exist", backup)
	}
	assertFile(t, path, "{}\n", 0o600)
}

// TestSaveFollowsASymlink: a dotfile manager's link stays a link; the file
// it points to gets the new content.
func TestSaveFollowsASymlink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "dotfiles", "settings.json")
	_ = os.MkdirAll(filepath.Dir(real), 0o755)
	_ = os.WriteFile(real, []byte("a"), 0o644)
	link := filepath.Join(dir, "settings.json")
	if err := os.Symlink(real, link); err != nil {
		t.Skip("no symlinks here:", err)
	}
	if _, err := (Saver{}).Save(link, []byte("a"), []byte("b")); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink == 0 {
		t.Error("the link was replaced by a file")
	}
	assertFile(t, real, "b", 0o644)
}

// TestSaveFailureLeavesTheOriginal: when the final rename fails, the file
// keeps its content and no temporary file is left behind.
func TestSaveFailureLeavesTheOriginal(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mcp.json")
	_ = os.WriteFile(path, []byte("original"), 0o600)
	boom := errors.New("disk on fire")
	s := Saver{Now: fixedNow, rename: func(string, string) error { return boom }}
	if _, err := s.Save(path, []byte("original"), []byte("new")); !errors.Is(err, boom) {
		t.Fatalf("Save = %v, want the rename's error", err)
	}
	assertFile(t, path, "original", 0o600)
	assertNoTemp(t, dir)
}

// TestSaveReadOnlyFolder: a folder the user may not write to fails the save
// before anything changes.
func TestSaveReadOnlyFolder(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes into read-only folders; TestSaveFailureLeavesTheOriginal covers the failure")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "mcp.json")
	_ = os.WriteFile(path, []byte("original"), 0o600)
	_ = os.Chmod(dir, 0o500)
	t.Cleanup(func() { _ = os.Chmod(dir, 0o700) })
	if _, err := (Saver{}).Save(path, []byte("original"), []byte("new")); err == nil {
		t.Fatal("Save into a read-only folder succeeded")
	}
	assertFile(t, path, "original", 0o600)
}

// TestSaveNoticesAConcurrentChange: the host rewrote the file after it was
// read; the save refuses rather than losing the host's change.
func TestSaveNoticesAConcurrentChange(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mcp.json")
	_ = os.WriteFile(path, []byte("host's newer content"), 0o600)
	if _, err := (Saver{}).Save(path, []byte("what we read"), []byte("ours")); !errors.Is(err, ErrChanged) {
		t.Fatalf("Save = %v, want ErrChanged", err)
	}
	assertFile(t, path, "host's newer content", 0o600)
}

func assertFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != content {
		t.Errorf("%s = %q, want %q", path, b, content)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != mode && os.PathSeparator == '/' {
		t.Errorf("%s mode %v, want %v", path, fi.Mode().Perm(), mode)
	}
}

func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}
