//go:build windows

package tokencache

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"time"
)

// lockTemp does nothing on Windows: Go opens files without
// FILE_SHARE_DELETE, so while the writer's handle is open no other process
// can remove the file, and the handle dies with the process.
func lockTemp(*os.File) error { return nil }

// commitTemp closes the temporary file and renames it over path (Windows
// cannot rename a file open without FILE_SHARE_DELETE). A sweeper may
// remove it between the two: the rename then fails and the write starts
// over.
func commitTemp(tmp *os.File, path string) error {
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp.Name(), err)
	}
	err := os.Rename(tmp.Name(), path)
	if errors.Is(err, fs.ErrNotExist) {
		return errTempSwept
	}
	if err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	return nil
}

// errorSharingViolation is Win32's ERROR_SHARING_VIOLATION: another handle
// has the file open without FILE_SHARE_DELETE.
const errorSharingViolation = syscall.Errno(32)

// removeAbandoned removes the temporary file at path unless a writer has it
// open (the removal then fails with a sharing violation) or it is younger
// than freshTemp (its writer may be between close and rename).
func removeAbandoned(path string) (bool, error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("stat %s: %w", path, err)
	}
	if time.Since(fi.ModTime()) < freshTemp {
		return false, nil
	}
	err = os.Remove(path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, errorSharingViolation):
		return false, nil
	}
	return false, fmt.Errorf("remove %s: %w", path, err)
}
