package bridge

import (
	"bufio"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
)

// stdout carries nothing but MCP messages, one per line (MCP 2025-11-25
// basic/transports §stdio; 2026-07-28 basic/transports/stdio).

// outWriter writes whole messages to stdout, one per line, never interleaved.
// When several answers are ready at once, the last one flushes them all
// (one write system call instead of one each). Write errors (the client
// went away) are remembered and reported once.
type outWriter struct {
	mu     sync.Mutex
	w      *bufio.Writer
	err    error
	queued atomic.Int32 // writers waiting for mu
}

func newOutWriter(w io.Writer) *outWriter {
	return &outWriter{w: bufio.NewWriterSize(w, 32<<10)}
}

// write sends one compact message, given whole or in pieces, followed by a
// newline.
func (o *outWriter) write(parts ...[]byte) error {
	o.queued.Add(1)
	o.mu.Lock()
	defer o.mu.Unlock()
	o.queued.Add(-1)
	if o.err != nil {
		return o.err
	}
	for _, p := range parts {
		_, _ = o.w.Write(p)
	}
	_ = o.w.WriteByte('\n')
	if o.queued.Load() > 0 {
		return nil // a writer waiting behind us flushes this message too
	}
	if err := o.w.Flush(); err != nil {
		o.err = fmt.Errorf("write to stdout: %w", err)
	}
	return o.err
}
