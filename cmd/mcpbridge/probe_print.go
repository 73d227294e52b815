package main

import (
	"io"
	"strings"
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

// indentWriter indents every line written through it (log lines under the
// step they belong to).
type indentWriter struct {
	w      io.Writer
	prefix string
}

func (iw indentWriter) Write(p []byte) (int, error) {
	var b strings.Builder
	for _, l := range strings.SplitAfter(string(p), "\n") {
		if l != "" {
			b.WriteString(iw.prefix + l)
		}
	}
	if _, err := io.WriteString(iw.w, b.String()); err != nil {
		return 0, err
	}
	return len(p), nil
}
