package bridge

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
	"github.com/mcpbridge/mcpbridge/bridge/transport"
)

// The stdio transport's way in: newline-delimited JSON-RPC on stdin (MCP
// 2025-11-25 basic/transports §stdio; 2026-07-28 basic/transports/stdio).
// Messages MUST NOT contain embedded newlines; stdout.go is the way out.

// A stdin line longer than jsonrpc.MaxMessageBytes is answered with an
// error and skipped as it is read, so a runaway client cannot exhaust
// memory.

// errLineTooLong is returned for (and after skipping) an overlong line.
var errLineTooLong = fmt.Errorf("line longer than %d MiB", jsonrpc.MaxMessageBytes>>20)

// tooLong is an overlong line: its id, when the line's start names one, so
// that the client's request still gets its one answer.
type tooLong struct{ id []byte }

func (e *tooLong) Error() string { return errLineTooLong.Error() }
func (e *tooLong) Unwrap() error { return errLineTooLong }

// lineReader reads newline-delimited lines of any length up to max, each
// under a lease of the memory budget taken before its bytes are held.
type lineReader struct {
	r   *bufio.Reader
	max int
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 64<<10), max: jsonrpc.MaxMessageBytes}
}

// next returns the next line without its line ending. The slice is the
// caller's to keep; l holds its bytes. At the end of input it returns the
// last, unterminated line (if any) and then io.EOF.
func (lr *lineReader) next(ctx context.Context, l *transport.Lease) ([]byte, error) {
	frag, err := lr.r.ReadSlice('\n')
	if err == nil { // the common case: the whole line sits in the buffer
		line := trimEOL(frag)
		if len(line) > lr.max {
			return nil, &tooLong{id: leadingID(line)}
		}
		if gerr := l.Grow(ctx, int64(len(line))); gerr != nil {
			return nil, gerr
		}
		return bytes.Clone(line), nil
	}
	if !errors.Is(err, bufio.ErrBufferFull) {
		if len(frag) == 0 || !errors.Is(err, io.EOF) {
			return nil, err // a broken line is no message
		}
		if gerr := l.Grow(ctx, int64(len(frag))); gerr != nil {
			return nil, gerr
		}
		return trimEOL(bytes.Clone(frag)), nil // the last line, unterminated
	}
	return lr.long(ctx, l, frag)
}

// long reads a line longer than the buffer in pieces, each reserved before
// it is kept, and joins them once. A line past max is skipped as it is read:
// only its first piece is kept, to find its id.
func (lr *lineReader) long(ctx context.Context, l *transport.Lease, frag []byte) ([]byte, error) {
	var pieces [][]byte
	size, last := 0, false
	for {
		if size+len(frag) > lr.max+2 { // room for CRLF
			head := frag
			if len(pieces) > 0 {
				head = pieces[0]
			}
			id := leadingID(head)
			if last {
				return nil, &tooLong{id: id}
			}
			return nil, lr.skipLine(id)
		}
		if err := l.Grow(ctx, int64(len(frag))); err != nil {
			return nil, err
		}
		pieces = append(pieces, bytes.Clone(frag))
		size += len(frag)
		if last {
			break
		}
		var err error
		frag, err = lr.r.ReadSlice('\n')
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
		case err == nil || errors.Is(err, io.EOF):
			last = true
		default:
			return nil, err
		}
	}
	line := trimEOL(bytes.Join(pieces, nil)) // the pieces are garbage from here on
	if len(line) > lr.max {
		return nil, &tooLong{id: leadingID(pieces[0])}
	}
	return line, nil
}

// skipLine discards the rest of an overlong line as it is read.
func (lr *lineReader) skipLine(id []byte) error {
	for {
		_, err := lr.r.ReadSlice('\n')
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err != nil && !errors.Is(err, io.EOF):
			return err
		}
		return &tooLong{id: id}
	}
}

// leadingID finds the id of a message from its first bytes (the members
// that lie whole before the cut), or nil.
func leadingID(head []byte) []byte {
	var id []byte
	_ = jsonrpc.Members(bytes.TrimLeft(head, " \t\r\n"), func(k, v []byte) {
		if id == nil && jsonrpc.KeyIs(k, "id") && jsonrpc.ValidID(v) {
			id = bytes.Clone(v)
		}
	})
	return id
}

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte{'\n'})
	return bytes.TrimSuffix(b, []byte{'\r'})
}
