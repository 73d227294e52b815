package oauthflow

import (
	"context"
	"net/http"
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
