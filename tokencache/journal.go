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

// A chunk journal names the keychain items a split secret's write may
// leave unnamed if it is interrupted: go-keyring cannot list items, so
// what is not written down before the chunks would never be found again.
// It is DIR/secrets/.chunks-NAME.json (names never start with '.'), holds
// only chunk headers ("v1-chunked:N:SHA": a count and a digest, no
// secret), is written before the first chunk and removed once the old
// version's chunks are gone.

const journalPrefix, journalSuffix = ".chunks-", ".json"

type journal struct {
	// Heads are the chunked headers of the versions being replaced and
	// written; every one that is not the item's header after the write
	// names orphans.
	Heads []string `json:"heads"`
}

func (k *keychain) journalPath(name string) string {
	return filepath.Join(k.journal, journalPrefix+name+journalSuffix)
}

// begin records heads (those that name chunks) before a write touches
// any chunk; it returns whether it wrote a journal.
func (k *keychain) begin(name string, heads ...string) (bool, error) {
	var j journal
	for _, h := range heads {
		if _, _, err := parseHeader(h); err == nil {
			j.Heads = append(j.Heads, h)
		}
	}
	if len(j.Heads) == 0 {
		return false, nil
	}
	b, err := json.Marshal(j)
	if err != nil {
		return false, err
	}
	if err := privateDir(k.journal); err != nil {
		return false, err
	}
	if err := writeFileAtomic(k.journalPath(name), b); err != nil {
		return false, fmt.Errorf("record the keychain items of %s: %w", name, err)
	}
	return true, nil
}

// finish removes the chunks of every journaled version that is not the
// current header, then the journal. A keychain error keeps the journal for
// the next sweep.
func (k *keychain) finish(ctx context.Context, name string) error {
	b, err := os.ReadFile(k.journalPath(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read the keychain journal of %s: %w", name, err)
	}
	var j journal
	if err := json.Unmarshal(b, &j); err != nil {
		return os.Remove(k.journalPath(name)) // not ours to follow: names nothing usable
	}
	current, err := k.getItem(ctx, name)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("read %s from the keychain: %w", name, err)
	}
	for _, h := range j.Heads {
		if h != current {
			if err := k.deleteChunks(ctx, name, h); err != nil {
				return fmt.Errorf("remove stale keychain items of %s: %w", name, err)
			}
		}
	}
	return os.Remove(k.journalPath(name))
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
	return s.keychain.finish(ctx, name)
}
