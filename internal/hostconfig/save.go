package hostconfig

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// ErrChanged is returned by Save when the file changed on disk since it was
// read (the host rewrote it meanwhile): nothing was written.
var ErrChanged = errors.New("the file changed while it was being edited")

// Read returns the file's content, empty when it does not exist yet.
func Read(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return b, nil
}

// Saver writes configuration files safely. The zero value is ready to use.
type Saver struct {
	Now func() time.Time // names the backup; time.Now when nil

	rename func(from, to string) error // os.Rename; tests make it fail
}

// Save replaces the file at path, whose content was before (nil: it did not
// exist), with after. An existing file is first copied to a timestamped
// backup, whose path is returned. The new content goes to a temporary file
// in the same folder, is synced and renamed over the file (through a
// symbolic link to its target), keeping the file's mode; a new file gets
// 0600 and its folder is created. On any error the original is untouched.
func (s Saver) Save(path string, before, after []byte) (backup string, err error) {
	target, mode, err := resolve(path)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return "", fmt.Errorf("create the folder for %s: %w", path, err)
	}
	now, _ := Read(target)
	if !bytes.Equal(now, before) {
		return "", fmt.Errorf("%s: %w; run the command again", path, ErrChanged)
	}
	if before != nil {
		if backup, err = s.backup(target, before, mode); err != nil {
			return "", err
		}
	}
	if err := s.replace(target, after, mode); err != nil {
		return backup, err
	}
	return backup, nil
}

// resolve follows a symbolic link (dotfile managers link these files) and
// returns the real path and the mode the new file gets.
func resolve(path string) (string, fs.FileMode, error) {
	target, err := filepath.EvalSymlinks(path)
	if errors.Is(err, fs.ErrNotExist) {
		return path, 0o600, nil
	}
	if err != nil {
		return "", 0, fmt.Errorf("follow %s: %w", path, err)
	}
	fi, err := os.Stat(target)
	if err != nil {
		return "", 0, fmt.Errorf("%s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return "", 0, fmt.Errorf("%s is not a regular file", path)
	}
	return target, fi.Mode().Perm(), nil
}

// backup writes content to path.YYYYMMDD-HHMMSS.bak (a -N suffix when two
// land in the same second); an existing backup is never overwritten.
func (s Saver) backup(path string, content []byte, mode fs.FileMode) (string, error) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	stamp := now().Format("20060102-150405")
	for i := 0; i < 100; i++ {
		name := path + "." + stamp + ".bak"
		if i > 0 {
			name = fmt.Sprintf("%s.%s-%d.bak", path, stamp, i)
		}
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("back up %s: %w", path, err)
		}
		_, err = f.Write(content)
		if err = errors.Join(err, f.Sync(), f.Close()); err != nil {
			_ = os.Remove(name)
			return "", fmt.Errorf("back up %s: %w", path, err)
		}
		return name, nil
	}
	return "", fmt.Errorf("back up %s: too many backups from this second", path)
}

// replace writes a temporary file next to path and renames it over path.
func (s Saver) replace(path string, content []byte, mode fs.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	_, err = f.Write(content)
	err = errors.Join(err, f.Chmod(mode), f.Sync(), f.Close())
	if err == nil {
		rename := os.Rename
		if s.rename != nil {
			rename = s.rename
		}
		err = rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	syncDir(filepath.Dir(path))
	return nil
}

// syncDir makes the rename durable where the OS allows syncing a folder.
func syncDir(dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
