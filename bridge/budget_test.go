package bridge

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
)

// TestBudgetWaitsInsteadOfGrowing pins backpressure: a message that finds
// the pool spent waits (holding nothing) until bytes come back.
func TestBudgetWaitsInsteadOfGrowing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBudget(1 << 20)
		a := b.lease()
		if err := a.grow(context.Background(), 1<<20); err != nil {
			t.Fatal(err)
		}
		blocker := b.lease() // takes the large lane so the next one must wait
		blocker.large = true
		b.large <- struct{}{}
		got := make(chan error, 1)
		go func() { l := b.lease(); got <- l.grow(context.Background(), 4096) }()
		synctest.Wait()
		select {
		case err := <-got:
			t.Fatalf("grew past a spent budget: %v", err)
		default:
		}
		a.release()
		synctest.Wait()
		if err := <-got; err != nil {
			t.Fatal(err)
		}
		blocker.release()
	})
}

// TestBudgetNoDeadlockUnderConcurrency: many messages each larger than the
// pool, grown piece by piece at once, all complete (synctest reports a
// deadlock as a failure), and what is held never passes the pool plus one
// message.
func TestBudgetNoDeadlockUnderConcurrency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const pool, msg, piece = 1 << 20, 4 << 20, 64 << 10
		b := newBudget(pool)
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				l := b.lease()
				for grown := 0; grown < msg; grown += piece {
					if err := l.grow(context.Background(), piece); err != nil {
						t.Error(err)
						return
					}
				}
				l.release()
			})
		}
		wg.Wait()
		if hw := b.highWater(); hw > pool+msg {
			t.Errorf("held %d bytes at once, over pool %d + one message %d", hw, pool, msg)
		}
		if b.free != pool || len(b.large) != 0 {
			t.Errorf("budget not whole after every release: free %d, large lane held %v", b.free, len(b.large) != 0)
		}
	})
}

// TestBudgetWaitEndsWithContext: a wait for memory ends with the request.
func TestBudgetWaitEndsWithContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBudget(1024)
		hog := b.lease()
		_ = hog.grow(context.Background(), 1024)
		b.large <- struct{}{}
		ctx, cancel := context.WithCancel(context.Background())
		got := make(chan error, 1)
		go func() { l := b.lease(); got <- l.grow(ctx, 10) }()
		synctest.Wait()
		cancel()
		if err := <-got; !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want the context's error", err)
		}
	})
}

// TestLineTooLongAnsweredByID pins the 1 GiB stdin line at a smaller
// scale: a line past the limit is skipped as it is read (never held), its
// id found from its first bytes, and the next line is read as usual.
func TestLineTooLongAnsweredByID(t *testing.T) {
	long := `{"jsonrpc":"2.0","id":"big-1","method":"tools/call","params":{"x":"` + strings.Repeat("A", 5<<20) + `"}}`
	in := long + "\n" + `{"jsonrpc":"2.0","id":2,"method":"ping"}` + "\n"
	lr := newLineReader(strings.NewReader(in))
	lr.max = 1 << 20
	b := newBudget(DefaultPoolBytes)
	l := b.lease()
	_, err := lr.next(context.Background(), &l)
	var tl *tooLong
	if !errors.As(err, &tl) || string(tl.id) != `"big-1"` {
		t.Fatalf("got %v (id %q), want tooLong with the line's id", err, tl)
	}
	if hw := b.highWater(); hw > int64(lr.max)+64<<10 {
		t.Errorf("held %d bytes of an overlong line; the limit is %d", hw, lr.max)
	}
	l.release()
	next := b.lease()
	line, err := lr.next(context.Background(), &next)
	if err != nil || !bytes.Contains(line, []byte(`"ping"`)) {
		t.Fatalf("next line: %q, %v", line, err)
	}
	if id := leadingID([]byte(`{"method":"x","params":{"id":5},"id":[1]`)); id != nil {
		t.Errorf("an array is no id, nor a nested one: %q", id)
	}
}
