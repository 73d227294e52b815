package tokencache

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func openFiles(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(context.Background(), Options{Dir: dir, Mode: File})
	if err != nil {
		t.Fatalf("Open(file): %v", err)
	}
	if s.Backend() != "file" || s.Dir() != dir {
		t.Fatalf("Backend() = %q, Dir() = %q", s.Backend(), s.Dir())
	}
	return s
}

func wantMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Errorf("stat: %v", err)
		return
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s has mode %v, want %v", path, got, want)
	}
}

// noTemporaries fails if a temporary file of writeFileAtomic is left in dir.
func noTemporaries(t *testing.T, dirs ...string) {
	t.Helper()
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		for _, e := range entries {
			if strings.Contains(e.Name(), "tmp") {
				t.Errorf("temporary file left behind: %s", filepath.Join(dir, e.Name()))
			}
		}
	}
}

// TestFileAtomicReplace: a secret is replaced by rename (a reader holding
// the old file still reads the old content whole), and no temporary file
// is left behind, also when the write fails.
func TestFileAtomicReplace(t *testing.T) {
	dir := t.TempDir()
	s := openFiles(t, dir)
	ctx := context.Background()
	secrets := filepath.Join(dir, "secrets")
	first, second := randomBytes(100_000, 1), randomBytes(50_000, 2)
	if err := s.Put(ctx, "tokens-a", first, Meta{}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(secrets, "tokens-a.secret")
	reader, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	before, _ := os.Stat(path)
	for i := 0; i < 20; i++ {
		if err := s.Put(ctx, "tokens-a", second, Meta{}); err != nil {
			t.Fatal(err)
		}
	}
	after, _ := os.Stat(path)
	if os.SameFile(before, after) {
		t.Error("the secret file was rewritten in place, not replaced")
	}
	var old bytes.Buffer
	if _, err := old.ReadFrom(reader); err != nil || !bytes.Equal(old.Bytes(), first) {
		t.Errorf("a reader of the old file saw %d bytes, not the old secret whole", old.Len())
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, second) {
		t.Error("the file does not hold the new secret")
	}
	noTemporaries(t, dir, secrets)

	// A write that fails after the temporary file was written (the rename
	// cannot replace a folder) cleans up, and leaves the index alone.
	blocked := filepath.Join(secrets, "tokens-b.secret")
	if err := os.MkdirAll(filepath.Join(blocked, "inside"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "tokens-b", []byte("secret"), Meta{}); err == nil {
		t.Fatal("Put over a folder succeeded")
	}
	noTemporaries(t, dir, secrets)
	if l, _ := s.List(); len(l) != 1 || l[0].Name != "tokens-a" {
		t.Errorf("a failed Put changed the index: %+v", l)
	}
}

// TestGetMissing: an unknown name is ErrNotFound under both backends.
func TestGetMissing(t *testing.T) {
	ctx := context.Background()
	for _, s := range []*Store{openFiles(t, t.TempDir()), openWith(t, newFake(windowsLimit), Keychain)} {
		_, err := s.Get(ctx, "tokens-none")
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: Get of a missing name: %v, want ErrNotFound", s.Backend(), err)
		}
		if err := s.Delete(ctx, "tokens-none"); err != nil {
			t.Errorf("%s: Delete of a missing name: %v", s.Backend(), err)
		}
	}
}

// TestListReadsOnlyTheIndex: List shows what the index holds without
// reading a secret: with the secret file gone behind the store's back, and
// with a keychain that fails the test on any call.
func TestListReadsOnlyTheIndex(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openFiles(t, dir)
	if err := s.Put(ctx, "tokens-a", []byte("a"), Meta{Kind: "tokens", Server: "https://a.example"}); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "secrets", "tokens-a.secret")); err != nil {
		t.Fatal(err)
	}
	l, err := s.List()
	if err != nil || len(l) != 1 || l[0].Name != "tokens-a" || l[0].Server != "https://a.example" {
		t.Errorf("List after the secret file vanished = %+v, %v", l, err)
	}

	strict := &strictKeyring{t: t, allowed: true, inner: newFake(windowsLimit)}
	k, err := Open(ctx, Options{Dir: t.TempDir(), Mode: Keychain, keyring: strict})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"tokens-b", "client-a"} {
		if err := k.Put(ctx, n, randomBytes(5000, 3), Meta{Kind: strings.Split(n, "-")[0]}); err != nil {
			t.Fatal(err)
		}
	}
	strict.allow(false)
	l, err = k.List()
	if err != nil || len(l) != 2 || l[0].Name != "client-a" || l[1].Name != "tokens-b" {
		t.Errorf("List = %+v, %v; want client-a, tokens-b in order", l, err)
	}
}

