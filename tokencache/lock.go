package tokencache

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
)

// Lock takes the cross-process lock for name, waiting until ctx's deadline.
// It guards a read → refresh (or log in) → write sequence: the holder does
// the work, the others wait and then re-read what it stored, so a rotating
// refresh token is never spent twice. The lock is a separate .lock file
// (Windows locks are mandatory: never lock the data itself), and the OS
// drops it when its holder dies, so a crashed process never blocks the rest.
func (s *Store) Lock(ctx context.Context, name string) (unlock func(), err error) {
	if err := validName(name); err != nil {
		return nil, err
	}
	if err := privateDir(s.locks); err != nil {
		return nil, err
	}
	l := flock.New(filepath.Join(s.locks, name+".lock"), flock.SetPermissions(0o600))
	return take(ctx, l, 25*time.Millisecond, "holding "+name, name)
}

// take locks l, polling every poll until ctx's deadline. who says what
// the other process is doing in the error, what what could not be locked.
func take(ctx context.Context, l *flock.Flock, poll time.Duration, who, what string) (unlock func(), err error) {
	ok, err := l.TryLockContext(ctx, poll)
	if err != nil {
		return nil, fmt.Errorf("wait for another mcpbridge %s: %w", who, err)
	}
	if !ok {
		return nil, fmt.Errorf("could not lock %s", what)
	}
	return func() { _ = l.Unlock() }, nil
}

// writeLockFile is the lock Put holds while it writes name's secret and
// then its index entry, so that Sweep never takes a secret written a moment
// before its entry for an orphan. Names never start with '.', so it never
// meets a Lock file.
func (s *Store) writeLockFile(name string) *flock.Flock {
	return flock.New(filepath.Join(s.locks, ".put-"+name+".lock"), flock.SetPermissions(0o600))
}

// writeLock takes name's write lock, waiting until ctx's deadline.
func (s *Store) writeLock(ctx context.Context, name string) (unlock func(), err error) {
	if err := privateDir(s.locks); err != nil {
		return nil, err
	}
	return take(ctx, s.writeLockFile(name), 5*time.Millisecond, "writing "+name, name+" for writing")
}

// tryWriteLock takes name's write lock if no one holds it, without waiting.
func (s *Store) tryWriteLock(name string) (unlock func(), ok bool, err error) {
	l := s.writeLockFile(name)
	ok, err = l.TryLock()
	if err != nil || !ok {
		return nil, false, err
	}
	return func() { _ = l.Unlock() }, true, nil
}
