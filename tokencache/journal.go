package tokencache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// A keychain journal names the keychain items a write or a removal is
// touching, for as long as the index may not name them: go-keyring cannot
// list items, so what is not written down first would never be found again
// after a crash. It is DIR/secrets/.chunks-NAME.json (names never start
// with '.'), holds only chunk headers ("v1-chunked:N:SHA": a count and a
// digest, no secret), is written before the first item is touched and
// removed (settle) once the index is written, under the name's write lock.

const journalPrefix, journalSuffix = ".chunks-", ".json"

type journal struct {
	// Heads are the chunked headers of the versions being replaced,
	// written or removed; every one that is not the item's header
	// afterwards names orphans.
	Heads []string `json:"heads"`
}

func (k *keychain) journalPath(name string) string {
	return filepath.Join(k.journal, journalPrefix+name+journalSuffix)
}

// begin records that name's items are about to change, with the heads
// that name chunks, before the first item is touched.
func (k *keychain) begin(name string, heads ...string) error {
	j := journal{Heads: []string{}}
	for _, h := range heads {
		if _, _, err := parseHeader(h); err == nil {
			j.Heads = append(j.Heads, h)
		}
	}
	b, err := json.Marshal(j)
	if err != nil {
		return err
	}
	if err := privateDir(k.journal); err != nil {
		return err
	}
	if err := writeFileAtomic(k.journalPath(name), b); err != nil {
		return fmt.Errorf("record the keychain items of %s: %w", name, err)
	}
	return nil
}

// finish removes the chunks of every journaled version that is not the
// current header, and, unless keep (the index names name as a keychain
// secret), the current secret too; then the journal. A keychain error
// keeps the journal for the next sweep.
func (k *keychain) finish(ctx context.Context, name string, keep bool) error {
	b, err := os.ReadFile(k.journalPath(name))
	if err != nil {
		return fmt.Errorf("read the keychain journal of %s: %w", name, err)
	}
	var j journal
	if err := json.Unmarshal(b, &j); err != nil {
		return os.Remove(k.journalPath(name)) // damaged: names nothing usable
	}
	current, getErr := k.getItem(ctx, name)
	if getErr != nil && !errors.Is(getErr, ErrNotFound) {
		return fmt.Errorf("read %s from the keychain: %w", name, getErr)
	}
	for _, h := range j.Heads {
		if h != current || !keep {
			if err := k.deleteChunks(ctx, name, h); err != nil {
				return fmt.Errorf("remove stale keychain items of %s: %w", name, err)
			}
		}
	}
	if getErr == nil && !keep { // a secret the index never came to name
		if err := errors.Join(k.deleteChunks(ctx, name, current), ignoreNotFound(k.deleteItem(ctx, name))); err != nil {
			return fmt.Errorf("remove the keychain secret %s the index does not name: %w", name, err)
		}
	}
	return os.Remove(k.journalPath(name))
}

// settle finishes name's keychain journal, if there is one, keeping what
// the index names. The caller holds name's write lock.
func (s *Store) settle(ctx context.Context, name string) error {
	if _, err := os.Stat(s.keychain.journalPath(name)); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	m, ok, err := s.index.get(name)
	if err != nil {
		return err // a damaged index decides nothing
	}
	return s.keychain.finish(ctx, name, ok && m.Backend == "keychain")
}

// sweepJournals finishes the journals whose writer is gone (the name's
// write lock is free). It touches the keychain only if one is left.
func (s *Store) sweepJournals(ctx context.Context) error {
	entries, err := os.ReadDir(s.keychain.journal)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("sweep %s: %w", s.keychain.journal, err)
	}
	var errs []error
	for _, e := range entries {
		name, ok := strings.CutPrefix(e.Name(), journalPrefix)
		name, ok2 := strings.CutSuffix(name, journalSuffix)
		if !ok || !ok2 || validName(name) != nil {
			continue
		}
		errs = append(errs, s.finishAbandoned(ctx, name))
	}
	return errors.Join(errs...)
}

func (s *Store) finishAbandoned(ctx context.Context, name string) error {
	unlock, ok, err := s.tryWriteLock(name)
	if err != nil || !ok {
		return err // a live Put will finish it
	}
	defer unlock()
	return s.settle(ctx, name)
}
