//go:build !windows

package tokencache

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// commitTemp renames the written temporary file over path while still
// holding its lock (where there is one), then closes it, which releases
// the lock. A rename that finds the file gone means a sweeper took it.
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
