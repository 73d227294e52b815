package bridge

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
)

// The stdio transport: newline-delimited JSON-RPC on stdin and stdout
// (MCP 2025-11-25 basic/transports §stdio; 2026-07-28 basic/transports/stdio).
// Messages MUST NOT contain embedded newlines, and stdout carries nothing but
// MCP messages.

// MaxLineBytes bounds one stdin line; a longer line is answered with an error
// and skipped, so a runaway client cannot exhaust memory.
const MaxLineBytes = 256 << 20

// errLineTooLong is returned for (and after skipping) an overlong line.
var errLineTooLong = fmt.Errorf("line longer than %d MiB", MaxLineBytes>>20)

// lineReader reads newline-delimited lines of any length up to MaxLineBytes.
type lineReader struct {
	r   *bufio.Reader
	max int
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 64<<10), max: MaxLineBytes}
}

// next returns the next line without its line ending. The slice is the
// caller's to keep. At the end of input it returns the last, unterminated
// line (if any) and then io.EOF.
func (l *lineReader) next() ([]byte, error) {
	frag, err := l.r.ReadSlice('\n')
	if err == nil { // the common case: the whole line sits in the buffer
		if line := trimEOL(frag); len(line) <= l.max {
			return bytes.Clone(line), nil
		}
		return nil, errLineTooLong
	}
	buf := bytes.Clone(frag)
	for errors.Is(err, bufio.ErrBufferFull) {
		if len(buf) > l.max+2 { // room for CRLF
			return nil, l.skipLine()
		}
		frag, err = l.r.ReadSlice('\n')
		buf = append(buf, frag...)
	}
	switch {
	case err != nil && !errors.Is(err, io.EOF):
		return nil, err // a broken line is no message
	case err != nil && len(buf) == 0:
		return nil, err
	}
	line := trimEOL(buf) // err is nil, or EOF after a last line
	if len(line) > l.max {
		return nil, errLineTooLong
	}
	return line, nil
}

// skipLine discards the rest of an overlong line.
func (l *lineReader) skipLine() error {
	for {
		_, err := l.r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		return errLineTooLong
	}
}

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte{'\n'})
	return bytes.TrimSuffix(b, []byte{'\r'})
}

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
