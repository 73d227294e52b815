package tokencache

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// openWith opens a store in a fresh folder on the given fake keychain.
func openWith(t *testing.T, kr keyringAPI, mode Mode) *Store {
	t.Helper()
	s, err := Open(context.Background(), Options{Dir: t.TempDir(), Mode: mode, Timeout: 5 * time.Second, keyring: kr})
	if err != nil {
		t.Fatalf("Open(%s): %v", mode, err)
	}
	if mode == Keychain && s.Backend() != "keychain" {
		t.Fatalf("Backend() = %q in keychain mode", s.Backend())
	}
	return s
}

// randomBytes returns n deterministic pseudo-random bytes.
func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// jwtLike returns a token shaped like a JWT of about n bytes: three
// base64url segments joined by dots.
func jwtLike(n int, seed uint64) []byte {
	enc := base64.RawURLEncoding
	head := enc.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT","kid":"k1"}`))
	sig := enc.EncodeToString(randomBytes(256, seed+1))
	rest := n - len(head) - len(sig) - 2
	body := enc.EncodeToString(randomBytes(rest*3/4+3, seed))[:rest]
	return []byte(head + "." + body + "." + sig)
}

// sample shows a few item names.
func sample(users []string) string {
	if len(users) > 4 {
		return fmt.Sprintf("%q…", users[:4])
	}
	return fmt.Sprintf("%q", users)
}

var headerRE = regexp.MustCompile(`^v1-chunked:([0-9]+):([0-9a-f]{16})$`)

// checkLayout verifies, independently of the package's helpers, how
// secret is laid out in the fake's items under name.
func checkLayout(t *testing.T, f *fakeKeyring, name string, secret []byte) {
	t.Helper()
	text := base64.StdEncoding.EncodeToString(secret)
	users := f.users(service)
	head, ok := f.item(name)
	if !ok {
		t.Fatalf("no item %q; items: %s", name, sample(users))
	}
	if len(text) <= 1500 {
		if len(users) != 1 {
			t.Errorf("%d-byte secret took %d items %s, want 1", len(secret), len(users), sample(users))
		}
		if head != "v1:"+text {
			t.Errorf("single item = %.40q…, want \"v1:\" + base64", head)
		}
		return
	}
	want := (len(text) + 1499) / 1500
	if len(users) != want+1 {
		t.Errorf("%d-byte secret took %d items %s, want %d chunks + a header", len(secret), len(users), sample(users), want)
	}
	m := headerRE.FindStringSubmatch(head)
	if m == nil {
		t.Fatalf("header = %q, want v1-chunked:N:SHA", head)
	}
	if n, _ := strconv.Atoi(m[1]); n != want {
		t.Errorf("header says %d chunks, want %d", n, want)
	}
	var all strings.Builder
	for i := 1; i <= want; i++ {
		part, ok := f.item(chunkName(name, m[2], i))
		if !ok {
			t.Fatalf("chunk %d of %d missing", i, want)
		}
		if len(part) > 1500 {
			t.Errorf("chunk %d has %d characters, over 1,500", i, len(part))
		}
		all.WriteString(part)
	}
	if all.String() != text {
		t.Errorf("the chunks do not spell the secret's base64")
	}
	sum := sha256.Sum256([]byte(text))
	if m[2] != hex.EncodeToString(sum[:8]) {
		t.Errorf("header digest %s, want %s (first 8 bytes of SHA-256 of the text)", m[2], hex.EncodeToString(sum[:8]))
	}
}

// TestKeychainRoundTripSizes: secrets of every interesting size go in and
// come back byte for byte under both platforms' limits, laid out as
// documented, and Delete leaves no item behind.
func TestKeychainRoundTripSizes(t *testing.T) {
	sizes := []struct {
		name   string
		secret []byte
	}{
		{"empty", []byte{}},
		{"one byte", []byte{0}},
		{"at the single-item limit", randomBytes(1125, 1)}, // base64: exactly 1,500 characters
		{"just above it", randomBytes(1126, 2)},            // 1,504 characters: two chunks
		{"6 KB JWT", jwtLike(6*1024, 3)},
		{"300 KB", randomBytes(300*1024, 4)},
	}
	for _, l := range limits {
		for _, sz := range sizes {
			t.Run(l.name+"/"+sz.name, func(t *testing.T) {
				f := newFake(l.limit)
				s := openWith(t, f, Keychain)
				ctx := context.Background()
				name := Name("tokens", "https://mcp.example.com", sz.name)
				if err := s.Put(ctx, name, sz.secret, Meta{Kind: "tokens"}); err != nil {
					t.Fatalf("Put of %d bytes: %v", len(sz.secret), err)
				}
				if f.tooBig != 0 {
					t.Errorf("%d items were refused as too big", f.tooBig)
				}
				checkLayout(t, f, name, sz.secret)
				got, err := s.Get(ctx, name)
				if err != nil {
					t.Fatalf("Get: %v", err)
				}
				if !bytes.Equal(got, sz.secret) {
					t.Fatalf("Get returned %d bytes that differ from the %d stored", len(got), len(sz.secret))
				}
				list, err := s.List()
				if err != nil || len(list) != 1 || list[0].Backend != "keychain" {
					t.Errorf("List = %+v, %v; want one keychain entry", list, err)
				}
				if err := s.Delete(ctx, name); err != nil {
					t.Fatalf("Delete: %v", err)
				}
				if u := f.users(service); len(u) != 0 {
					t.Errorf("Delete left %d items: %v", len(u), u)
				}
				if _, err := s.Get(ctx, name); !errors.Is(err, ErrNotFound) {
					t.Errorf("Get after Delete: %v, want ErrNotFound", err)
				}
			})
		}
	}
}

