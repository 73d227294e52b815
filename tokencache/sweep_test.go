package tokencache

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func exists(t *testing.T, path string) bool {
	t.Helper()
	_, err := os.Stat(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return err == nil
}

func writeRaw(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestSweepRemovesDeadWritersTemporaries: temporary files no writer holds
// (their writer died before the rename), beside the index and among the
// secrets, are gone once the store is opened, an empty one once it is old
// (a live writer may not have locked it yet); other files stay.
func TestSweepRemovesDeadWritersTemporaries(t *testing.T) {
	dir := t.TempDir()
	openFiles(t, dir)
	secrets := filepath.Join(dir, "secrets")
	left := []string{filepath.Join(dir, ".tmp-123"), filepath.Join(secrets, ".tmp-456"), filepath.Join(secrets, ".tmp-empty-old")}
	for _, p := range left {
		content := "a whole secret"
		if strings.Contains(p, "empty") {
			content = ""
		}
		writeRaw(t, p, content)
		old := time.Now().Add(-2 * freshTemp) // as a dead writer's file, on every OS
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	fresh := filepath.Join(secrets, ".tmp-empty-fresh")
	writeRaw(t, fresh, "")
	other := filepath.Join(dir, "notes.txt")
	writeRaw(t, other, "not ours")
	openFiles(t, dir)
	for _, p := range left {
		if exists(t, p) {
			t.Errorf("Open left the abandoned temporary file %s", p)
		}
	}
	if !exists(t, fresh) {
		t.Error("Open removed a fresh empty temporary file: a writer may be about to lock it")
	}
	if !exists(t, other) {
		t.Error("Open removed a file that is not a temporary file of the store")
	}
}

// TestSweepKeepsLiveWritersTemporary: a temporary file its writer still
// holds (created and locked as writeFileAtomic does) survives Sweep, and
// the writer's rename then succeeds.
func TestSweepKeepsLiveWritersTemporary(t *testing.T) {
	dir := t.TempDir()
	s := openFiles(t, dir)
	secrets := filepath.Join(dir, "secrets")
	tmp, err := os.CreateTemp(secrets, tempPrefix+"*")
	if err != nil {
		t.Fatal(err)
	}
	if err := lockTemp(tmp); err != nil {
		t.Fatal(err)
	}
	if _, err := tmp.WriteString("live secret"); err != nil {
		t.Fatal(err)
	}
	if err := s.Sweep(context.Background()); err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	if !exists(t, tmp.Name()) {
		t.Fatal("Sweep removed the temporary file of a live writer")
	}
	target := filepath.Join(secrets, "tokens-live.secret")
	if err := commitTemp(tmp, target); err != nil {
		t.Fatalf("the live writer's rename after a Sweep: %v", err)
	}
	if b, err := os.ReadFile(target); err != nil || string(b) != "live secret" {
		t.Errorf("after the rename: %q, %v", b, err)
	}
	noTemporaries(t, secrets)
}

// TestSweepOrphans: a secret file the index does not name, or names under
// the keychain, is removed; one the index names as a file stays; one whose
// Put is under way (its write lock held) stays; a damaged index removes
// nothing.
func TestSweepOrphans(t *testing.T) {
	dir := t.TempDir()
	s := openFiles(t, dir)
	ctx := context.Background()
	secrets := filepath.Join(dir, "secrets")
	if err := s.Put(ctx, "tokens-kept", []byte("kept"), Meta{}); err != nil {
		t.Fatal(err)
	}
	if err := s.index.put(Meta{Name: "tokens-moved", Backend: "keychain"}); err != nil {
		t.Fatal(err)
	}
	path := func(n string) string { return filepath.Join(secrets, n+".secret") }
	for _, n := range []string{"tokens-orphan", "tokens-moved", "tokens-writing"} {
		writeRaw(t, path(n), "secret of "+n)
	}
	unlock, err := s.writeLock(ctx, "tokens-writing")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Sweep(ctx); err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	for n, want := range map[string]bool{"tokens-kept": true, "tokens-orphan": false, "tokens-moved": false, "tokens-writing": true} {
		if got := exists(t, path(n)); got != want {
			t.Errorf("after Sweep, %s exists: %v, want %v", n, got, want)
		}
	}
	unlock()
	if err := s.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if exists(t, path("tokens-writing")) {
		t.Error("an orphan whose write lock was released survived Sweep")
	}

	writeRaw(t, path("tokens-orphan"), "again")
	writeRaw(t, filepath.Join(dir, "credentials.json"), "{damaged")
	if err := s.Sweep(ctx); err == nil {
		t.Error("Sweep with a damaged index reported nothing")
	}
	if !exists(t, path("tokens-orphan")) || !exists(t, path("tokens-kept")) {
		t.Error("Sweep with a damaged index removed secrets")
	}
}
