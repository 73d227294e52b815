package tokencache

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"

	"github.com/gofrs/flock"
)

// index is credentials.json in the config folder: the non-secret facts
// about every stored secret, for `mcpbridge status`. Each change is a
// read-modify-write under a lock of its own, replaced atomically.
type index struct {
	path string
}

type indexFile struct {
	Version int             `json:"version"`
	Entries map[string]Meta `json:"entries"`
}

func (x *index) read() (indexFile, error) {
	f := indexFile{Version: 1, Entries: map[string]Meta{}}
	b, err := os.ReadFile(x.path)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return f, fmt.Errorf("read the credentials index: %w", err)
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return f, fmt.Errorf("the credentials index %s is damaged: %w", x.path, err)
	}
	if f.Entries == nil {
		f.Entries = map[string]Meta{}
	}
	return f, nil
}

// update changes the index under its lock.
func (x *index) update(change func(*indexFile)) error {
	l := flock.New(x.path+".lock", flock.SetPermissions(0o600))
	if err := l.Lock(); err != nil {
		return fmt.Errorf("lock the credentials index: %w", err)
	}
	defer l.Unlock()
	f, err := x.read()
	if err != nil {
		return err
	}
	change(&f)
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(x.path, b)
}

func (x *index) put(m Meta) error {
	return x.update(func(f *indexFile) { f.Entries[m.Name] = m })
}

func (x *index) remove(name string) error {
	return x.update(func(f *indexFile) { delete(f.Entries, name) })
}

func (x *index) get(name string) (Meta, bool, error) {
	f, err := x.read()
	m, ok := f.Entries[name]
	return m, ok, err
}

func (x *index) list() ([]Meta, error) {
	f, err := x.read()
	out := make([]Meta, 0, len(f.Entries))
	for _, m := range f.Entries {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}
