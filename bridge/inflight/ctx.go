package inflight

import (
	"context"
	"sync"
	"time"
)

// Ctx is the context of one send of a call to the server. It ends when the
// call is aborted (Call.Abort: the client cancelled the request, or the
// bridge is shutting down), when the send is over (Scope.Finish) or when
// its Scope ends.
//
// It is context.WithCancel made cheap for the hot path: that, plus the
// context.AfterFunc the HTTP/1.1 exchange puts on it, cost each message
// seven allocations and 1.2 µs. A Ctx is one allocation, and keeps the
// functions to run at its end itself (Watch and Unwatch, which
// internal/httpclient's exchanges ask for, and AfterFunc, which
// context.WithCancel and friends use for a context made from it).
//
// A Ctx carries no values: the bridge's context, its Scope's parent,
// holds none.
type Ctx struct {
	prev, next *Ctx // the scope's live contexts; these three are guarded by Scope.mu
	linked     bool

	mu     sync.Mutex
	err    error
	done   chan struct{} // made by the first Done
	watch  []func()      // run at the end, each on a goroutine; nil: unwatched
	inline [2]func()     // watch's first room: an exchange needs one
}

var _ context.Context = (*Ctx)(nil)

func (c *Ctx) Deadline() (time.Time, bool) { return time.Time{}, false }
func (c *Ctx) Value(any) any               { return nil }

func (c *Ctx) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done == nil {
		c.done = make(chan struct{})
		if c.err != nil {
			close(c.done)
		}
	}
	return c.done
}

func (c *Ctx) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Watch arranges for f to run, on a goroutine of its own, when c ends
// (at once when it has), as context.AfterFunc does, and returns the slot
// to Unwatch it by.
func (c *Ctx) Watch(f func()) int {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		go f()
		return -1
	}
	if c.watch == nil {
		c.watch = c.inline[:0]
	}
	for i, w := range c.watch {
		if w == nil {
			c.watch[i] = f
			c.mu.Unlock()
			return i
		}
	}
	c.watch = append(c.watch, f)
	slot := len(c.watch) - 1
	c.mu.Unlock()
	return slot
}

// Unwatch forgets the function in slot and reports whether that kept it
// from running, as the stop function of context.AfterFunc does.
func (c *Ctx) Unwatch(slot int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if slot < 0 || slot >= len(c.watch) || c.watch[slot] == nil {
		return false
	}
	c.watch[slot] = nil
	return true
}

// AfterFunc is Watch in context.AfterFunc's shape; the context package
// calls it for a context derived from c.
func (c *Ctx) AfterFunc(f func()) (stop func() bool) {
	slot := c.Watch(f)
	return func() bool { return c.Unwatch(slot) }
}

// cancel ends c with err; the first end is the one that counts.
func (c *Ctx) cancel(err error) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	c.err = err
	if c.done != nil {
		close(c.done)
	}
	watch := c.watch
	c.watch = nil
	c.mu.Unlock()
	for _, f := range watch {
		if f != nil {
			go f()
		}
	}
}

// Scope is the lifetime the sends share: when its parent context ends,
// every Ctx still live ends with it.
type Scope struct {
	mu   sync.Mutex
	head *Ctx
	err  error // the parent's, once it ended
}

// NewScope returns the scope of parent, which must carry no values.
func NewScope(parent context.Context) *Scope {
	s := &Scope{}
	context.AfterFunc(parent, func() { s.end(parent.Err()) })
	return s
}

// Start returns the context of a new send: live until Finish, or already
// ended when the scope has.
func (s *Scope) Start() *Ctx {
	c := &Ctx{}
	s.mu.Lock()
	if s.err != nil {
		c.err = s.err
	} else {
		c.next, c.linked = s.head, true
		if s.head != nil {
			s.head.prev = c
		}
		s.head = c
	}
	s.mu.Unlock()
	return c
}

// Finish ends the context of a send that is over, as the cancel of
// context.WithCancel does: whatever still holds it sees it ended.
func (s *Scope) Finish(c *Ctx) {
	s.mu.Lock()
	s.unlink(c)
	s.mu.Unlock()
	c.cancel(context.Canceled)
}

func (s *Scope) unlink(c *Ctx) {
	if !c.linked {
		return
	}
	if c.prev != nil {
		c.prev.next = c.next
	} else {
		s.head = c.next
	}
	if c.next != nil {
		c.next.prev = c.prev
	}
	c.prev, c.next, c.linked = nil, nil, false
}

// end ends every live context with err.
func (s *Scope) end(err error) {
	s.mu.Lock()
	s.err = err
	var live []*Ctx
	for s.head != nil {
		c := s.head
		s.unlink(c)
		live = append(live, c)
	}
	s.mu.Unlock()
	for _, c := range live {
		c.cancel(err)
	}
}
