package transport

import (
	"context"
	"errors"
	"github.com/mcpbridge/mcpbridge/internal/testwait"
	"math"
	"runtime/debug"
	"sync"
	"testing"
	"testing/synctest"
	"time"
	"weak"
)

// TestBudgetWaitsInsteadOfGrowing pins backpressure: a message that finds
// the pool spent waits (holding nothing) until bytes come back.
func TestBudgetWaitsInsteadOfGrowing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := NewBudget(1 << 20)
		a := b.Lease()
		if err := a.Grow(context.Background(), 1<<20); err != nil {
			t.Fatal(err)
		}
		blocker := b.Lease() // takes the large lane so the next one must wait
		blocker.large = true
		b.large <- struct{}{}
		got := make(chan error, 1)
		go func() { l := b.Lease(); got <- l.Grow(context.Background(), 4096) }()
		synctest.Wait()
		select {
		case err := <-got:
			t.Fatalf("grew past a spent budget: %v", err)
		default:
		}
		a.Release()
		synctest.Wait()
		if err := <-got; err != nil {
			t.Fatal(err)
		}
		blocker.Release()
	})
}

// TestBudgetNoDeadlockUnderConcurrency: many messages each larger than the
// pool, grown piece by piece at once, all complete (synctest reports a
// deadlock as a failure), and what is held never passes the pool plus one
// message.
func TestBudgetNoDeadlockUnderConcurrency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const pool, msg, piece = 1 << 20, 4 << 20, 64 << 10
		b := NewBudget(pool)
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				l := b.Lease()
				for grown := 0; grown < msg; grown += piece {
					if err := l.Grow(context.Background(), piece); err != nil {
						t.Error(err)
						return
					}
				}
				l.Release()
			})
		}
		wg.Wait()
		if hw := b.Peak(); hw > pool+msg {
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
		b := NewBudget(1024)
		hog := b.Lease()
		_ = hog.Grow(context.Background(), 1024)
		b.large <- struct{}{}
		ctx, cancel := context.WithCancel(context.Background())
		got := make(chan error, 1)
		go func() { l := b.Lease(); got <- l.Grow(ctx, 10) }()
		synctest.Wait()
		cancel()
		if err := <-got; !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want the context's error", err)
		}
	})
}

// TestLimitMemory: the soft limit is MemoryCeiling, unless GOMEMLIMIT
// sets one.
func TestLimitMemory(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(old)
	debug.SetMemoryLimit(math.MaxInt64)
	t.Setenv("GOMEMLIMIT", "1GiB")
	if LimitMemory(); debug.SetMemoryLimit(-1) != math.MaxInt64 {
		t.Error("the limit changed although GOMEMLIMIT is set")
	}
	t.Setenv("GOMEMLIMIT", "")
	if LimitMemory(); debug.SetMemoryLimit(-1) != MemoryCeiling {
		t.Errorf("limit %d, want MemoryCeiling %d", debug.SetMemoryLimit(-1), MemoryCeiling)
	}
}

// TestReleaseCollectsLargeAnswers: once a lease of a large answer is
// released, its bytes are collected at once rather than when the heap
// next doubles (collectAfter), and a small lease asks for nothing.
func TestReleaseCollectsLargeAnswers(t *testing.T) {
	b := NewBudget(DefaultPoolBytes)
	small := b.Lease()
	if err := small.Grow(context.Background(), 64<<10); err != nil {
		t.Fatal(err)
	}
	small.Release()
	if b.collecting.Load() {
		t.Fatal("releasing 64 KiB started a collection")
	}

	l := b.Lease()
	if err := l.Grow(context.Background(), 8<<20); err != nil {
		t.Fatal(err)
	}
	answer := new([8 << 20]byte)
	answer[0] = '{'
	gone := weak.Make(answer)
	answer = nil
	l.Release()
	// Wait for the collection without looking at gone: Value during the
	// mark would hand the answer back alive and keep it for the cycle.
	testwait.For(t, 10*time.Second, "the collection to finish", func() bool { return !b.collecting.Load() })
	if gone.Value() != nil {
		t.Error("the released answer outlived the collection Release asked for")
	}
}
