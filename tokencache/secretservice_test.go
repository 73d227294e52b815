package tokencache

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// TestSecretServiceRoundTrip uses the real OS keychain: the Secret Service
// over D-Bus, through go-keyring, with no fake. It needs a running,
// unlocked Secret Service, so it only runs with MCPBRIDGE_SECRET_SERVICE=1;
// .ci/run provides one with
//
//	MCPBRIDGE_SECRET_SERVICE=1 sh tokencache/testdata/with-secret-service.sh \
//	    go test -count=1 -run 'TestSecretService|TestAutoFallsBack' ./tokencache/
func TestSecretServiceRoundTrip(t *testing.T) {
	if os.Getenv("MCPBRIDGE_SECRET_SERVICE") != "1" {
		t.Skip("set MCPBRIDGE_SECRET_SERVICE=1 and run under tokencache/testdata/with-secret-service.sh")
	}
	ctx := context.Background()
	var notices []string
	s, err := Open(ctx, Options{Dir: t.TempDir(), Mode: Keychain, Timeout: 10 * time.Second,
		Notice: func(m string) { notices = append(notices, m) }})
	if err != nil {
		t.Fatalf("Open(keychain) on the real Secret Service: %v", err)
	}
	if s.Backend() != "keychain" || len(notices) != 0 {
		t.Fatalf("backend %q, notices %q", s.Backend(), notices)
	}
	name := Name("test", "TestSecretServiceRoundTrip", strconv.Itoa(os.Getpid()), time.Now().String())
	secret := jwtLike(6*1024, 42)
	n := (4*((len(secret)+2)/3) + 1499) / 1500 // chunks of base64
	var sum string                             // the version digest the chunks are named after
	t.Cleanup(func() {
		_ = keyring.Delete(service, name)
		for i := 1; i <= n+1; i++ {
			_ = keyring.Delete(service, chunkName(name, sum, i))
		}
	})

	if err := s.Put(ctx, name, secret, Meta{Kind: "test"}); err != nil {
		t.Fatalf("Put of %d bytes: %v", len(secret), err)
	}
	// The items are really in the Secret Service, split as documented.
	head, err := keyring.Get(service, name)
	m := headerRE.FindStringSubmatch(head)
	if err != nil || m == nil || m[1] != strconv.Itoa(n) {
		t.Fatalf("header item = %q, %v; want v1-chunked:%d:SHA", head, err, n)
	}
	sum = m[2]
	for i := 1; i <= n; i++ {
		if _, err := keyring.Get(service, chunkName(name, m[2], i)); err != nil {
			t.Errorf("chunk %d: %v", i, err)
		}
	}
	// A second store (another process, in effect) reads it back.
	s2, err := Open(ctx, Options{Dir: s.Dir(), Mode: Keychain, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s2.Get(ctx, name)
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Get = %d bytes, %v; want the %d stored", len(got), err, len(secret))
	}
	if err := s2.Delete(ctx, name); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := s.Get(ctx, name); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after Delete: %v, want ErrNotFound", err)
	}
	for i := 0; i <= n; i++ {
		user := name
		if i > 0 {
			user = chunkName(name, sum, i)
		}
		if _, err := keyring.Get(service, user); !errors.Is(err, keyring.ErrNotFound) {
			t.Errorf("item %s after Delete: %v, want not found", user, err)
		}
	}
}
