// Package logx builds mcpbridge's logger: short sentences on stderr for the
// person reading the host's log, and with --debug a detailed file in the
// config folder. It never writes to stdout, which belongs to JSON-RPC.
//
// logx.go builds the logger and its handlers, inert.go is the one sink
// rule (Clean: secrets hidden, text inert), writer.go the serialized and the indenting writers
// and the debug file's name.
package logx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Options choose where logs go.
type Options struct {
	Stderr    io.Writer // nil: no stderr output (--silent)
	DebugFile string    // "": no debug log
	// Hide replaces secrets in every message and value before they are
	// escaped (the server URL's query); nil: nothing is replaced.
	Hide *strings.Replacer
}

// New returns the logger and a function that closes the debug file.
func New(o Options) (*slog.Logger, func() error, error) {
	var handlers []slog.Handler
	if o.Stderr != nil {
		handlers = append(handlers, &lineHandler{w: o.Stderr, level: slog.LevelInfo, mu: &sync.Mutex{}, hide: o.Hide})
	}
	closeFn := func() error { return nil }
	if o.DebugFile != "" {
		if err := os.MkdirAll(filepath.Dir(o.DebugFile), 0o700); err != nil {
			return nil, nil, fmt.Errorf("create the log folder: %w", err)
		}
		f, err := os.OpenFile(o.DebugFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return nil, nil, fmt.Errorf("open the debug log: %w", err)
		}
		handlers = append(handlers, slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: inert(o.Hide)}))
		closeFn = f.Close
	}
	return slog.New(fanout(handlers)), closeFn, nil
}

// lineHandler writes "mcpbridge: message (key=value, …)" lines.
type lineHandler struct {
	w     io.Writer
	level slog.Level
	attrs []slog.Attr
	mu    *sync.Mutex
	hide  *strings.Replacer
}

func (h *lineHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

func (h *lineHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString("mcpbridge: ")
	if r.Level >= slog.LevelWarn {
		b.WriteString(strings.ToLower(r.Level.String()) + ": ")
	}
	b.WriteString(Clean(h.hide, r.Message))
	var parts []string
	add := func(a slog.Attr) bool {
		parts = appendAttr(parts, h.hide, "", a)
		return true
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(add)
	if len(parts) > 0 {
		b.WriteString(" (" + strings.Join(parts, ", ") + ")")
	}
	b.WriteByte('\n')
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.w, b.String())
	return err
}

func (h *lineHandler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr(nil), h.attrs...), as...)
	return &c
}

func (h *lineHandler) WithGroup(string) slog.Handler { return h }

// fanout sends records to every handler that wants them.
type fanout []slog.Handler

func (f fanout) Enabled(ctx context.Context, l slog.Level) bool {
	for _, h := range f {
		if h.Enabled(ctx, l) {
			return true
		}
	}
	return false
}

func (f fanout) Handle(ctx context.Context, r slog.Record) error {
	var errs []error
	for _, h := range f {
		if h.Enabled(ctx, r.Level) {
			errs = append(errs, h.Handle(ctx, r.Clone()))
		}
	}
	return errors.Join(errs...)
}

func (f fanout) WithAttrs(as []slog.Attr) slog.Handler {
	out := make(fanout, len(f))
	for i, h := range f {
		out[i] = h.WithAttrs(as)
	}
	return out
}

func (f fanout) WithGroup(name string) slog.Handler {
	out := make(fanout, len(f))
	for i, h := range f {
		out[i] = h.WithGroup(name)
	}
	return out
}
