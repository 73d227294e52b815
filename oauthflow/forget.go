package oauthflow

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/mcpbridge/mcpbridge/internal/ledger"
	"github.com/mcpbridge/mcpbridge/tokencache"
)

// ListStore is a Store that can list what it keeps (tokencache.Store).
type ListStore interface {
	Store
	List() ([]tokencache.Meta, error)
}

// Both token stores are what a Flow asks of one; the eager one lists too.
var (
	_ Store     = (*tokencache.Lazy)(nil)
	_ ListStore = (*tokencache.Store)(nil)
)

// ForgetAll signs out of every server: it revokes each stored token record
// at its authorization server where it can (a failure goes to warn, with
// the record's server, and the record is deleted all the same) and deletes
// everything st keeps, recording each logout with r (nil: not). removed
// counts what was deleted.
func ForgetAll(ctx context.Context, st ListStore, hc *http.Client, r Recorder, warn func(server string, err error)) (removed int, err error) {
	entries, err := st.List()
	if err != nil {
		return 0, fmt.Errorf("list the stored credentials: %w", err)
	}
	var errs []error
	for _, e := range entries {
		if e.Kind == "tokens" {
			if raw, err := st.Get(ctx, e.Name); err == nil {
				if err := revokeStored(ctx, hc, r, e, raw); err != nil {
					warn(e.Server, err)
				}
			}
		}
		if err := st.Delete(ctx, e.Name); err != nil {
			errs = append(errs, err)
			continue
		}
		removed++
	}
	return removed, errors.Join(errs...)
}

// ForgetAllIn is ForgetAll on the opened store st, each logout recorded in
// the grant ledger beside it (`mcpbridge logout --all`).
func ForgetAllIn(ctx context.Context, st *tokencache.Store, hc *http.Client, warn func(server string, err error)) (removed int, err error) {
	r, err := ledger.New(ledger.Options{Dir: st.Dir(), Lock: st})
	if err != nil {
		return 0, err
	}
	return ForgetAll(ctx, st, hc, r, warn)
}
