package tokencache

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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

// writeFileAtomic replaces path with data, 0600, so that a reader sees the
// old content or the new, never a part.
func writeFileAtomic(path string, data []byte) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("create a temporary file: %w", err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("restrict %s: %w", tmp.Name(), err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	return nil
}
