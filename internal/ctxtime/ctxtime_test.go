package ctxtime

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

func TestSleep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		if err := Sleep(context.Background(), time.Minute); err != nil || time.Since(start) != time.Minute {
			t.Fatalf("Sleep: %v after %v, want nil after a minute", err, time.Since(start))
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start = time.Now()
		if err := Sleep(ctx, time.Hour); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != time.Second {
			t.Fatalf("Sleep: %v after %v, want the deadline after a second", err, time.Since(start))
		}
	})
}

func TestLimit(t *testing.T) {
	for _, c := range []struct{ d, want time.Duration }{{0, time.Minute}, {-1, 0}, {time.Second, time.Second}} {
		if got := Limit(c.d, time.Minute); got != c.want {
			t.Errorf("Limit(%v, 1m) = %v, want %v", c.d, got, c.want)
		}
	}
}
