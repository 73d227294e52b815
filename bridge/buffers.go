package bridge

import (
	"bytes"
	"fmt"
	"io"
	"sync"
)

// Large answers (tool results of many MiB) must stream through without
// several whole copies alive at once: peak memory is what a host sees.

// chunkSize is the unit bodies are read in.
const chunkSize = 64 << 10

var chunkPool = sync.Pool{New: func() any { b := make([]byte, chunkSize); return &b }}

// readPieces reads r to the end (at most limit bytes). A body that fits in
// one chunk comes back as one exact slice; a larger one as the chunks it was
// read into, which the message then keeps and is written out from, so a
// large answer is in memory once.
func readPieces(r io.Reader, limit int64) ([][]byte, error) {
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
		if last == chunkSize {
			pooled = false // the first chunk now belongs to the message
			parts = append(parts, make([]byte, chunkSize))
			last = 0
		}
		n, err := r.Read(parts[len(parts)-1][last:])
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
