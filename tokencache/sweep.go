package tokencache

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Sweep removes what interrupted writes left behind, in any process that
// died mid-write (SIGKILL, power loss):
//
//   - temporary files of writeFileAtomic (a full copy of a secret, or of
//     the index) whose writer is dead: a live writer holds a lock on its
//     temporary file from creation to rename, and Sweep takes that lock
//     without waiting, so it never removes a file about to be renamed;
//   - secret files the index does not name as file-backed (a crash between
//     writing the secret and its index entry, or after a switch of backend
//     before the old copy went): Put holds the name's write lock over both
//     writes, and Sweep removes an orphan only under that lock, after
//     reading the index again;
//   - keychain chunks of a split secret whose write was interrupted (see
//     keychain.put's journal).
//
// Open calls it. It never waits for a live writer: what such a writer
// leaves if it dies later goes at the next Open.
func (s *Store) Sweep(ctx context.Context) error {
	secrets := filepath.Join(s.dir, "secrets")
	return errors.Join(
		sweepTemps(s.dir),
		sweepTemps(secrets),
		s.sweepOrphans(secrets),
		s.sweepJournals(ctx),
	)
}

// sweepTemps removes the abandoned temporary files in dir.
func sweepTemps(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sweep %s: %w", dir, err)
	}
	var errs []error
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tempPrefix) && e.Type().IsRegular() {
			_, err := removeAbandoned(filepath.Join(dir, e.Name()))
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// sweepOrphans removes the secret files in dir that the index does not
// name as file-backed. A damaged index removes nothing.
func (s *Store) sweepOrphans(dir string) error {
	idx, err := s.index.read()
	if err != nil {
		return fmt.Errorf("sweep orphaned secrets: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("sweep %s: %w", dir, err)
	}
	var errs []error
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".secret")
		if !ok || validName(name) != nil || idx.Entries[name].Backend == "file" {
			continue
		}
		errs = append(errs, s.removeOrphan(dir, name))
	}
	return errors.Join(errs...)
}

// removeOrphan removes name's secret file if, under its write lock, the
// index still does not name it: no Put of name is under way anywhere.
func (s *Store) removeOrphan(dir, name string) error {
	unlock, ok, err := s.tryWriteLock(name)
	if err != nil || !ok {
		return err // a live Put: its index entry is on the way
	}
	defer unlock()
	if m, named, err := s.index.get(name); err != nil || (named && m.Backend == "file") {
		return err
	}
	err = os.Remove(filepath.Join(dir, name+".secret"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove the orphaned secret %s: %w", name, err)
	}
	return nil
}
