package tokencache

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ErrNotFound is returned for a name that holds nothing.
var ErrNotFound = errors.New("no stored credentials under this name")

// Mode chooses where secrets go (the --token-store flag).
type Mode string

const (
	Auto     Mode = "auto"     // the keychain when it answers, else files (and say so)
	Keychain Mode = "keychain" // the keychain or an error
	File     Mode = "file"     // files in the config folder
)

// ParseMode validates a --token-store value.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case Auto, Keychain, File:
		return m, nil
	}
	return "", fmt.Errorf("unknown token store %q: use auto, keychain or file", s)
}

// Meta is what may be known about a stored secret without reading it.
type Meta struct {
	Name    string    `json:"name"`
	Kind    string    `json:"kind"`             // "tokens" or "client", as the caller says
	Server  string    `json:"server,omitempty"` // the MCP server URL
	Issuer  string    `json:"issuer,omitempty"` // the authorization server
	Scopes  []string  `json:"scopes,omitempty"`
	Expiry  time.Time `json:"expiry,omitzero"` // of the access token, if any
	Updated time.Time `json:"updated"`
	Backend string    `json:"backend"` // "keychain" or "file"
	// Refreshable says a refresh token is kept: an expired access token
	// still means signed in.
	Refreshable bool   `json:"refreshable,omitempty"`
	Comment     string `json:"comment,omitempty"`
	// Account is the --account the entry belongs to ("" the default).
	Account string `json:"account,omitempty"`
}

// SignedIn tells whether a tokens entry is still signed in at now: its
// access token has no expiry or has not expired, or can be refreshed.
func (m Meta) SignedIn(now time.Time) bool {
	return m.Expiry.IsZero() || now.Before(m.Expiry) || m.Refreshable
}

// Options configure Open.
type Options struct {
	// Dir is the config folder: files, locks and the index live below it.
	Dir string
	// Mode picks the backend; the default is Auto.
	Mode Mode
	// Timeout bounds each keychain call (a locked keychain's prompt must
	// not hang the bridge); default 3 s.
	Timeout time.Duration
	// Notice tells the user something once (where tokens went); nil drops it.
	Notice func(msg string)
	// keyring replaces the OS keychain in tests.
	keyring keyringAPI
}

// Store keeps secrets under names.
type Store struct {
	dir      string
	backend  backend
	keychain *keychain // the keychain as configured, for secrets written in keychain mode
	index    *index
	locks    string
}

// backend is where secret bytes live.
type backend interface {
	name() string
	get(ctx context.Context, name string) ([]byte, error)
	put(ctx context.Context, name string, secret []byte) error
	delete(ctx context.Context, name string) error
}

// Open prepares the store in o.Dir, choosing the backend per o.Mode.
func Open(ctx context.Context, o Options) (*Store, error) {
	if o.Dir == "" {
		return nil, errors.New("tokencache: no config folder")
	}
	if o.Mode == "" {
		o.Mode = Auto
	}
	if o.Timeout <= 0 {
		o.Timeout = 3 * time.Second
	}
	if o.Notice == nil {
		o.Notice = func(string) {}
	}
	s := &Store{dir: o.Dir, index: &index{path: filepath.Join(o.Dir, "credentials.json")}, locks: filepath.Join(o.Dir, "locks")}
	for _, d := range []string{o.Dir, filepath.Join(o.Dir, "secrets"), s.locks} {
		if err := privateDir(d); err != nil {
			return nil, err
		}
	}
	kr := o.keyring
	if kr == nil {
		kr = osKeyring{}
	}
	s.keychain = &keychain{api: kr, timeout: o.Timeout, journal: filepath.Join(o.Dir, "secrets")}
	b, err := chooseBackend(ctx, o, s.keychain)
	if err != nil {
		return nil, err
	}
	s.backend = b
	if err := s.Sweep(ctx); err != nil { // leftovers of a crash; the store works without
		o.Notice(fmt.Sprintf("could not remove what an interrupted mcpbridge left in %s: %v", o.Dir, err))
	}
	return s, nil
}

// chooseBackend probes the keychain (a read of a name that does not exist:
// no prompt, no write) and falls back to files in Auto mode.
func chooseBackend(ctx context.Context, o Options, kc *keychain) (backend, error) {
	files := &fileBackend{dir: filepath.Join(o.Dir, "secrets")}
	if o.Mode == File {
		return files, nil
	}
	err := kc.probe(ctx)
	switch {
	case err == nil:
		return kc, nil
	case o.Mode == Keychain:
		return nil, fmt.Errorf("the OS keychain is not available (%w); use --token-store file to keep tokens in files", err)
	}
	o.Notice(fmt.Sprintf("the OS keychain is not available (%v); tokens are stored in files readable only by you, in %s", err, files.dir))
	return files, nil
}

