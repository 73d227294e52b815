package bridge

import (
	"fmt"
	"io"
	"sync"
)

// Large answers (tool results of many MiB) must stream through without
// several whole copies alive at once: peak memory is what a host sees.

// chunkSize is the unit bodies are read in.
const chunkSize = 64 << 10

var chunkPool = sync.Pool{New: func() any { b := make([]byte, chunkSize); return &b }}

// readAllExact reads r to the end (at most limit bytes) into pooled chunks
// and returns one slice of exactly the right size: one copy of the body
// alive besides the chunks, instead of the doubling buffer's two to three.
func readAllExact(r io.Reader, limit int64) ([]byte, error) {
	var chunks []*[]byte
	defer func() {
		for _, c := range chunks {
			chunkPool.Put(c)
		}
	}()
	var total int64
	last := 0 // bytes used in the last chunk
	for {
		if len(chunks) == 0 || last == chunkSize {
			chunks = append(chunks, chunkPool.Get().(*[]byte))
			last = 0
		}
		buf := *chunks[len(chunks)-1]
		n, err := r.Read(buf[last:])
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
	out := make([]byte, 0, total)
	for i, c := range chunks {
		if i == len(chunks)-1 {
			out = append(out, (*c)[:last]...)
		} else {
			out = append(out, *c...)
		}
	}
	return out, nil
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
