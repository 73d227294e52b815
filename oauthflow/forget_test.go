package oauthflow

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/mcpbridge/mcpbridge/tokencache"
)

// listStore is memStore with the index listing a ListStore adds.
type listStore struct{ *memStore }

func (l listStore) List() ([]tokencache.Meta, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []tokencache.Meta
	for _, m := range l.metas {
		out = append(out, m)
	}
	return out, nil
}

func TestForgetAllDeletesWhatItCannotRevoke(t *testing.T) {
	ctx := context.Background()
	st := listStore{newMemStore()}
	if err := st.Put(ctx, "tokens-a", []byte("not a record"), tokencache.Meta{Name: "tokens-a", Kind: "tokens", Server: "https://a.example/mcp"}); err != nil {
		t.Fatal(err)
	}
	if err := st.Put(ctx, "client-a", []byte(`{}`), tokencache.Meta{Name: "client-a", Kind: "client"}); err != nil {
		t.Fatal(err)
	}
	var warned []string
	n, err := ForgetAll(ctx, st, http.DefaultClient, nil, func(server string, err error) { warned = append(warned, server) })
	if err != nil || n != 2 {
		t.Fatalf("ForgetAll = %d, %v; want 2, nil", n, err)
	}
	if len(warned) != 1 || warned[0] != "https://a.example/mcp" {
		t.Errorf("warnings for %q, want the tokens' server only", warned)
	}
	for _, name := range []string{"tokens-a", "client-a"} {
		if ok, _ := st.Stored(name); ok {
			t.Errorf("%s is still stored", name)
		}
	}
}

// TestForgetAllInAndStoreIn: ForgetAllIn empties a real store, with the
// grant ledger beside it; StoreIn opens nothing until it is used.
func TestForgetAllInAndStoreIn(t *testing.T) {
	ctx := context.Background()
	mode, err := tokencache.ParseMode("file")
	if err != nil {
		t.Fatal(err)
	}
	so := tokencache.Options{Dir: filepath.Join(t.TempDir(), "config"), Mode: mode}
	lazy, r, err := StoreIn(so)
	if err != nil || lazy == nil || r == nil {
		t.Fatalf("StoreIn = %v, %v, %v", lazy, r, err)
	}
	if _, err := os.Stat(so.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("StoreIn opened the folder (%v)", err)
	}
	st, err := tokencache.Open(ctx, so)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Put(ctx, "client-a", []byte(`{}`), tokencache.Meta{Name: "client-a", Kind: "client"}); err != nil {
		t.Fatal(err)
	}
	n, err := ForgetAllIn(ctx, st, http.DefaultClient, func(server string, err error) { t.Errorf("warned for %s: %v", server, err) })
	if err != nil || n != 1 {
		t.Fatalf("ForgetAllIn = %d, %v; want 1, nil", n, err)
	}
	if left, err := st.List(); err != nil || len(left) != 0 {
		t.Errorf("left: %+v, %v", left, err)
	}
}
