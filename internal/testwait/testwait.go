// Package testwait is for tests only: it waits for a condition that
// another goroutine, a child process or a real server brings about,
// checking often (a millisecond at first, then up to every 20 ms) instead
// of sleeping for a guessed time, and gives up at a deadline.
package testwait

import (
	"testing"
	"time"
)

// maxTick is the longest pause between two checks.
const maxTick = 20 * time.Millisecond

// Until checks cond until it holds, for at most d, and reports whether it
// did. Helper processes, which have no testing.T, use it directly.
func Until(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	tick := time.Millisecond
	timer := time.NewTimer(tick)
	defer timer.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			return cond()
		}
		<-timer.C
		tick = min(2*tick, maxTick)
		timer.Reset(tick)
	}
	return true
}

// For checks cond until it holds; after d it fails t, saying what it
// waited for.
func For(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	if !Until(d, cond) {
		t.Fatalf("timed out after %v waiting for %s", d, what)
	}
}
