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
	ok, err := l.TryLockContext(ctx, 25*time.Millisecond)
	if err != nil {
		return nil, fmt.Errorf("wait for another mcpbridge holding %s: %w", name, err)
	}
	if !ok {
		return nil, fmt.Errorf("could not lock %s", name)
	}
	return func() { _ = l.Unlock() }, nil
}
