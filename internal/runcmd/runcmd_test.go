package runcmd

import (
	"context"
	"errors"
	"os/exec"
	"runtime"
	"testing"
	"time"
)

func TestOutput(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses sh")
	}
	ctx := context.Background()
	out, over, err := Output(ctx, []string{"sh", "-c", "printf abcdef; echo secret >&2"}, 4)
	if err != nil || string(out) != "abcd" || !over {
		t.Errorf("limit 4: %q over %v, %v", out, over, err)
	}
	out, over, err = Output(ctx, []string{"sh", "-c", "printf ab"}, 4)
	if err != nil || string(out) != "ab" || over {
		t.Errorf("within the limit: %q over %v, %v", out, over, err)
	}
	var ee *exec.ExitError
	if _, _, err := Output(ctx, []string{"sh", "-c", "exit 3"}, 4); !errors.As(err, &ee) || ee.ExitCode() != 3 {
		t.Errorf("a failing command: %v", err)
	}
	// A grandchild keeps stdout open after its parent exits: the caller
	// is held WaitDelay at most.
	start := time.Now()
	_, _, _ = Output(ctx, []string{"sh", "-c", "sleep 30 & printf x"}, 4)
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("held %v by a grandchild", d)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, _, err := Output(short, []string{"sleep", "30"}, 4); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a command past its deadline: %v", err)
	}
}
