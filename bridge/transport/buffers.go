package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
)

// Large answers (tool results of many MiB) must stream through without
// several whole copies alive at once: peak memory is what a host sees.

// ChunkSize is the unit bodies are read in.
const ChunkSize = 64 << 10

var chunkPool = sync.Pool{New: func() any { b := make([]byte, ChunkSize); return &b }}

// readPieces reads r to the end (at most limit bytes), reserving each chunk
// under l before it is allocated. A body that fits in one chunk comes back
// as one exact slice; a larger one as the chunks it was read into, which the
// message then keeps and is written out from, so a large answer is in memory
// once.
func readPieces(ctx context.Context, r io.Reader, limit int64, l *Lease) ([][]byte, error) {
	if err := l.Grow(ctx, ChunkSize); err != nil {
		return nil, err
	}
	first := chunkPool.Get().(*[]byte)
	pooled := true
	defer func() {
		if pooled {
			chunkPool.Put(first)
		}
	}()
	parts := [][]byte{*first}
	var total int64
	last := 0 // bytes used in the last part
	for {
		if last == ChunkSize {
			if err := l.Grow(ctx, ChunkSize); err != nil {
				return nil, err
			}
			pooled = false // the first chunk now belongs to the message
			parts = append(parts, make([]byte, ChunkSize))
			last = 0
		}
		room := min(int64(ChunkSize-last), limit-total+1) // one byte past the limit tells
		n, err := r.Read(parts[len(parts)-1][last : last+int(room)])
		last += n
		total += int64(n)
		if total > limit {
			return nil, fmt.Errorf("the server's answer is larger than %d MiB", limit>>20)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	parts[len(parts)-1] = parts[len(parts)-1][:last]
	if len(parts) == 1 {
		return [][]byte{bytes.Clone(parts[0])}, nil
	}
	return parts, nil
}

// appendGrow appends src to dst, doubling the capacity when it must grow
// (append grows large slices by only a quarter, copying many times).
func appendGrow(dst, src []byte) []byte {
	if need := len(dst) + len(src); need > cap(dst) {
		n := make([]byte, len(dst), max(2*cap(dst), need, 512))
		copy(n, dst)
		dst = n
	}
	return append(dst, src...)
}

// ReadBody reads a whole body of at most limit bytes into one slice (an
// error page, a refusal: small limits, outside the budget).
func ReadBody(resp *http.Response, limit int64) ([]byte, error) {
	parts, err := readAnswer(resp, limit, nil)
	if err != nil {
		return nil, err
	}
	return bytes.Join(parts, nil), nil
}

// readAnswer reads a whole body of at most limit bytes under the lease l:
// one exact slice when the size is known, otherwise the pieces it was read
// in. A Content-Length over the limit is refused before anything is read.
func readAnswer(resp *http.Response, limit int64, l *Lease) ([][]byte, error) {
	ctx := context.Background()
	if resp.Request != nil {
		ctx = resp.Request.Context()
	}
	if resp.ContentLength > limit {
		return nil, fmt.Errorf("the server's answer is larger than %d MiB (Content-Length %d)", limit>>20, resp.ContentLength)
	}
	if resp.ContentLength >= 0 {
		if err := l.Grow(ctx, resp.ContentLength); err != nil {
			return nil, err
		}
		buf := make([]byte, resp.ContentLength)
		if _, err := io.ReadFull(resp.Body, buf); err != nil {
			return nil, fmt.Errorf("read the server's answer: %w", err)
		}
		// Read on to the end: a body closed before its EOF was seen costs
		// the connection, and every later request a new TCP handshake.
		if n, _ := resp.Body.Read(make([]byte, 1)); n > 0 {
			return nil, errors.New("the server's answer is longer than its Content-Length")
		}
		return [][]byte{buf}, nil
	}
	parts, err := readPieces(ctx, resp.Body, limit, l)
	if err != nil {
		return nil, fmt.Errorf("read the server's answer: %w", err)
	}
	return parts, nil
}