// TestKeychainSizeBound: up to 700 chunks (787,500 bytes) are accepted;
// one byte more is refused with a clear error before anything is written.
func TestKeychainSizeBound(t *testing.T) {
	f := newFake(macLimit)
	s := openWith(t, f, Keychain)
	ctx := context.Background()
	max := randomBytes(700*1500/4*3, 5)
	if err := s.Put(ctx, "big", max, Meta{}); err != nil {
		t.Fatalf("Put of %d bytes (700 chunks): %v", len(max), err)
	}
	checkLayout(t, f, "big", max)
	if err := s.Delete(ctx, "big"); err != nil {
		t.Fatal(err)
	}
	err := s.Put(ctx, "big", randomBytes(len(max)+1, 6), Meta{})
	if err == nil || !strings.Contains(err.Error(), "too large") {
		t.Fatalf("Put of 701 chunks: %v, want a too-large error", err)
	}
	if u := f.users(service); len(u) != 0 {
		t.Errorf("a refused Put left %d items", len(u))
	}
	if l, _ := s.List(); len(l) != 0 {
		t.Errorf("a refused Put left an index entry: %+v", l)
	}
}

// TestKeychainDamage: a damaged header, a missing chunk or a chunk from
// another write give an error, never wrong bytes.
func TestKeychainDamage(t *testing.T) {
	secret := jwtLike(6*1024, 7)
	other := jwtLike(6*1024, 8) // same length: same number of chunks
	// Delete trusts the header for the number of chunks: where the header
	// is readable and right, it must clear every item; where it is not,
	// at least the header (so the name is free again).
	const headerOnly = true
	cases := []struct {
		name       string
		damage     func(f *fakeKeyring, name string)
		wantErr    string
		headerOnly bool
	}{
		{"header not ours", func(f *fakeKeyring, n string) { f.setRaw(n, "hunter2") }, "not one of mcpbridge's", headerOnly},
		{"header count not a number", func(f *fakeKeyring, n string) { f.setRaw(n, "v1-chunked:x:0123456789abcdef") }, "damaged header", headerOnly},
		{"header without digest", func(f *fakeKeyring, n string) { f.setRaw(n, "v1-chunked:6") }, "damaged header", headerOnly},
		{"header count zero", func(f *fakeKeyring, n string) { f.setRaw(n, "v1-chunked:0:0123456789abcdef") }, "damaged header", headerOnly},
		{"header count huge", func(f *fakeKeyring, n string) { f.setRaw(n, "v1-chunked:100000:0123456789abcdef") }, "damaged header", headerOnly},
		{"header count too small", func(f *fakeKeyring, n string) {
			h, _ := f.item(n)
			f.setRaw(n, strings.Replace(h, ":6:", ":5:", 1))
		}, "do not fit together", headerOnly},
		{"header count too large", func(f *fakeKeyring, n string) {
			h, _ := f.item(n)
			f.setRaw(n, strings.Replace(h, ":6:", ":7:", 1))
		}, "part 7 of 7", false},
		// Chunks are named after the digest: a header whose digest was
		// changed points at chunks that do not exist, and the chunks it
		// lost cannot be found any more (the keychain cannot list them).
		{"digest changed", func(f *fakeKeyring, n string) {
			h, _ := f.item(n)
			f.setRaw(n, h[:len(h)-16]+"0000000000000000")
		}, "unreadable", true},
		{"missing chunk", func(f *fakeKeyring, n string) { f.deleteRaw(chunkOf(f, n, 3)) }, "part 3 of 6", false},
		{"chunk from another writer", func(f *fakeKeyring, n string) {
			f.setRaw(chunkOf(f, n, 2), base64.StdEncoding.EncodeToString(other)[1500:3000])
		}, "do not fit together", false},
		{"chunk truncated", func(f *fakeKeyring, n string) {
			c, _ := f.item(chunkOf(f, n, 6))
			f.setRaw(chunkOf(f, n, 6), c[:len(c)-4])
		}, "do not fit together", false},
		{"single item not base64", func(f *fakeKeyring, n string) {
			for _, u := range f.users(service) {
				f.deleteRaw(u)
			}
			f.setRaw(n, "v1:***")
		}, "damaged", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(windowsLimit)
			s := openWith(t, f, Keychain)
			ctx := context.Background()
			const name = "tokens-damaged"
			if err := s.Put(ctx, name, secret, Meta{}); err != nil {
				t.Fatal(err)
			}
			if h, _ := f.item(name); !strings.HasPrefix(h, "v1-chunked:6:") {
				t.Fatalf("header %q: the damage below assumes 6 chunks", h)
			}
			c.damage(f, name)
			got, err := s.Get(ctx, name)
			if err == nil {
				t.Fatalf("Get of a damaged secret succeeded with %d bytes (equal to the original: %v)", len(got), bytes.Equal(got, secret))
			}
			if got != nil {
				t.Errorf("Get returned %d bytes along with the error", len(got))
			}
			if !strings.Contains(err.Error(), c.wantErr) || !strings.Contains(err.Error(), name) {
				t.Errorf("error %q should name %s and say %q", err, name, c.wantErr)
			}
			// Whatever the damage, Delete clears every item.
			if err := s.Delete(ctx, name); err != nil {
				t.Errorf("Delete of a damaged secret: %v", err)
			}
			if _, ok := f.item(name); ok {
				t.Errorf("Delete left the header")
			}
			if u := f.users(service); len(u) != 0 && !c.headerOnly {
				t.Errorf("Delete left %s", sample(u))
			}
		})
	}
}

