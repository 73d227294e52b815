package tokencache

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/zalando/go-keyring"
)

// service is the keychain service every item is filed under.
const service = "mcpbridge"

// chunkChars bounds one keychain item. Windows refuses secrets over 2,560
// bytes; macOS's security(1) refuses command lines over 4,096 bytes, and
// go-keyring hex-encodes the secret into it (×2). 1,500 characters fit both
// with room for the service and account names.
const chunkChars = 1500

// maxChunks bounds how many items one secret may take (about 1 MiB).
const maxChunks = 700

// keyringAPI is go-keyring's surface, so tests can enforce size limits.
type keyringAPI interface {
	Get(service, user string) (string, error)
	Set(service, user, password string) error
	Delete(service, user string) error
}

type osKeyring struct{}

func (osKeyring) Get(s, u string) (string, error) { return keyring.Get(s, u) }
func (osKeyring) Set(s, u, p string) error        { return keyring.Set(s, u, p) }
func (osKeyring) Delete(s, u string) error        { return keyring.Delete(s, u) }

// keychain stores secrets in the OS keychain. A secret is base64 text in
// one item ("v1:" + text), or, when too large, a header item
// ("v1-chunked:N:SHA") and items name:SHA:1 … name:SHA:N, reassembled and
// checked. Chunks are named after the version they belong to, and ':' is
// refused in names, so a new version never overwrites the one readers may
// be reading, and no name can be another secret's chunk.
type keychain struct {
	api     keyringAPI
	timeout time.Duration
	journal string // the folder of chunk journals (journal.go)
}

func (k *keychain) name() string { return "keychain" }

// call runs one keychain operation with a deadline: a keychain waiting on
// an unlock prompt must not hang the caller. The operation itself may go on
// in the background; its result is then ignored.
func (k *keychain) call(ctx context.Context, op func() (string, error)) (string, error) {
	type result struct {
		v   string
		err error
	}
	ch := make(chan result, 1)
	go func() { v, err := op(); ch <- result{v, err} }()
	t := time.NewTimer(k.timeout)
	defer t.Stop()
	select {
	case r := <-ch:
		if errors.Is(r.err, keyring.ErrNotFound) {
			return "", ErrNotFound
		}
		return r.v, r.err
	case <-t.C:
		return "", fmt.Errorf("the keychain did not answer within %v (is it locked, with a prompt waiting?)", k.timeout)
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (k *keychain) getItem(ctx context.Context, user string) (string, error) {
	return k.call(ctx, func() (string, error) { return k.api.Get(service, user) })
}

func (k *keychain) setItem(ctx context.Context, user, v string) error {
	_, err := k.call(ctx, func() (string, error) { return "", k.api.Set(service, user, v) })
	return err
}

func (k *keychain) deleteItem(ctx context.Context, user string) error {
	_, err := k.call(ctx, func() (string, error) { return "", k.api.Delete(service, user) })
	return err
}

// probe checks that the keychain answers, by reading an item that does not
// exist: no prompt, nothing written.
func (k *keychain) probe(ctx context.Context) error {
	_, err := k.getItem(ctx, "probe-absent")
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err == nil {
		return nil
	}
	return err
}

func (k *keychain) put(ctx context.Context, name string, secret []byte) error {
	if err := validName(name); err != nil {
		return err
	}
	text := base64.StdEncoding.EncodeToString(secret)
	n := (len(text) + chunkChars - 1) / chunkChars
	if n > maxChunks {
		return fmt.Errorf("secret of %d bytes is too large for the keychain", len(secret))
	}
	oldHead, err := k.getItem(ctx, name)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	head, sum := "v1:"+text, digest(text)
	if n > 1 {
		head = fmt.Sprintf("v1-chunked:%d:%s", n, sum)
	}
	// The journal stays until the caller settles it, after the index.
	if err := k.begin(name, oldHead, head); err != nil {
		return err
	}
	return k.write(ctx, name, text, sum, n, head)
}

// write stores the chunks, then the header: a reader sees the old secret
// or the whole new one.
func (k *keychain) write(ctx context.Context, name, text, sum string, n int, head string) error {
	for i := 0; n > 1 && i < n; i++ {
		part := text[i*chunkChars : min((i+1)*chunkChars, len(text))]
		if err := k.setItem(ctx, chunkName(name, sum, i+1), part); err != nil {
			return fmt.Errorf("part %d of %d: %w", i+1, n, err)
		}
	}
	return k.setItem(ctx, name, head)
}

// deleteChunks removes the chunk items a header points at.
func (k *keychain) deleteChunks(ctx context.Context, name, head string) error {
	n, sum, err := parseHeader(head)
	if err != nil {
		return nil // a single-item secret, or nothing
	}
	for i := 1; i <= n; i++ {
		if err := k.deleteItem(ctx, chunkName(name, sum, i)); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	return nil
}

func (k *keychain) get(ctx context.Context, name string) ([]byte, error) {
	if err := validName(name); err != nil {
		return nil, err
	}
	head, err := k.getItem(ctx, name)
	if err != nil {
		return nil, err
	}
	if text, ok := strings.CutPrefix(head, "v1:"); ok {
		return decode(text)
	}
	n, sum, err := parseHeader(head)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	for i := 1; i <= n; i++ {
		part, err := k.getItem(ctx, chunkName(name, sum, i))
		if err != nil { // a missing part is damage, not "nothing stored"
			return nil, fmt.Errorf("part %d of %d is unreadable: %v", i, n, err)
		}
		b.WriteString(part)
	}
	if digest(b.String()) != sum {
		return nil, errors.New("the keychain items of this secret do not fit together (written by two processes at once?)")
	}
	return decode(b.String())
}

func (k *keychain) delete(ctx context.Context, name string) error {
	if err := validName(name); err != nil {
		return err
	}
	head, err := k.getItem(ctx, name)
	if err != nil {
		return err
	}
	// The journal stays until the caller settles it, after the index.
	if err := k.begin(name, head); err != nil {
		return err
	}
	if err := k.deleteChunks(ctx, name, head); err != nil {
		return err
	}
	return k.deleteItem(ctx, name)
}

func chunkName(name, sum string, i int) string { return name + ":" + sum + ":" + strconv.Itoa(i) }

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}

func parseHeader(head string) (int, string, error) {
	rest, ok := strings.CutPrefix(head, "v1-chunked:")
	if !ok {
		return 0, "", errors.New("the keychain item is not one of mcpbridge's")
	}
	count, sum, ok := strings.Cut(rest, ":")
	n, err := strconv.Atoi(count)
	if !ok || err != nil || n < 1 || n > maxChunks {
		return 0, "", errors.New("the keychain item has a damaged header")
	}
	return n, sum, nil
}

func decode(text string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		return nil, fmt.Errorf("the keychain item is damaged: %w", err)
	}
	return b, nil
}
