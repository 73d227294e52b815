package ledger

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// The ledger's bound: the newest MaxEvents events, and no more than
// MaxBytes of them.
const (
	MaxEvents = 1000
	MaxBytes  = 1 << 20
)

// FileName is the ledger's file in the config folder.
const FileName = "grants.jsonl"

// lockName is the cross-process lock the ledger is written under.
const lockName = "grants"

// Locker is the token store's cross-process lock (tokencache.Store.Lock
// and tokencache.Lazy.Lock meet it).
type Locker interface {
	Lock(ctx context.Context, name string) (unlock func(), err error)
}

// Ledger appends events to the file in a config folder. It implements
// oauthflow.Recorder.
type Ledger struct {
	dir   string
	lock  Locker
	now   func() time.Time
	limit int // events kept; MaxEvents

	self sync.Once
	proc Process
}

// Options configure New. Dir and Lock are required.
type Options struct {
	Dir  string // the config folder (tokencache.DefaultDir)
	Lock Locker
	Now  func() time.Time // default time.Now
	// Keep is how many events are kept; default (and at most) MaxEvents.
	Keep int
}

// New returns the ledger in o.Dir. Nothing is opened until an event is
// recorded.
func New(o Options) (*Ledger, error) {
	if o.Dir == "" || o.Lock == nil {
		return nil, errors.New("ledger: Dir and Lock are required")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Keep <= 0 || o.Keep > MaxEvents {
		o.Keep = MaxEvents
	}
	return &Ledger{dir: o.Dir, lock: o.Lock, now: o.Now, limit: o.Keep}, nil
}

// Path is the ledger file.
func (l *Ledger) Path() string { return filepath.Join(l.dir, FileName) }

// Record appends e, stamped with the time (when zero) and this process,
// under the store's lock, and drops the oldest events beyond the bound.
func (l *Ledger) Record(ctx context.Context, e Event) error {
	if e.Time.IsZero() {
		e.Time = l.now()
	}
	e.Time = e.Time.UTC().Truncate(time.Second)
	e = e.bounded()
	l.self.Do(func() { l.proc = current() })
	e.Process = l.proc
	line, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("ledger: encode the event: %w", err)
	}
	line = append(line, '\n')
	unlock, err := l.lock.Lock(ctx, lockName)
	if err != nil {
		return fmt.Errorf("ledger: lock: %w", err)
	}
	defer unlock()
	return l.append(line)
}

// append adds line to the file, or rewrites the file with the newest
// events when the line would take it past the bound.
func (l *Ledger) append(line []byte) error {
	path := l.Path()
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("ledger: read %s: %w", path, err)
	}
	if bytes.Count(old, []byte("\n"))+1 <= l.limit && len(old)+len(line) <= MaxBytes {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return fmt.Errorf("ledger: open %s: %w", path, err)
		}
		_, werr := f.Write(line)
		return errors.Join(wrap("append to", path, werr), wrap("close", path, f.Close()), wrap("restrict", path, os.Chmod(path, 0o600)))
	}
	return l.rewrite(path, keepNewest(append(old, line...), l.limit, MaxBytes))
}

func wrap(op, path string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("ledger: %s %s: %w", op, path, err)
}

// keepNewest returns the last lines of data: at most n, in at most max bytes.
func keepNewest(data []byte, n, max int) []byte {
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	size, first := 0, len(lines)
	for first > 0 && len(lines)-first < n && size+len(lines[first-1]) <= max {
		first--
		size += len(lines[first])
	}
	return bytes.Join(lines[first:], nil)
}

// rewrite replaces the file with data through a private temporary file
// renamed over it: readers see the old file or the new, never half.
func (l *Ledger) rewrite(path string, data []byte) error {
	tmp, err := os.CreateTemp(l.dir, ".grants-*.tmp") // 0600
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	_, werr := tmp.Write(data)
	if err := errors.Join(werr, tmp.Sync(), tmp.Close()); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("ledger: write %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("ledger: replace %s: %w", path, err)
	}
	return nil
}

// Read returns the events in the ledger in dir, oldest first; none when
// there is no ledger. A damaged line (a crash mid-append) is skipped.
func Read(dir string) ([]Event, error) {
	path := filepath.Join(dir, FileName)
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ledger: read %s: %w", path, err)
	}
	var out []Event
	lines := bufio.NewScanner(bytes.NewReader(raw))
	lines.Buffer(nil, MaxBytes)
	for lines.Scan() {
		var e Event
		if json.Unmarshal(lines.Bytes(), &e) == nil && e.Event != "" {
			out = append(out, e)
		}
	}
	return out, nil
}
