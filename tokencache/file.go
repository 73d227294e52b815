package tokencache

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// fileBackend keeps each secret in a file readable by the user alone (0600
// in a 0700 folder), replaced atomically (write a temporary file, sync,
// rename), for machines without a keychain.
type fileBackend struct {
	dir string
}

func (f *fileBackend) name() string { return "file" }

func (f *fileBackend) path(name string) string { return filepath.Join(f.dir, name+".secret") }

func (f *fileBackend) get(_ context.Context, name string) ([]byte, error) {
	if err := validName(name); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(f.path(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	return b, err
}

func (f *fileBackend) put(_ context.Context, name string, secret []byte) error {
	if err := validName(name); err != nil {
		return err
	}
	if err := privateDir(f.dir); err != nil {
		return err
	}
	return writeFileAtomic(f.path(name), secret)
}

func (f *fileBackend) delete(_ context.Context, name string) error {
	if err := validName(name); err != nil {
		return err
	}
	err := os.Remove(f.path(name))
	if errors.Is(err, fs.ErrNotExist) {
		return ErrNotFound
	}
	return err
}

// tempPrefix starts the name of every temporary file writeFileAtomic
// makes; Sweep removes those whose writer died.
const tempPrefix = ".tmp-"

// freshTemp is how long Sweep leaves a temporary file its lock cannot
// vouch for: an empty one (its writer may not have locked it yet) and, on
// Windows, any one (its writer may be between close and rename).
const freshTemp = time.Minute

// errTempSwept says a temporary file vanished before its rename (a sweeper
// misjudged it; it should not happen): write again.
var errTempSwept = errors.New("the temporary file was removed by another process")

// writeFileAtomic replaces path with data, 0600, so that a reader sees the
// old content or the new, never a part. The temporary file is locked by
// its writer from creation to rename, so Sweep, in any process, removes it
// only once that writer is dead.
func writeFileAtomic(path string, data []byte) error {
	for range 3 {
		if err := writeTemp(path, data); !errors.Is(err, errTempSwept) {
			return err
		}
	}
	return fmt.Errorf("replace %s: %w, three times", path, errTempSwept)
}

func writeTemp(path string, data []byte) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), tempPrefix+"*")
	if err != nil {
		return fmt.Errorf("create a temporary file: %w", err)
	}
	committed := false
	defer func() {
		if !committed { // close first: Windows cannot remove an open file
			tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := lockTemp(tmp); err != nil {
		return err
	}
	if err := tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("restrict %s: %w", tmp.Name(), err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", tmp.Name(), err)
	}
	committed = true
	if err := commitTemp(tmp, path); err != nil {
		_ = os.Remove(tmp.Name())
		return err
	}
	return nil
}
