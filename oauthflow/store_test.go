package oauthflow

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/mcpbridge/mcpbridge/tokencache"
)

// memStore is a Store in memory for the tests of one process: it keeps
// what it is given and records what it is asked.
type memStore struct {
	mu      sync.Mutex
	secrets map[string][]byte
	metas   map[string]tokencache.Meta
	locks   map[string]chan struct{}
	asked   []string // "Get tokens-…", in order
}

func newMemStore() *memStore {
	return &memStore{secrets: map[string][]byte{}, metas: map[string]tokencache.Meta{}, locks: map[string]chan struct{}{}}
}

func (m *memStore) ask(op, name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.asked = append(m.asked, op+" "+name)
}

func (m *memStore) operations() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ops []string
	for _, a := range m.asked {
		op, _, _ := strings.Cut(a, " ")
		if !slices.Contains(ops, op) {
			ops = append(ops, op)
		}
	}
	return ops
}

func (m *memStore) Stored(name string) (bool, error) {
	m.ask("Stored", name)
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.secrets[name]
	return ok, nil
}

func (m *memStore) Get(_ context.Context, name string) ([]byte, error) {
	m.ask("Get", name)
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.secrets[name]
	if !ok {
		return nil, fmt.Errorf("read %s: %w", name, tokencache.ErrNotFound)
	}
	return slices.Clone(s), nil
}

func (m *memStore) Put(_ context.Context, name string, secret []byte, meta tokencache.Meta) error {
	m.ask("Put", name)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.secrets[name], m.metas[name] = slices.Clone(secret), meta
	return nil
}

func (m *memStore) Delete(_ context.Context, name string) error {
	m.ask("Delete", name)
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.secrets, name)
	delete(m.metas, name)
	return nil
}

func (m *memStore) Lock(ctx context.Context, name string) (func(), error) {
	m.ask("Lock", name)
	m.mu.Lock()
	l, ok := m.locks[name]
	if !ok {
		l = make(chan struct{}, 1)
		m.locks[name] = l
	}
	m.mu.Unlock()
	select {
	case l <- struct{}{}:
		return func() { <-l }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("lock %s: %w", name, ctx.Err())
	}
}

// TestNothingStoredWakesNoStore: with nothing stored, a request goes out
// bare and logout finds nothing, and the store is asked only what its
// index says (Stored): no secret is read, so no keychain wakes.
func TestNothingStoredWakesNoStore(t *testing.T) {
	st := newMemStore()
	server, _ := url.Parse("https://mcp.example/mcp")
	f, err := New(Config{Server: server, HTTP: http.DefaultClient, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, server.String(), nil)
	if err := f.Authorize(context.Background(), req); err != nil || req.Header.Get("Authorization") != "" {
		t.Fatalf("Authorize with nothing stored: %q, %v", req.Header.Get("Authorization"), err)
	}
	if had, err := f.Logout(context.Background()); had || err != nil {
		t.Errorf("Logout with nothing stored = %v, %v", had, err)
	}
	if ops := st.operations(); !slices.Equal(ops, []string{"Stored"}) {
		t.Errorf("the store was asked %q, want only Stored", st.asked)
	}
}
