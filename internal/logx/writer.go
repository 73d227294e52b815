package logx

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"path/filepath"
	"strings"
	"sync"
)

// Serialized is w with each Write finished before the next begins, for
// lines written from several goroutines (a probe's steps, progress and log;
// the demo tour's two directions): lines never interleave.
func Serialized(w io.Writer) io.Writer { return &serialized{w: w} }

type serialized struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *serialized) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// Indent is a writer that indents every line written through it with
// prefix: log lines under the step they belong to (mcpbridge probe).
func Indent(w io.Writer, prefix string) io.Writer { return indentWriter{w: w, prefix: prefix} }

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

// DebugFile is where --debug writes for server, in the config folder dir:
// named after a hash of the server URL, so two servers' logs never mix.
func DebugFile(dir, server string) string {
	sum := sha256.Sum256([]byte(server))
	return filepath.Join(dir, "logs", hex.EncodeToString(sum[:6])+"-debug.log")
}
