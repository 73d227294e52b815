package tokencache

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Lazy is a Store opened on first use. Stored reads the index alone, so a
// process with nothing stored never creates the folder, sweeps or wakes a
// keychain (a bridge that never signs in never prompts for one); Get, Put,
// Delete and Lock open the store once, and a failed open is tried again at
// the next call.
type Lazy struct {
	o  Options
	mu sync.Mutex
	st *Store
}

// OpenLazily checks o and returns a Lazy that opens the store in o.Dir,
// as Open does, when a secret is first read, written or locked.
func OpenLazily(o Options) (*Lazy, error) {
	if o.Dir == "" {
		return nil, errors.New("tokencache: no config folder")
	}
	return &Lazy{o: o}, nil
}

// open opens the store on first use.
func (l *Lazy) open(ctx context.Context) (*Store, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.st == nil {
		st, err := Open(ctx, l.o)
		if err != nil {
			return nil, fmt.Errorf("open the token store: %w", err)
		}
		l.st = st
	}
	return l.st, nil
}

// Stored reports whether the index names name, opening nothing.
func (l *Lazy) Stored(name string) (bool, error) {
	_, ok, err := Indexed(l.o.Dir, name)
	return ok, err
}

// Get opens the store if need be and reads name (Store.Get).
func (l *Lazy) Get(ctx context.Context, name string) ([]byte, error) {
	st, err := l.open(ctx)
	if err != nil {
		return nil, err
	}
	return st.Get(ctx, name)
}

// Put opens the store if need be and writes name (Store.Put).
func (l *Lazy) Put(ctx context.Context, name string, secret []byte, meta Meta) error {
	st, err := l.open(ctx)
	if err != nil {
		return err
	}
	return st.Put(ctx, name, secret, meta)
}

// Delete opens the store if need be and removes name (Store.Delete).
func (l *Lazy) Delete(ctx context.Context, name string) error {
	st, err := l.open(ctx)
	if err != nil {
		return err
	}
	return st.Delete(ctx, name)
}

// Lock opens the store if need be and takes name's cross-process lock
// (Store.Lock).
func (l *Lazy) Lock(ctx context.Context, name string) (unlock func(), err error) {
	st, err := l.open(ctx)
	if err != nil {
		return nil, err
	}
	return st.Lock(ctx, name)
}
