package tokencache

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// slack is how much later than its timeout a call may return on a busy
// machine (the race detector, a loaded CI runner).
const slack = 800 * time.Millisecond

type noticeLog struct {
	mu   sync.Mutex
	msgs []string
}

func (n *noticeLog) add(m string) { n.mu.Lock(); n.msgs = append(n.msgs, m); n.mu.Unlock() }
func (n *noticeLog) all() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.msgs...)
}

// unavailable is a keychain that never works, in the ways the OS ones fail.
func unavailable(t *testing.T) map[string]keyringAPI {
	return map[string]keyringAPI{
		"hanging": newHanging(t, true),
		"error":   brokenKeyring{errors.New("org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.secrets was not provided")},
	}
}

// TestAutoFallsBackToFiles: with a keychain that hangs (a locked keychain
// waiting on a prompt) or fails, Auto mode opens on files within the
// timeout, says so once naming the folder, and the files work.
func TestAutoFallsBackToFiles(t *testing.T) {
	for what, kr := range unavailable(t) {
		t.Run(what, func(t *testing.T) {
			dir := t.TempDir()
			var n noticeLog
			const timeout = 200 * time.Millisecond
			start := time.Now()
			s, err := Open(context.Background(), Options{Dir: dir, Mode: Auto, Timeout: timeout, Notice: n.add, keyring: kr})
			elapsed := time.Since(start)
			if err != nil {
				t.Fatalf("Open(auto): %v", err)
			}
			if elapsed > timeout+slack {
				t.Errorf("Open took %v with a %v timeout", elapsed, timeout)
			}
			if s.Backend() != "file" {
				t.Errorf("Backend() = %q, want file", s.Backend())
			}
			msgs := n.all()
			if len(msgs) != 1 {
				t.Fatalf("Notice called %d times: %q", len(msgs), msgs)
			}
			folder := filepath.Join(dir, "secrets")
			if !strings.Contains(msgs[0], folder) || !strings.Contains(msgs[0], "keychain") {
				t.Errorf("notice %q should name the keychain and the folder %s", msgs[0], folder)
			}
			if what == "error" && !strings.Contains(msgs[0], "org.freedesktop.secrets") {
				t.Errorf("notice %q drops the keychain's error", msgs[0])
			}
			ctx := context.Background()
			if err := s.Put(ctx, "tokens-a", []byte("secret"), Meta{Kind: "tokens"}); err != nil {
				t.Fatal(err)
			}
			if got, err := s.Get(ctx, "tokens-a"); err != nil || string(got) != "secret" {
				t.Errorf("Get = %q, %v", got, err)
			}
			if len(n.all()) != 1 {
				t.Errorf("more notices after Put/Get: %q", n.all())
			}
		})
	}
}

// TestKeychainModeFailsClearly: in Keychain mode the same keychains make
// Open fail, within the timeout, with an error that says what to do.
func TestKeychainModeFailsClearly(t *testing.T) {
	for what, kr := range unavailable(t) {
		t.Run(what, func(t *testing.T) {
			var n noticeLog
			const timeout = 200 * time.Millisecond
			start := time.Now()
			s, err := Open(context.Background(), Options{Dir: t.TempDir(), Mode: Keychain, Timeout: timeout, Notice: n.add, keyring: kr})
			elapsed := time.Since(start)
			if err == nil {
				t.Fatalf("Open(keychain) succeeded on a %s keychain, backend %s", what, s.Backend())
			}
			if elapsed > timeout+slack {
				t.Errorf("Open took %v with a %v timeout", elapsed, timeout)
			}
			for _, want := range []string{"keychain", "--token-store file"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q should mention %q", err, want)
				}
			}
			if what == "hanging" && !strings.Contains(err.Error(), "did not answer") {
				t.Errorf("error %q should say the keychain did not answer", err)
			}
			if what == "error" && !strings.Contains(err.Error(), "org.freedesktop.secrets") {
				t.Errorf("error %q drops the keychain's error", err)
			}
			if len(n.all()) != 0 {
				t.Errorf("notice in keychain mode: %q", n.all())
			}
		})
	}
}

// TestHangingKeychainOperations: a keychain that answered the probe and
// then stops answering (locked meanwhile) bounds Put, Get and Delete by
// the timeout, with errors that mention the keychain.
func TestHangingKeychainOperations(t *testing.T) {
	h := newHanging(t, false)
	const timeout = 200 * time.Millisecond
	s, err := Open(context.Background(), Options{Dir: t.TempDir(), Mode: Keychain, Timeout: timeout, keyring: h})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Put(ctx, "tokens-old", []byte("x"), Meta{}); err != nil {
		t.Fatal(err)
	}
	h.setHang(true)
	ops := []struct {
		name string
		op   func() error
	}{
		{"Put small", func() error { return s.Put(ctx, "tokens-a", []byte("secret"), Meta{}) }},
		{"Put large", func() error { return s.Put(ctx, "tokens-b", randomBytes(8000, 1), Meta{}) }},
		{"Get", func() error { _, err := s.Get(ctx, "tokens-old"); return err }},
		{"Get absent", func() error {
			_, err := s.Get(ctx, "tokens-none")
			if errors.Is(err, ErrNotFound) {
				return errors.New("a hanging keychain reported ErrNotFound")
			}
			return err
		}},
		{"Delete", func() error { return s.Delete(ctx, "tokens-old") }},
	}
	for _, o := range ops {
		t.Run(o.name, func(t *testing.T) {
			start := time.Now()
			err := o.op()
			elapsed := time.Since(start)
			if err == nil {
				t.Fatal("succeeded on a hanging keychain")
			}
			if elapsed > timeout+slack {
				t.Errorf("returned after %v with a %v timeout", elapsed, timeout)
			}
			if !strings.Contains(err.Error(), "keychain") || !strings.Contains(err.Error(), "did not answer") {
				t.Errorf("error %q should say the keychain did not answer", err)
			}
			// The index still describes what the keychain holds: the
			// failed Puts added nothing, the failed Delete removed nothing
			// (the secret is still there, and Get would still find it).
			if l, _ := s.List(); len(l) != 1 || l[0].Name != "tokens-old" {
				t.Errorf("after a failed %s the index holds %+v, want only tokens-old", o.name, l)
			}
		})
	}
	// A caller's deadline shorter than the timeout wins.
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = s.Put(short, "tokens-c", []byte("x"), Meta{})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > timeout {
		t.Errorf("Put with a 50 ms deadline: %v after %v", err, time.Since(start))
	}
	// Unlocked again: the secret the failed Delete did not remove is there.
	h.setHang(false)
	if got, err := s.Get(ctx, "tokens-old"); err != nil || string(got) != "x" {
		t.Errorf("Get after the keychain answers again: %q, %v", got, err)
	}
}