// Backend names where new secrets go: "keychain" or "file".
func (s *Store) Backend() string { return s.backend.name() }

// Dir is the folder the store keeps its files in.
func (s *Store) Dir() string { return s.dir }

// Get returns the secret stored under name, from the backend that holds it.
func (s *Store) Get(ctx context.Context, name string) ([]byte, error) {
	m, ok, err := s.index.get(name)
	if err != nil {
		return nil, err
	}
	b := s.backend
	if ok && m.Backend != b.name() {
		b = s.other(m.Backend)
	}
	secret, err := b.get(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("read %s from the %s: %w", name, b.name(), err)
	}
	return secret, nil
}

// Put stores secret under name, with the facts about it in the index.
func (s *Store) Put(ctx context.Context, name string, secret []byte, meta Meta) (err error) {
	if err := validName(name); err != nil {
		return err
	}
	unlock, err := s.writeLock(ctx, name)
	if err != nil {
		return err
	}
	defer unlock()
	defer func() { err = errors.Join(err, s.settle(ctx, name)) }() // after the index, keychain items it does not name go
	if err := s.backend.put(ctx, name, secret); err != nil {
		return fmt.Errorf("store %s in the %s: %w", name, s.backend.name(), err)
	}
	meta.Name, meta.Backend = name, s.backend.name()
	if meta.Updated.IsZero() {
		meta.Updated = time.Now().UTC()
	}
	old, hadOld, _ := s.index.get(name)
	if err := s.index.put(meta); err != nil {
		return err
	}
	if hadOld && old.Backend != meta.Backend { // never two copies in two places
		if err := ignoreNotFound(s.other(old.Backend).delete(ctx, name)); err != nil {
			return fmt.Errorf("stored %s in the %s, but its old copy in the %s could not be removed: %w", name, meta.Backend, old.Backend, err)
		}
	}
	return nil
}

// Delete removes the secret under name from every backend, and then from
// the index: while a secret could not be removed, the index keeps naming it.
func (s *Store) Delete(ctx context.Context, name string) (err error) {
	if err := validName(name); err != nil {
		return err
	}
	unlock, err := s.writeLock(ctx, name)
	if err != nil {
		return err
	}
	defer unlock()
	defer func() { err = errors.Join(err, s.settle(ctx, name)) }()
	var errs []error
	if m, ok, _ := s.index.get(name); ok && m.Backend != s.backend.name() {
		errs = append(errs, ignoreNotFound(s.other(m.Backend).delete(ctx, name)))
	}
	errs = append(errs, ignoreNotFound(s.backend.delete(ctx, name)))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("remove %s: %w", name, err)
	}
	return s.index.remove(name)
}

// List returns what the index knows, without reading any secret.
func (s *Store) List() ([]Meta, error) { return s.index.list() }

// Stored reports whether the index names name, without reading a secret.
func (s *Store) Stored(name string) (bool, error) {
	_, ok, err := s.index.get(name)
	return ok, err
}

// other returns the backend by name, for secrets written under another mode.
func (s *Store) other(name string) backend {
	if name == "file" {
		return &fileBackend{dir: filepath.Join(s.dir, "secrets")}
	}
	return s.keychain
}

func ignoreNotFound(err error) error {
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// validName keeps names usable as file names and keychain accounts.
func validName(name string) error {
	if name == "" || len(name) > 128 || strings.ContainsAny(name, `/\:*?"<>|`) || strings.HasPrefix(name, ".") {
		return fmt.Errorf("tokencache: invalid name %q", name)
	}
	return nil
}

// privateDir creates dir (and its parents) and makes it 0700.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("restrict %s to its owner: %w", dir, err)
	}
	return nil
}

// Indexed reports what the index in dir says about name, without opening
// a store: no keychain is touched, so a process with nothing stored starts
// without waking one.
func Indexed(dir, name string) (Meta, bool, error) {
	return (&index{path: filepath.Join(dir, "credentials.json")}).get(name)
}

// List returns what the index in dir says is stored, without opening a
// store (for `mcpbridge status`: no keychain is touched).
func List(dir string) ([]Meta, error) {
	return (&index{path: filepath.Join(dir, "credentials.json")}).list()
}
