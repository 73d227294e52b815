package tokencache

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// crashMarker starts every secret the crash writers store.
const crashMarker = "CRASH-MARKER-7f3a9c"

// helperCrashWriter stores and deletes marked secrets until it is killed.
func helperCrashWriter(ctx context.Context, s *Store) error {
	pad := bytes.Repeat([]byte("x"), 256<<10) // long enough to be killed mid-write
	fmt.Println("HELPER writing")
	for i := 0; ctx.Err() == nil; i++ {
		name := fmt.Sprintf("tokens-crash-%d", i%4)
		secret := append([]byte(fmt.Sprintf("%s %d %d ", crashMarker, os.Getpid(), i)), pad...)
		if err := s.Put(ctx, name, secret, Meta{Kind: "tokens"}); err != nil {
			return err
		}
		if i%5 == 4 {
			if err := s.Delete(ctx, name); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}

// strayMarked lists the files under dir holding the marker, other than
// the secret files the index names as file-backed.
func strayMarked(t *testing.T, dir string) []string {
	t.Helper()
	idx, err := (&index{path: filepath.Join(dir, "credentials.json")}).read()
	if err != nil {
		t.Fatal(err)
	}
	var stray []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil || !bytes.Contains(b, []byte(crashMarker)) {
			return err
		}
		name, ok := strings.CutSuffix(d.Name(), ".secret")
		if ok && filepath.Dir(p) == filepath.Join(dir, "secrets") && idx.Entries[name].Backend == "file" {
			return nil
		}
		stray = append(stray, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return stray
}

// TestNoSecretOutlivesACrash: processes writing marked secrets in file
// mode are SIGKILLed at random moments, while this process sweeps; every
// writer's Puts succeed until it dies (a sweep never robs a live writer),
// and after the next Open no file under the config folder but the secrets
// the index names holds the marker.
func TestNoSecretOutlivesACrash(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGKILL on Windows")
	}
	dir := t.TempDir()
	s := openFiles(t, dir)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	const kills = 20
	interrupted := 0
	for range kills {
		w := startHelper(t, "crashwriter", "DIR="+dir)
		w.expect(t, "writing", 15*time.Second)
		for end := time.Now().Add(time.Duration(rng.IntN(30)) * time.Millisecond); time.Now().Before(end); {
			if err := s.Sweep(ctx); err != nil {
				t.Fatalf("Sweep beside a live writer: %v", err)
			}
		}
		if err := w.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = w.wait(t, 10*time.Second)
		if strings.Contains(w.log(), "HELPER error") {
			t.Fatalf("a writer failed before it was killed:\n%s", w.log())
		}
		if len(strayMarked(t, dir)) > 0 {
			interrupted++
		}
	}
	t.Logf("%d of %d kills left a marked file behind", interrupted, kills)
	if interrupted == 0 {
		t.Fatal("no kill interrupted a write: the test proves nothing; make the secrets larger")
	}
	openFiles(t, dir)
	if stray := strayMarked(t, dir); len(stray) > 0 {
		t.Errorf("after Open, files other than the indexed secrets hold a secret: %q", stray)
	}
}
