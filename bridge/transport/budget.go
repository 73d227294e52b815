package transport

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
)

// The memory budget: a ceiling on the bytes the bridge holds for messages
// in flight — stdin lines not yet sent, server answers and events not yet
// written to stdout — whatever the concurrency, so that a server sending
// many large answers at once (or a client sending large lines) cannot push
// the bridge to gigabytes. A reader asks before it appends a piece; when
// the budget is spent it waits (backpressure: the server's TCP window
// fills, stdin stops being read) instead of growing.
//
// Two lanes keep waiting free of deadlock. Every message draws on a shared
// pool first. A message that needs more than the pool has left moves to the
// large lane, which one message holds at a time and which always has room
// for a message of the largest allowed size (jsonrpc.MaxMessageBytes): its holder never
// waits on the budget, so it finishes, and the others follow in turn. A
// message waits only for the pool while it holds nothing, or for the large
// lane; neither wait can form a cycle. Peak memory is the pool plus one
// largest message.

// DefaultPoolBytes is the shared pool's size.
const DefaultPoolBytes = 32 << 20

// MemoryCeiling is what a process running one bridge may hold for
// messages (one largest message, the pool) plus room for everything else:
// the soft memory limit LimitMemory gives the runtime (runtime/debug
// SetMemoryLimit), so that garbage is collected before it doubles the peak.
const MemoryCeiling = jsonrpc.MaxMessageBytes + DefaultPoolBytes + 64<<20

// LimitMemory sets the process's soft memory limit just above what the
// bridge may hold (MemoryCeiling), for cmd/mcpbridge at its start: garbage
// from one large answer is collected before the next grows, so peak memory
// stays near the budget. GOMEMLIMIT wins.
func LimitMemory() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(MemoryCeiling)
	}
}

// Budget is the bridge's memory ceiling. The zero value is unusable; see
// newBudget. A nil *Budget grants everything (tests of pieces in isolation).
type Budget struct {
	mu    sync.Mutex
	free  int64         // bytes left in the pool
	freed chan struct{} // closed when bytes return to the pool; nil while no one waits
	large chan struct{} // the large lane's one token

	pool    int64 // the pool's size
	inLarge int64 // bytes the large lane's holder has grown by
	peak    int64 // the most bytes held at once (pool in use + large lane)

	collecting atomic.Bool // a collection asked for by Release is running
}

// collectAfter is the size from which releasing a lease asks the runtime
// for a collection. A large answer's bytes are garbage once it is written
// out, but the heap goal after a collection that saw them alive is twice
// their size, so the next large answer would be allocated beside them and
// the peak would double (Go's GC guide, "GOGC"). Collecting as they die
// keeps the peak at one large answer; a collection finds little else alive
// here, so it costs well under a millisecond against the milliseconds the
// answer took to read and write.
const collectAfter = 1 << 20

func NewBudget(pool int64) *Budget {
	return &Budget{free: pool, pool: pool, large: make(chan struct{}, 1)}
}

// Lease is what one message holds of the budget. Releasing it leaves it
// empty, so a second release does nothing.
type Lease struct {
	b     *Budget
	small int64 // bytes drawn from the pool
	large bool  // holds the large lane
}

// Lease starts an empty Lease for one message (a value: the common path
// allocates nothing for it).
func (b *Budget) Lease() Lease { return Lease{b: b} }

// Grow reserves n more bytes before they are appended. It waits while the
// budget is spent, until ctx ends.
func (l *Lease) Grow(ctx context.Context, n int64) error {
	if l == nil || l.b == nil || n <= 0 {
		return nil
	}
	b := l.b
	for {
		b.mu.Lock()
		switch {
		case l.large:
			b.inLarge += n
			b.notePeak()
			b.mu.Unlock()
			return nil
		case b.free >= n:
			b.free -= n
			l.small += n
			b.notePeak()
			b.mu.Unlock()
			return nil
		}
		if b.freed == nil {
			b.freed = make(chan struct{})
		}
		wait := b.freed
		b.mu.Unlock()
		if l.small > 0 { // holding something: never wait for the pool
			if err := l.escalate(ctx); err != nil {
				return err
			}
			continue
		}
		select {
		case <-wait:
		case b.large <- struct{}{}: // the large lane came free first: take it
			l.large = true
		case <-ctx.Done():
			return fmt.Errorf("waiting for memory to hold the message: %w", ctx.Err())
		}
	}
}

// escalate moves the lease to the large lane, returning its pool bytes:
// they now count against the lane, which has room for a whole message.
func (l *Lease) escalate(ctx context.Context) error {
	select {
	case l.b.large <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("waiting for memory to hold a large message: %w", ctx.Err())
	}
	l.large = true
	l.b.mu.Lock()
	l.b.inLarge = l.small
	l.b.giveLocked(l.small)
	l.b.mu.Unlock()
	l.small = 0
	return nil
}

// Release returns what the lease holds. Those waiting for the large lane
// wait on its token itself; those waiting for the pool are woken.
func (l *Lease) Release() {
	if l == nil || l.b == nil || (!l.large && l.small == 0) {
		return
	}
	b := l.b
	b.mu.Lock()
	held := l.small
	if l.large {
		held = max(held, b.inLarge)
		b.inLarge = 0
	}
	b.giveLocked(l.small)
	b.mu.Unlock()
	if l.large {
		<-b.large
		l.large = false
	}
	l.small = 0
	if held >= collectAfter {
		b.collect()
	}
}

// collect runs one garbage collection beside the caller, unless one it
// started is still running (collectAfter).
func (b *Budget) collect() {
	if b.collecting.CompareAndSwap(false, true) {
		go func() {
			defer b.collecting.Store(false)
			runtime.GC()
		}()
	}
}

// giveLocked returns n bytes to the pool and wakes its waiters; b.mu is
// held.
func (b *Budget) giveLocked(n int64) {
	if n <= 0 {
		return
	}
	b.free += n
	if b.freed != nil {
		close(b.freed)
		b.freed = nil
	}
}

// notePeak records the high-water mark; b.mu is held.
func (b *Budget) notePeak() {
	if held := b.pool - b.free + b.inLarge; held > b.peak {
		b.peak = held
	}
}

// Peak is the most bytes held at once so far.
func (b *Budget) Peak() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.peak
}
