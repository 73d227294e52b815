package main

import (
	"io"
	"sync"
)

// syncWriter serializes writes from the steps, the progress lines and the
// log, so lines never interleave.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
