package tokencache

import (
	"errors"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/zalando/go-keyring"
)

// limitFunc reports whether a real keychain would refuse this item.
type limitFunc func(service, user, password string) bool

// windowsLimit is go-keyring's check in keyring_windows.go: Credential
// Manager refuses blobs over 2,560 bytes.
func windowsLimit(_, _, password string) bool { return len(password) > 2560 }

// macLimit approximates go-keyring's check in keyring_darwin.go: the
// `security -i` command line may not exceed 4,096 bytes, and the password
// goes into it encoded ("go-keyring-encoded:" + hex, ×2; v0.2.8 uses
// base64, ×4/3, so this is the stricter of the two), with quoting and the
// rest of the command around it.
func macLimit(service, user, password string) bool {
	return len(service)+len(user)+2*len(password)+60 > 4096
}

// fakeKeyring is an in-memory keychain that refuses what the real one
// would refuse. It is safe for concurrent use: keychain.call runs every
// operation on a goroutine of its own.
type fakeKeyring struct {
	limit limitFunc

	mu    sync.Mutex
	items map[string]string // service + "\x00" + user → password
	// failSet, when set, may refuse a Set (to simulate a write failing
	// part-way); it is called with the lock held.
	failSet func(user string) error
	// failDelete, when set, may refuse a Delete (a keychain gone away
	// mid-write); it is called with the lock held.
	failDelete func(user string) error
	// sets counts Set calls, tooBig those refused for their size.
	sets   int
	tooBig int
}

func newFake(limit limitFunc) *fakeKeyring {
	return &fakeKeyring{limit: limit, items: map[string]string{}}
}

func key(service, user string) string { return service + "\x00" + user }

func (f *fakeKeyring) Get(service, user string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.items[key(service, user)]
	if !ok {
		return "", keyring.ErrNotFound
	}
	return v, nil
}

func (f *fakeKeyring) Set(service, user, password string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sets++
	if f.limit != nil && f.limit(service, user, password) {
		f.tooBig++
		return keyring.ErrSetDataTooBig
	}
	if f.failSet != nil {
		if err := f.failSet(user); err != nil {
			return err
		}
	}
	f.items[key(service, user)] = password
	return nil
}

func (f *fakeKeyring) Delete(service, user string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failDelete != nil {
		if err := f.failDelete(user); err != nil {
			return err
		}
	}
	k := key(service, user)
	if _, ok := f.items[k]; !ok {
		return keyring.ErrNotFound
	}
	delete(f.items, k)
	return nil
}

// users lists the accounts stored under service, sorted.
func (f *fakeKeyring) users(service string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for k := range f.items {
		s, u, _ := strings.Cut(k, "\x00")
		if s == service {
			out = append(out, u)
		}
	}
	sort.Strings(out)
	return out
}

// item returns the raw value of one account (for tests that damage it).
func (f *fakeKeyring) item(user string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.items[key(service, user)]
	return v, ok
}

func (f *fakeKeyring) setRaw(user, v string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items[key(service, user)] = v
}

func (f *fakeKeyring) deleteRaw(user string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.items, key(service, user))
}

// hangingKeyring wraps a fake; while hang is set, every call blocks until
// the test ends (for the store, forever).
type hangingKeyring struct {
	inner   *fakeKeyring
	mu      sync.Mutex
	hang    bool
	release chan struct{}
}

func newHanging(t *testing.T, hang bool) *hangingKeyring {
	h := &hangingKeyring{inner: newFake(windowsLimit), hang: hang, release: make(chan struct{})}
	t.Cleanup(func() { close(h.release) })
	return h
}

func (h *hangingKeyring) setHang(v bool) {
	h.mu.Lock()
	h.hang = v
	h.mu.Unlock()
}

func (h *hangingKeyring) wait() {
	h.mu.Lock()
	hang := h.hang
	h.mu.Unlock()
	if hang {
		<-h.release
	}
}

func (h *hangingKeyring) Get(s, u string) (string, error) { h.wait(); return h.inner.Get(s, u) }
func (h *hangingKeyring) Set(s, u, p string) error        { h.wait(); return h.inner.Set(s, u, p) }
func (h *hangingKeyring) Delete(s, u string) error        { h.wait(); return h.inner.Delete(s, u) }

// brokenKeyring answers every call with the same error (no session bus,
// a D-Bus failure, a keychain that refuses access…).
type brokenKeyring struct{ err error }

func (b brokenKeyring) Get(string, string) (string, error) { return "", b.err }
func (b brokenKeyring) Set(string, string, string) error   { return b.err }
func (b brokenKeyring) Delete(string, string) error        { return b.err }

// strictKeyring fails the test on any call: for operations that must not
// touch the keychain at all.
type strictKeyring struct {
	t       *testing.T
	mu      sync.Mutex
	allowed bool
	inner   *fakeKeyring
}

func (s *strictKeyring) check(op, user string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.allowed {
		s.t.Errorf("unexpected keychain %s of %q", op, user)
		return errors.New("unexpected keychain call")
	}
	return nil
}

func (s *strictKeyring) allow(v bool) { s.mu.Lock(); s.allowed = v; s.mu.Unlock() }

func (s *strictKeyring) Get(sv, u string) (string, error) {
	if err := s.check("Get", u); err != nil {
		return "", err
	}
	return s.inner.Get(sv, u)
}

func (s *strictKeyring) Set(sv, u, p string) error {
	if err := s.check("Set", u); err != nil {
		return err
	}
	return s.inner.Set(sv, u, p)
}

func (s *strictKeyring) Delete(sv, u string) error {
	if err := s.check("Delete", u); err != nil {
		return err
	}
	return s.inner.Delete(sv, u)
}

// TestFakesEnforceTheRealLimits: the fakes are only worth something if
// they refuse what the real keychains refuse.
func TestFakesEnforceTheRealLimits(t *testing.T) {
	w := newFake(windowsLimit)
	if err := w.Set(service, "u", strings.Repeat("a", 2560)); err != nil {
		t.Errorf("windows fake refused 2,560 bytes: %v", err)
	}
	if err := w.Set(service, "u", strings.Repeat("a", 2561)); !errors.Is(err, keyring.ErrSetDataTooBig) {
		t.Errorf("windows fake took 2,561 bytes: %v", err)
	}
	m := newFake(macLimit)
	// service 9 + user 1 + 60 = 70: 2,013 bytes fit (4,096), 2,014 don't.
	if err := m.Set(service, "u", strings.Repeat("a", 2013)); err != nil {
		t.Errorf("mac fake refused a command line of 4,096 bytes: %v", err)
	}
	if err := m.Set(service, "u", strings.Repeat("a", 2014)); !errors.Is(err, keyring.ErrSetDataTooBig) {
		t.Errorf("mac fake took a command line over 4,096 bytes: %v", err)
	}
	if _, err := m.Get(service, "absent"); !errors.Is(err, keyring.ErrNotFound) {
		t.Errorf("Get of a missing item: %v, want keyring.ErrNotFound", err)
	}
	if err := m.Delete(service, "absent"); !errors.Is(err, keyring.ErrNotFound) {
		t.Errorf("Delete of a missing item: %v, want keyring.ErrNotFound", err)
	}
}

// limits names both fakes for table tests.
var limits = []struct {
	name  string
	limit limitFunc
}{
	{"windows", windowsLimit},
	{"macos", macLimit},
}
