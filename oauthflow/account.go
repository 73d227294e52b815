package oauthflow

import (
	"context"
	"fmt"
	"unicode"

	"github.com/mcpbridge/mcpbridge/tokencache"
)

// accountStore keeps an account's credentials apart (Config.Account,
// --account): every name the flow uses — tokens, registrations, locks —
// becomes the account's own (tokencache.AccountName), and every index
// entry says whose it is, so `status` and `grants` can tell them apart.
type accountStore struct {
	Store
	account string
}

func (s accountStore) name(n string) string { return tokencache.AccountName(n, s.account) }

func (s accountStore) Stored(name string) (bool, error) { return s.Store.Stored(s.name(name)) }

func (s accountStore) Get(ctx context.Context, name string) ([]byte, error) {
	return s.Store.Get(ctx, s.name(name))
}

func (s accountStore) Put(ctx context.Context, name string, secret []byte, meta tokencache.Meta) error {
	meta.Account = s.account
	return s.Store.Put(ctx, s.name(name), secret, meta)
}

func (s accountStore) Delete(ctx context.Context, name string) error {
	return s.Store.Delete(ctx, s.name(name))
}

func (s accountStore) Lock(ctx context.Context, name string) (func(), error) {
	return s.Store.Lock(ctx, s.name(name))
}

// checkAccount refuses an account name that would not show inert on a
// terminal or fit a line: printable, at most 64 characters.
func checkAccount(name string) error {
	if len(name) > 64 {
		return fmt.Errorf("--account %.20q…: at most 64 characters", name)
	}
	for _, r := range name {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("--account %q: only printable characters", name)
		}
	}
	return nil
}
