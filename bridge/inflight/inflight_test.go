package inflight

import (
	"sync"
	"sync/atomic"
	"testing"
)

// TestTakeOnce: however many answer at once, one takes the call.
func TestTakeOnce(t *testing.T) {
	tab := NewTable()
	if !tab.Add(&Call{ID: []byte(`7`)}) {
		t.Fatal("Add refused a fresh id")
	}
	if tab.Add(&Call{ID: []byte(`7`)}) {
		t.Fatal("Add took a second request with an id in flight")
	}
	var won atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if tab.Take([]byte(`7`)) != nil {
				won.Add(1)
			}
		})
	}
	wg.Wait()
	if won.Load() != 1 {
		t.Fatalf("%d takers won the call, want 1", won.Load())
	}
	select {
	case <-tab.Drained():
	default:
		t.Fatal("the table is empty but not drained")
	}
}

// TestRenamedCall: a call re-sent under another id answers to that id on
// the wire and is still cancelled by the client's id.
func TestRenamedCall(t *testing.T) {
	tab := NewTable()
	c := &Call{ID: []byte(`"a"`)}
	tab.Add(c)
	wire := OwnID("reissue")
	if tab.Rename([]byte(`"a"`), wire) != c {
		t.Fatal("Rename lost the call")
	}
	if got := string(tab.WireID(c)); got != string(wire) {
		t.Fatalf("WireID = %s, want %s", got, wire)
	}
	if tab.TakeClient(wire) != nil {
		t.Fatal("TakeClient took a call by its wire id, which the client never used")
	}
	if tab.TakeClient([]byte(`"a"`)) != c {
		t.Fatal("TakeClient did not find the call by the client's id")
	}
	if tab.Take(wire) != nil || tab.Peek(wire) != nil {
		t.Fatal("the call is still in the table after it was taken")
	}
}

// TestLongLivedNotAwaited: a long-lived stream does not hold up Drained.
func TestLongLivedNotAwaited(t *testing.T) {
	tab := NewTable()
	tab.Add(&Call{ID: []byte(`1`), LongLived: true})
	select {
	case <-tab.Drained():
	default:
		t.Fatal("a long-lived call held up Drained")
	}
	if len(tab.All()) != 1 {
		t.Fatal("All lost the long-lived call")
	}
}
