//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package tokencache

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"time"
)

// lockTemp takes an exclusive flock(2) on a temporary file its writer has
// just created, before writing anything; it lasts until the writer closes
// the file, after the rename, and dies with the writer's process. It waits
// only for a sweeper looking at the still empty file, which leaves it.
func lockTemp(f *os.File) error {
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("lock %s: %w", f.Name(), err)
	}
	return nil
}

// removeAbandoned removes the temporary file at path if no writer holds its
// lock (taken without waiting): its writer died before the rename. An
// empty file may be a live writer's, created but not yet locked: it goes
// only once older than freshTemp. It reports whether it removed the file.
func removeAbandoned(path string) (bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil // renamed or removed meanwhile
	}
	if err != nil {
		return false, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close() // releases the lock, after the removal
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return false, nil // a live writer
		}
		return false, fmt.Errorf("lock %s: %w", path, err)
	}
	locked, err1 := f.Stat()
	named, err2 := os.Lstat(path)
	if err1 != nil || err2 != nil || !os.SameFile(locked, named) {
		return false, nil // the name moved on to another file meanwhile
	}
	if locked.Size() == 0 && time.Since(locked.ModTime()) < freshTemp {
		return false, nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("remove %s: %w", path, err)
	}
	return true, nil
}
