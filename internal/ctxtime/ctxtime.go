// Package ctxtime waits the way every wait in mcpbridge must: for a
// duration or until the context ends, whichever is first (Sleep); and
// reads a time limit's setting the one way they are all documented (Limit).
package ctxtime

import (
	"context"
	"time"
)

// Sleep waits d, or returns the context's error as soon as it ends.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Limit reads a time limit's setting: zero means the default def, and a
// negative one no limit (0).
func Limit(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}
