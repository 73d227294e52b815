package transport

import (
	"testing"
	"time"
)

// Attack 3: the server's retry field, held to [minRetry, maxRetry] and
// backed off; jitter only ever adds (never sooner than the server asked).
func TestHostileRetryDelayBounds(t *testing.T) {
	cases := []struct {
		ms, failures int
		low, high    time.Duration
	}{
		{0, 0, time.Second, 1250 * time.Millisecond},
		{1, 0, MinRetry, MinRetry * 5 / 4},
		{86400000, 0, maxRetry, maxRetry * 5 / 4},
		{1 << 62, 0, maxRetry, maxRetry * 5 / 4}, // no overflow
		{250, 0, 250 * time.Millisecond, 312500 * time.Microsecond},
		{1000, 3, 8 * time.Second, 10 * time.Second},
		{1000, 60, maxRetry, maxRetry * 5 / 4},
	}
	for _, c := range cases {
		for range 50 {
			if d := retryDelay(c.ms, c.failures); d < c.low || d > c.high {
				t.Fatalf("retryDelay(%d, %d) = %v, want within [%v, %v]", c.ms, c.failures, d, c.low, c.high)
			}
		}
	}
}
