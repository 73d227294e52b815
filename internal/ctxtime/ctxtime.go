// Package ctxtime waits the way every wait in mcpbridge must: for a
// duration or until the context ends, whichever is first (ctxtime.go).
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
