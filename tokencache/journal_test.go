package tokencache

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// failing makes f refuse Sets of users matching set and every Delete, as a
// keychain that goes away mid-write, so no cleanup can run.
func failing(f *fakeKeyring, set func(user string) bool) {
	gone := errors.New("simulated: the keychain went away")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failSet = func(u string) error {
		if set(u) {
			return gone
		}
		return nil
	}
	f.failDelete = func(string) error { return gone }
}

func healed(f *fakeKeyring) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failSet, f.failDelete = nil, nil
}

// itemsOf counts the keychain items belonging to name (header and chunks).
func itemsOf(f *fakeKeyring, name string) int {
	n := 0
	for _, u := range f.users(service) {
		if u == name || strings.HasPrefix(u, name+":") {
			n++
		}
	}
	return n
}

// TestKeychainFailedPutRemovesItsChunks: a split secret's write refused at
// its third chunk takes back the chunks it wrote: only the old secret's
// items remain, and no journal.
func TestKeychainFailedPutRemovesItsChunks(t *testing.T) {
	f := newFake(windowsLimit)
	s := openWith(t, f, Keychain)
	ctx := context.Background()
	old := jwtLike(6*1024, 21)
	if err := s.Put(ctx, "tokens-f", old, Meta{}); err != nil {
		t.Fatal(err)
	}
	before := itemsOf(f, "tokens-f")
	f.mu.Lock()
	f.failSet = func(u string) error {
		if strings.HasSuffix(u, ":3") {
			return errors.New("simulated keychain failure")
		}
		return nil
	}
	f.mu.Unlock()
	if err := s.Put(ctx, "tokens-f", jwtLike(6*1024, 22), Meta{}); err == nil {
		t.Fatal("Put succeeded although the keychain refused a chunk")
	}
	if got := itemsOf(f, "tokens-f"); got != before {
		t.Errorf("after a failed Put %d items, want the old secret's %d", got, before)
	}
	noJournals(t, s)
	checkLayout(t, f, "tokens-f", old)
}

func noJournals(t *testing.T, s *Store) {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(s.Dir(), "secrets", journalPrefix+"*"))
	if len(m) != 0 {
		t.Errorf("journals left: %q", m)
	}
}

// TestSweepFinishesInterruptedKeychainWrites: a write interrupted with no
// cleanup possible (the keychain gone, as if the process died) leaves a
// journal; the next Open removes the unnamed chunks, whether the write
// stopped among the new chunks or after the header, before the old chunks
// went, and the stored secret stays readable.
func TestSweepFinishesInterruptedKeychainWrites(t *testing.T) {
	for _, c := range []struct {
		name    string
		refuse  func(user string) bool
		winning int // which secret Get returns afterwards: 0 old, 1 new
	}{
		{"among the new chunks", func(u string) bool { return strings.HasSuffix(u, ":3") }, 0},
		{"before the old chunks went", func(string) bool { return false }, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(windowsLimit)
			s := openWith(t, f, Keychain)
			ctx := context.Background()
			secrets := [][]byte{jwtLike(6*1024, 31), jwtLike(5*1024, 32)}
			if err := s.Put(ctx, "tokens-j", secrets[0], Meta{}); err != nil {
				t.Fatal(err)
			}
			failing(f, c.refuse)
			if err := s.Put(ctx, "tokens-j", secrets[1], Meta{}); err == nil {
				t.Fatal("Put succeeded although the keychain failed")
			}
			healed(f)
			again, err := Open(ctx, Options{Dir: s.Dir(), Mode: Keychain, keyring: f})
			if err != nil {
				t.Fatal(err)
			}
			checkLayout(t, f, "tokens-j", secrets[c.winning])
			if got, err := again.Get(ctx, "tokens-j"); err != nil || !bytes.Equal(got, secrets[c.winning]) {
				t.Errorf("Get after the sweep: %d bytes, %v", len(got), err)
			}
			noJournals(t, again)
		})
	}
}

// TestSweepLeavesALiveKeychainWrite: a journal whose name's write lock is
// held (a Put under way in another process) is left alone.
func TestSweepLeavesALiveKeychainWrite(t *testing.T) {
	f := newFake(windowsLimit)
	s := openWith(t, f, Keychain)
	ctx := context.Background()
	unlock, err := s.writeLock(ctx, "tokens-l")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.keychain.begin("tokens-l", "v1-chunked:2:0123456789abcdef"); err != nil {
		t.Fatal(err)
	}
	f.setRaw("tokens-l:0123456789abcdef:1", "part one, being written")
	if err := s.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.item("tokens-l:0123456789abcdef:1"); !ok {
		t.Fatal("Sweep removed a chunk a live writer is writing")
	}
	unlock()
	if err := s.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.item("tokens-l:0123456789abcdef:1"); ok {
		t.Error("the chunk of an abandoned write survived Sweep")
	}
	noJournals(t, s)
}

// TestSweepRemovesUnindexedKeychainSecrets: a process that died after
// writing a secret to the keychain and before its index entry (here: the
// backend's put called alone, as Put would have before the crash) leaves
// items no index names; the next Open removes them, small and split, and
// keeps the secrets the index names.
func TestSweepRemovesUnindexedKeychainSecrets(t *testing.T) {
	f := newFake(windowsLimit)
	s := openWith(t, f, Keychain)
	ctx := context.Background()
	kept := jwtLike(4*1024, 41)
	if err := s.Put(ctx, "tokens-kept", kept, Meta{}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"tokens-small", "tokens-split"} {
		secret := []byte("small secret")
		if n == "tokens-split" {
			secret = jwtLike(5*1024, 42)
		}
		if err := s.keychain.put(ctx, n, secret); err != nil {
			t.Fatal(err)
		}
		if itemsOf(f, n) == 0 {
			t.Fatalf("the simulated crash stored nothing for %s", n)
		}
	}
	if _, err := Open(ctx, Options{Dir: s.Dir(), Mode: Keychain, keyring: f}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"tokens-small", "tokens-split"} {
		if got := itemsOf(f, n); got != 0 {
			t.Errorf("%d keychain items of the unindexed %s survived Open", got, n)
		}
	}
	checkLayout(t, f, "tokens-kept", kept)
	noJournals(t, s)
}
