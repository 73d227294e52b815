//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd || windows)

package tokencache

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// Without flock(2) a live writer cannot be told from a dead one: temporary
// files are never swept here.

func lockTemp(*os.File) error { return nil }

func commitTemp(tmp *os.File, path string) error {
	err := os.Rename(tmp.Name(), path)
	cerr := tmp.Close()
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return errTempSwept
	case err != nil:
		return fmt.Errorf("replace %s: %w", path, err)
	case cerr != nil:
		return fmt.Errorf("close %s: %w", tmp.Name(), cerr)
	}
	return nil
}

func removeAbandoned(string) (bool, error) { return false, nil }
