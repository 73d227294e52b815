// Package runcmd runs the commands a user names to produce a secret —
// --headers-helper (internal/headerhelper), a workload's or an identity
// provider's token from command:CMD (oauthflow) — the one way: stdin
// empty, stderr dropped (it may echo the secret), stdout kept up to a
// limit and never shown, the process killed when the context ends, and
// no grandchild holding stdout open can hold the caller past WaitDelay.
//
// Files:
//   - runcmd.go: Output.
//   - runcmd_test.go: the limit, a failure, a grandchild that keeps stdout.
package runcmd

import (
	"bytes"
	"context"
	"os/exec"
	"time"
)

// WaitDelay is how long a command's output may stay open after the
// command exits or is killed (os/exec Cmd.WaitDelay).
const WaitDelay = time.Second

// Output runs argv (no shell: argv[0] is the program) and returns the
// first limit bytes of its standard output; over says it printed more.
// A command that fails returns its *exec.ExitError (or the start error);
// when ctx ends first, ctx's error.
func Output(ctx context.Context, argv []string, limit int) (out []byte, over bool, err error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	buf := &capped{limit: limit}
	cmd.Stdout = buf
	cmd.WaitDelay = WaitDelay
	err = cmd.Run()
	if ctx.Err() != nil {
		return nil, false, ctx.Err()
	}
	if err != nil {
		return nil, false, err
	}
	return buf.b.Bytes(), buf.over, nil
}

// capped keeps the first limit bytes and notes that more came. It holds
// its buffer rather than embedding it: io.Copy would take an embedded
// bytes.Buffer's ReadFrom and read past the limit.
type capped struct {
	b     bytes.Buffer
	limit int
	over  bool
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.limit - c.b.Len(); len(p) > room {
		c.over = true
		c.b.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return c.b.Write(p)
}