// TestMetaRoundTrip: every Meta field survives the index, across a
// reopen; the store sets Name and Backend itself, and Updated when unset.
func TestMetaRoundTrip(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openFiles(t, dir)
	paris, _ := time.LoadLocation("Europe/Paris")
	if paris == nil {
		paris = time.FixedZone("CET", 3600)
	}
	in := Meta{
		Name:    "ignored",
		Kind:    "tokens",
		Server:  "https://mcp.example.com/mcp?x=1",
		Issuer:  "https://auth.example.com/tenant",
		Scopes:  []string{"read", "write", "ünïcode"},
		Expiry:  time.Date(2027, 1, 2, 3, 4, 5, 123456789, paris),
		Updated: time.Date(2026, 11, 26, 1, 2, 3, 0, time.UTC),
		Backend: "bogus",
		Comment: "a \"quoted\" comment\nover two lines",
	}
	if err := s.Put(ctx, "tokens-a", []byte("a"), in); err != nil {
		t.Fatal(err)
	}
	before := time.Now().UTC()
	if err := s.Put(ctx, "client-a", []byte("c"), Meta{Kind: "client"}); err != nil {
		t.Fatal(err)
	}
	after := time.Now().UTC()
	for _, st := range []*Store{s, openFiles(t, dir)} {
		l, err := st.List()
		if err != nil || len(l) != 2 {
			t.Fatalf("List = %+v, %v", l, err)
		}
		got, c := l[1], l[0]
		want := in
		want.Name, want.Backend = "tokens-a", "file"
		if !got.Expiry.Equal(want.Expiry) || !got.Updated.Equal(want.Updated) {
			t.Errorf("times: got %v / %v, want %v / %v", got.Expiry, got.Updated, want.Expiry, want.Updated)
		}
		got.Expiry, got.Updated, want.Expiry, want.Updated = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Meta round trip:\n got %+v\nwant %+v", got, want)
		}
		if c.Name != "client-a" || c.Kind != "client" || c.Backend != "file" || !c.Expiry.IsZero() || len(c.Scopes) != 0 {
			t.Errorf("minimal Meta = %+v", c)
		}
		if c.Updated.Before(before.Add(-time.Second)) || c.Updated.After(after.Add(time.Second)) || c.Updated.Location() != time.UTC {
			t.Errorf("Updated set to %v, want now in UTC", c.Updated)
		}
	}
	// The index is plain JSON a person can read, without secret bytes.
	raw, err := os.ReadFile(filepath.Join(dir, "credentials.json"))
	if err != nil || !json.Valid(raw) {
		t.Fatalf("credentials.json is not valid JSON: %v", err)
	}
	var f struct {
		Version int                        `json:"version"`
		Entries map[string]json.RawMessage `json:"entries"`
	}
	if err := json.Unmarshal(raw, &f); err != nil || f.Version != 1 || len(f.Entries) != 2 {
		t.Errorf("index file: version %d, %d entries, %v", f.Version, len(f.Entries), err)
	}
	if strings.Contains(string(f.Entries["client-a"]), "expiry") {
		t.Errorf("a zero expiry is written out: %s", f.Entries["client-a"])
	}
}