// TestKeychainOverwriteLeavesNoStaleChunks: replacing a chunked secret by a
// smaller one must not leave the old chunks (old token material) in the
// keychain, where Delete no longer finds them.
func TestKeychainOverwriteLeavesNoStaleChunks(t *testing.T) {
	for _, next := range []struct {
		name   string
		secret []byte
	}{
		{"single item", []byte("short")},
		{"fewer chunks", randomBytes(3000, 10)},
	} {
		t.Run(next.name, func(t *testing.T) {
			f := newFake(windowsLimit)
			s := openWith(t, f, Keychain)
			ctx := context.Background()
			if err := s.Put(ctx, "tokens-x", randomBytes(300*1024, 9), Meta{}); err != nil {
				t.Fatal(err)
			}
			if err := s.Put(ctx, "tokens-x", next.secret, Meta{}); err != nil {
				t.Fatal(err)
			}
			if got, err := s.Get(ctx, "tokens-x"); err != nil || !bytes.Equal(got, next.secret) {
				t.Fatalf("Get after overwrite: %d bytes, %v", len(got), err)
			}
			checkLayout(t, f, "tokens-x", next.secret)
			if err := s.Delete(ctx, "tokens-x"); err != nil {
				t.Fatal(err)
			}
			if u := f.users(service); len(u) != 0 {
				t.Errorf("after Delete, %d items of the old secret remain in the keychain (first: %s)", len(u), u[0])
			}
		})
	}
}

// TestKeychainFailedPutKeepsOldSecret: put's comment promises "a reader
// sees the old secret or the whole new one". A Put that fails part-way
// (a keychain refusing the third chunk) must leave the old secret readable.
func TestKeychainFailedPutKeepsOldSecret(t *testing.T) {
	f := newFake(windowsLimit)
	s := openWith(t, f, Keychain)
	ctx := context.Background()
	old, next := jwtLike(6*1024, 11), jwtLike(6*1024, 12)
	if err := s.Put(ctx, "tokens-y", old, Meta{}); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.failSet = func(user string) error {
		if strings.HasPrefix(user, "tokens-y:") && strings.HasSuffix(user, ":3") {
			return errors.New("simulated keychain failure")
		}
		return nil
	}
	f.mu.Unlock()
	if err := s.Put(ctx, "tokens-y", next, Meta{}); err == nil {
		t.Fatal("Put succeeded although the keychain refused a chunk")
	}
	got, err := s.Get(ctx, "tokens-y")
	if err != nil {
		t.Fatalf("after a failed Put the old secret is unreadable: %v", err)
	}
	if !bytes.Equal(got, old) {
		t.Fatalf("after a failed Put, Get returned %d bytes that are not the old secret (new: %v)", len(got), bytes.Equal(got, next))
	}
}

// TestKeychainProbeWritesNothing: Open reads one absent item and writes
// nothing; a working keychain gives no notice.
func TestKeychainProbeWritesNothing(t *testing.T) {
	for _, mode := range []Mode{Auto, Keychain} {
		f := newFake(windowsLimit)
		var notices []string
		s, err := Open(context.Background(), Options{Dir: t.TempDir(), Mode: mode, keyring: f,
			Notice: func(m string) { notices = append(notices, m) }})
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		if s.Backend() != "keychain" {
			t.Errorf("%s with a working keychain: backend %q", mode, s.Backend())
		}
		if f.sets != 0 || len(f.users(service)) != 0 {
			t.Errorf("%s: the probe wrote to the keychain", mode)
		}
		if len(notices) != 0 {
			t.Errorf("%s: notice with a working keychain: %q", mode, notices)
		}
	}
}

// chunkOf names the i-th chunk item of the secret stored under n, after the
// digest in its header (chunks are named per version).
func chunkOf(f *fakeKeyring, n string, i int) string {
	h, _ := f.item(n)
	m := headerRE.FindStringSubmatch(h)
	if m == nil {
		return n + ":?:" + strconv.Itoa(i)
	}
	return chunkName(n, m[2], i)
}
