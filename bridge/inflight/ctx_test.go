package inflight

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
)

func ended(ctx context.Context) bool {
	select {
	case <-ctx.Done():
		return true
	default:
		return false
	}
}

// A send's context ends when the send is over, as WithCancel's cancel
// ends it: Err, Done, the watches and what was derived from it.
func TestCtxFinishEndsIt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		parent, stop := context.WithCancel(context.Background())
		defer stop()
		s := NewScope(parent)
		c := s.Start()
		var ran atomic.Int32
		c.Watch(func() { ran.Add(1) })
		derived, cancelDerived := context.WithCancel(c)
		defer cancelDerived()
		after := make(chan struct{})
		context.AfterFunc(c, func() { close(after) })
		if c.Err() != nil || ended(c) || ended(derived) {
			t.Fatal("a live send's context has ended")
		}
		s.Finish(c)
		synctest.Wait()
		if !errors.Is(c.Err(), context.Canceled) || !ended(c) {
			t.Fatalf("Err = %v after Finish, want context.Canceled and Done closed", c.Err())
		}
		if ran.Load() != 1 {
			t.Errorf("the watch ran %d times, want 1", ran.Load())
		}
		if !ended(derived) || !errors.Is(context.Cause(derived), context.Canceled) {
			t.Errorf("a context derived from it did not end with it: %v", context.Cause(derived))
		}
		select {
		case <-after:
		default:
			t.Error("context.AfterFunc on it did not run")
		}
		if !errors.Is(context.Cause(c), context.Canceled) {
			t.Errorf("Cause = %v, want context.Canceled", context.Cause(c))
		}
		s.Finish(c) // twice: nothing more happens
		if c.Watch(func() { ran.Add(1) }) != -1 {
			t.Error("Watch on an ended context gave a slot")
		}
		synctest.Wait()
		if ran.Load() != 2 {
			t.Errorf("a watch put on an ended context did not run at once (%d runs)", ran.Load())
		}
	})
}

// Unwatch keeps a function from running, and says so, as the stop of
// context.AfterFunc does; slots are reused.
func TestCtxUnwatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewScope(context.Background())
		c := s.Start()
		var ran [4]atomic.Bool
		slots := make([]int, 4)
		for i := range slots {
			slots[i] = c.Watch(func() { ran[i].Store(true) })
		}
		if !c.Unwatch(slots[1]) || c.Unwatch(slots[1]) {
			t.Fatal("Unwatch did not report stopping the function exactly once")
		}
		if again := c.Watch(func() { ran[1].Store(true) }); again != slots[1] {
			t.Errorf("a freed slot was not reused: got %d, want %d", again, slots[1])
		}
		if !c.Unwatch(slots[1]) || !c.Unwatch(slots[3]) {
			t.Fatal("Unwatch of a watched slot reported false")
		}
		s.Finish(c)
		synctest.Wait()
		if !ran[0].Load() || ran[1].Load() || !ran[2].Load() || ran[3].Load() {
			t.Errorf("runs %v, want only the watches left in place (0 and 2)", []bool{ran[0].Load(), ran[1].Load(), ran[2].Load(), ran[3].Load()})
		}
		if c.Unwatch(slots[0]) {
			t.Error("Unwatch after the end reported stopping a function that ran")
		}
	})
}

// The scope's end ends every send still live, with the parent's error,
// and a send started after it starts ended.
func TestScopeEndEndsLiveSends(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		parent, stop := context.WithCancel(context.Background())
		s := NewScope(parent)
		a, b, c := s.Start(), s.Start(), s.Start()
		s.Finish(b) // over before the end: unlinked from the middle
		stop()
		synctest.Wait()
		for i, x := range []*Ctx{a, c} {
			if !ended(x) || !errors.Is(x.Err(), context.Canceled) {
				t.Errorf("live send %d: Err = %v after the scope ended", i, x.Err())
			}
		}
		late := s.Start()
		if !ended(late) || late.Err() == nil {
			t.Error("a send started after the scope ended is live")
		}
		s.Finish(late)
		s.Finish(a)
	})
}

// A call aborted before its send started ends that send's context at
// once; one aborted during it ends it then.
func TestCallAbortEndsItsSend(t *testing.T) {
	s := NewScope(context.Background())
	early := &Call{}
	early.Abort()
	c1 := s.Start()
	early.Carry(c1)
	if !ended(c1) {
		t.Error("the send of a call aborted before it started is live")
	}
	late := &Call{}
	c2 := s.Start()
	late.Carry(c2)
	if ended(c2) {
		t.Fatal("a send ended before its call was aborted")
	}
	late.Abort()
	if !ended(c2) {
		t.Error("Abort did not end the send's context")
	}
	s.Finish(c1)
	s.Finish(c2)
}

// Starts, finishes, aborts and the scope's end race without losing an end
// (run with -race).
func TestScopeRaces(t *testing.T) {
	synctest.Test(t, scopeRaces)
}

func scopeRaces(t *testing.T) {
	parent, stop := context.WithCancel(context.Background())
	s := NewScope(parent)
	var wg sync.WaitGroup
	starts := make(chan *Ctx, 800)
	for range 4 {
		wg.Go(func() {
			for range 200 {
				c := s.Start()
				starts <- c
				call := &Call{}
				call.Carry(c)
				slot := c.Watch(func() {})
				if slot%2 == 0 {
					call.Abort()
				}
				c.Unwatch(slot)
				if slot%3 == 0 {
					s.Finish(c)
				}
			}
		})
	}
	wg.Go(stop)
	wg.Wait()
	synctest.Wait() // the scope's end runs on a goroutine of its own
	close(starts)
	s.mu.Lock()
	live := s.head
	s.mu.Unlock()
	if live != nil {
		t.Error("a send is still linked after the scope ended")
	}
	for c := range starts {
		if !ended(c) {
			t.Fatal("a send outlived the scope's end")
		}
	}
}