// TestDeleteClearsSecretAndIndex under both backends.
func TestDeleteClearsSecretAndIndex(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	f := newFake(windowsLimit)
	for _, s := range []*Store{openFiles(t, dir), openWith(t, f, Keychain)} {
		for _, n := range []string{"tokens-a", "tokens-b"} {
			if err := s.Put(ctx, n, randomBytes(4000, 1), Meta{}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Delete(ctx, "tokens-a"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, "tokens-a"); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: Get after Delete: %v", s.Backend(), err)
		}
		if l, _ := s.List(); len(l) != 1 || l[0].Name != "tokens-b" {
			t.Errorf("%s: index after Delete: %+v", s.Backend(), l)
		}
		if got, err := s.Get(ctx, "tokens-b"); err != nil || len(got) != 4000 {
			t.Errorf("%s: the other secret: %d bytes, %v", s.Backend(), len(got), err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "secrets", "tokens-a.secret")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the secret file is still there: %v", err)
	}
	for _, u := range f.users(service) {
		if strings.HasPrefix(u, "tokens-a") {
			t.Errorf("keychain item %s is still there", u)
		}
	}
}

// TestFileSecretsAfterSwitchingToKeychain: a secret written in file mode
// is read and deleted after reopening in keychain mode (the index says
// where it is), and a Put in keychain mode moves it rather than copying.
func TestFileSecretsAfterSwitchingToKeychain(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	file := filepath.Join(dir, "secrets", "tokens-a.secret")
	if err := openFiles(t, dir).Put(ctx, "tokens-a", []byte("from file mode"), Meta{Kind: "tokens"}); err != nil {
		t.Fatal(err)
	}
	f := newFake(windowsLimit)
	k, err := Open(ctx, Options{Dir: dir, Mode: Keychain, keyring: f})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := k.Get(ctx, "tokens-a"); err != nil || string(got) != "from file mode" {
		t.Fatalf("Get in keychain mode = %q, %v", got, err)
	}
	if err := k.Delete(ctx, "tokens-a"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(file); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Delete in keychain mode left the file: %v", err)
	}
	if l, _ := k.List(); len(l) != 0 {
		t.Errorf("index after Delete: %+v", l)
	}

	// Put under the other backend: one copy, in the keychain.
	if err := openFiles(t, dir).Put(ctx, "tokens-a", []byte("v1"), Meta{}); err != nil {
		t.Fatal(err)
	}
	if err := k.Put(ctx, "tokens-a", randomBytes(5000, 1), Meta{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(file); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after a Put in keychain mode the file copy is still there: %v", err)
	}
	if l, _ := k.List(); len(l) != 1 || l[0].Backend != "keychain" {
		t.Errorf("index = %+v, want one keychain entry", l)
	}
	if got, err := k.Get(ctx, "tokens-a"); err != nil || len(got) != 5000 {
		t.Errorf("Get = %d bytes, %v", len(got), err)
	}
}

// TestKeychainSecretsAfterSwitchingToFiles: the other direction. A secret
// written in keychain mode is read and deleted after reopening in file
// mode (on the same keychain), and a Put in file mode leaves no copy in
// the keychain. No test may reach the real OS keychain: the session bus
// points nowhere, so a store that ignores Options.keyring fails fast.
func TestKeychainSecretsAfterSwitchingToFiles(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
	ctx := context.Background()
	dir := t.TempDir()
	f := newFake(windowsLimit)
	k, err := Open(ctx, Options{Dir: dir, Mode: Keychain, keyring: f, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	secret := randomBytes(5000, 1)
	if err := k.Put(ctx, "tokens-a", secret, Meta{}); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, Options{Dir: dir, Mode: File, keyring: f, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("Get", func(t *testing.T) {
		if got, err := s.Get(ctx, "tokens-a"); err != nil || !bytes.Equal(got, secret) {
			t.Errorf("Get in file mode of a keychain secret: %d bytes, %v", len(got), err)
		}
	})
	t.Run("Put moves", func(t *testing.T) {
		if err := s.Put(ctx, "tokens-a", []byte("now in a file"), Meta{}); err != nil {
			t.Fatal(err)
		}
		if u := f.users(service); len(u) != 0 {
			t.Errorf("after a Put in file mode, %d keychain items of the old copy remain", len(u))
		}
		if l, _ := s.List(); len(l) != 1 || l[0].Backend != "file" {
			t.Errorf("index = %+v", l)
		}
	})
	t.Run("Delete", func(t *testing.T) {
		if err := k.Put(ctx, "tokens-b", secret, Meta{}); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, "tokens-b"); err != nil {
			t.Errorf("Delete in file mode of a keychain secret: %v", err)
		}
		for _, u := range f.users(service) {
			if strings.HasPrefix(u, "tokens-b") {
				t.Errorf("keychain item %s survived Delete", u)
			}
		}
	})
}

// TestName: stable across releases (a change would orphan every stored
// credential), readable, valid, and different whenever any input differs.
func TestName(t *testing.T) {
	// The documented derivation, computed here independently: each part
	// length-prefixed, so no two lists of parts give the same input.
	h := sha256.Sum256([]byte("27:https://mcp.example.com/mcp24:https://auth.example.com"))
	want := "tokens-" + hex.EncodeToString(h[:])[:32]
	if got := Name("tokens", "https://mcp.example.com/mcp", "https://auth.example.com"); got != want {
		t.Errorf("Name = %s, want %s", got, want)
	}
	if got := Name("tokens", "https://mcp.example.com/mcp", "https://auth.example.com"); got != "tokens-725c4c28b853e9602205f1e32cb78e67" {
		t.Errorf("Name changed: %s", got)
	}
	base := []string{"https://mcp.example.com/mcp", "https://auth.example.com", "client-1", "read write"}
	n0 := Name("tokens", base...)
	if err := validName(n0); err != nil || len(n0) != len("tokens-")+32 {
		t.Errorf("Name %q: %v", n0, err)
	}
	if Name("tokens", base...) != n0 {
		t.Error("Name is not deterministic")
	}
	for i := range base {
		changed := append([]string(nil), base...)
		changed[i] += "x"
		if Name("tokens", changed...) == n0 {
			t.Errorf("changing part %d does not change the name", i)
		}
	}
	if Name("client", base...) == n0 {
		t.Error("the kind does not change the name")
	}
	distinct := [][]string{
		{"ab"}, {"a", "b"}, {"a", "b", ""}, {"b", "a"}, {}, {""}, {"", ""},
		{"a\x00b"}, // a part may hold any byte: the encoding must stay unambiguous
	}
	seen := map[string][]string{}
	for _, parts := range distinct {
		n := Name("k", parts...)
		if prev, ok := seen[n]; ok {
			t.Errorf("Name(%q) == Name(%q) = %s", parts, prev, n)
		}
		seen[n] = parts
	}
}

// TestInvalidNames: names that are not safe as file names and keychain
// accounts are refused by every operation, and nothing is written.
func TestInvalidNames(t *testing.T) {
	ctx := context.Background()
	bad := []string{"", ".", "..", ".hidden", "a/b", "../escape", `a\b`, "a:b", "a*", "a?", `a"`, "a<", "a>", "a|", strings.Repeat("x", 129)}
	f := newFake(windowsLimit)
	dir := t.TempDir()
	for _, s := range []*Store{openFiles(t, dir), openWith(t, f, Keychain)} {
		for _, n := range bad {
			if err := s.Put(ctx, n, []byte("x"), Meta{}); err == nil || !strings.Contains(err.Error(), "invalid name") {
				t.Errorf("%s: Put(%q): %v", s.Backend(), n, err)
			}
			if _, err := s.Get(ctx, n); err == nil || errors.Is(err, ErrNotFound) {
				t.Errorf("%s: Get(%q): %v", s.Backend(), n, err)
			}
			if err := s.Delete(ctx, n); err == nil {
				t.Errorf("%s: Delete(%q) succeeded", s.Backend(), n)
			}
			if _, err := s.Lock(ctx, n); err == nil || !strings.Contains(err.Error(), "invalid name") {
				t.Errorf("%s: Lock(%q): %v", s.Backend(), n, err)
			}
		}
		if l, _ := s.List(); len(l) != 0 {
			t.Errorf("%s: refused names reached the index: %+v", s.Backend(), l)
		}
	}
	if u := f.users(service); len(u) != 0 {
		t.Errorf("refused names reached the keychain: %q", u)
	}
	for _, d := range []string{filepath.Join(dir, "secrets"), filepath.Join(dir, "locks")} {
		if e, _ := os.ReadDir(d); len(e) != 0 {
			t.Errorf("refused names reached %s: %v", d, e)
		}
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "escape.secret")); err == nil {
		t.Error("a name escaped the folder")
	}
	for _, good := range []string{strings.Repeat("x", 128), "tokens-0123", "a b", "ä"} {
		if err := validName(good); err != nil {
			t.Errorf("validName(%q): %v", good, err)
		}
	}
}

// TestNamesDoNotCollideWithChunks: a chunked secret's items are named
// name.1 … name.N, which are themselves valid names; storing one must not
// damage the other.
func TestNamesDoNotCollideWithChunks(t *testing.T) {
	ctx := context.Background()
	s := openWith(t, newFake(windowsLimit), Keychain)
	big := randomBytes(5000, 1)
	if err := s.Put(ctx, "tokens", big, Meta{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "tokens.1", []byte("small"), Meta{}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(ctx, "tokens"); err != nil || !bytes.Equal(got, big) {
		t.Errorf("Put of \"tokens.1\" damaged \"tokens\": %d bytes, %v", len(got), err)
	}
	if err := s.Delete(ctx, "tokens"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(ctx, "tokens.1"); err != nil || string(got) != "small" {
		t.Errorf("Delete of \"tokens\" removed \"tokens.1\": %q, %v", got, err)
	}
}

// TestParseMode covers the --token-store values.
func TestParseMode(t *testing.T) {
	for _, s := range []string{"auto", "keychain", "file"} {
		if m, err := ParseMode(s); err != nil || string(m) != s {
			t.Errorf("ParseMode(%q) = %q, %v", s, m, err)
		}
	}
	for _, s := range []string{"", "Auto", "files", "none"} {
		if _, err := ParseMode(s); err == nil || !strings.Contains(err.Error(), "auto, keychain or file") {
			t.Errorf("ParseMode(%q): %v", s, err)
		}
	}
	if _, err := Open(context.Background(), Options{}); err == nil {
		t.Error("Open without a folder succeeded")
	}
}

// TestIndexed: what the index says about a name, read without opening a
// store; no index yet is "nothing stored", not an error.
func TestIndexed(t *testing.T) {
	dir := t.TempDir()
	if m, ok, err := Indexed(dir, "tokens-a"); ok || err != nil || m.Name != "" {
		t.Errorf("Indexed in an empty folder = %+v, %v, %v", m, ok, err)
	}
	s := openFiles(t, dir)
	if err := s.Put(context.Background(), "tokens-a", []byte("x"), Meta{Kind: "tokens", Issuer: "https://auth.example"}); err != nil {
		t.Fatal(err)
	}
	m, ok, err := Indexed(dir, "tokens-a")
	if !ok || err != nil || m.Name != "tokens-a" || m.Issuer != "https://auth.example" || m.Backend != "file" {
		t.Errorf("Indexed = %+v, %v, %v", m, ok, err)
	}
	if _, ok, err := Indexed(dir, "tokens-b"); ok || err != nil {
		t.Errorf("Indexed of another name = %v, %v", ok, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "credentials.json"), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Indexed(dir, "tokens-a"); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("Indexed of a damaged index: %v", err)
	}
}
