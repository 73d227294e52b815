package tokencache

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestLazyOpensOnFirstUse: Stored answers from the index without creating
// the folder or touching the keychain, so a process with nothing stored
// wakes none; the first read opens the store; a failed open is retried.
func TestLazyOpensOnFirstUse(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "config")
	strict := &strictKeyring{t: t, inner: newFake(windowsLimit)}
	l, err := OpenLazily(Options{Dir: dir, keyring: strict})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := l.Stored("tokens-a"); ok || err != nil {
		t.Errorf("Stored with nothing stored = %v, %v", ok, err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Stored created the config folder (%v)", err)
	}
	st := openFiles(t, dir)
	if err := st.Put(ctx, "tokens-a", []byte("secret"), Meta{Kind: "tokens"}); err != nil {
		t.Fatal(err)
	}
	if ok, err := st.Stored("tokens-a"); !ok || err != nil {
		t.Errorf("Store.Stored after Put = %v, %v", ok, err)
	}
	if ok, err := l.Stored("tokens-a"); !ok || err != nil {
		t.Errorf("Stored after another store's Put = %v, %v", ok, err)
	}
	strict.allow(true) // opening probes the keychain (auto mode)
	if got, err := l.Get(ctx, "tokens-a"); err != nil || string(got) != "secret" {
		t.Errorf("Get = %q, %v", got, err)
	}

	flaky := &flakyKeyring{err: errors.New("no session bus"), inner: newFake(windowsLimit)}
	k, err := OpenLazily(Options{Dir: t.TempDir(), Mode: Keychain, keyring: flaky})
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Put(ctx, "tokens-b", []byte("x"), Meta{}); err == nil || !strings.Contains(err.Error(), "open the token store") {
		t.Errorf("Put with no keychain: %v", err)
	}
	flaky.set(nil)
	if err := k.Put(ctx, "tokens-b", []byte("x"), Meta{}); err != nil {
		t.Errorf("Put once the keychain answers: %v", err)
	}
	if _, err := OpenLazily(Options{}); err == nil {
		t.Error("OpenLazily without a folder succeeded")
	}
}

// flakyKeyring fails every call with err while it is set.
type flakyKeyring struct {
	mu    sync.Mutex
	err   error
	inner *fakeKeyring
}

func (f *flakyKeyring) set(err error) { f.mu.Lock(); f.err = err; f.mu.Unlock() }

func (f *flakyKeyring) failing() error { f.mu.Lock(); defer f.mu.Unlock(); return f.err }

func (f *flakyKeyring) Get(s, u string) (string, error) {
	if err := f.failing(); err != nil {
		return "", err
	}
	return f.inner.Get(s, u)
}

func (f *flakyKeyring) Set(s, u, p string) error {
	if err := f.failing(); err != nil {
		return err
	}
	return f.inner.Set(s, u, p)
}

func (f *flakyKeyring) Delete(s, u string) error {
	if err := f.failing(); err != nil {
		return err
	}
	return f.inner.Delete(s, u)
}
