package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// step is one check of `mcpbridge probe`, as printed and as in the JSON
// report.
type step struct {
	Name       string   `json:"name"`
	OK         bool     `json:"ok"`
	Required   bool     `json:"required"` // a failure makes the probe fail
	DurationMS int64    `json:"duration_ms"`
	Details    *details `json:"details,omitempty"`
	Error      string   `json:"error,omitempty"`
	Hint       string   `json:"hint,omitempty"`
}

// set records a detail of the step; the order of the calls is the order
// shown.
func (s *step) set(key string, value any) {
	if s.Details == nil {
		s.Details = &details{vals: map[string]any{}}
	}
	if _, seen := s.Details.vals[key]; !seen {
		s.Details.keys = append(s.Details.keys, key)
	}
	s.Details.vals[key] = value
}

// details keep their insertion order, on stderr and in JSON.
type details struct {
	keys []string
	vals map[string]any
}

func (d *details) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range d.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		key, _ := json.Marshal(k)
		val, err := json.Marshal(d.vals[k])
		if err != nil {
			return nil, fmt.Errorf("detail %s: %w", k, err)
		}
		b.Write(key)
		b.WriteByte(':')
		b.Write(val)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// hinted is an error with the sentence that tells the user what to do.
type hinted struct {
	err  error
	hint string
}

func (h *hinted) Error() string { return h.err.Error() }
func (h *hinted) Unwrap() error { return h.err }

func withHint(err error, hint string) error { return &hinted{err: err, hint: hint} }

// reporter prints each step on stderr as it ends, and a progress line
// every so often while a long one runs.
type reporter struct {
	w     *syncWriter
	every time.Duration
	steps []*step
	hide  *strings.Replacer // the server URL's query, wherever it shows
}

// run times fn as the step name; waiting says what a progress line waits
// for ("the server's answer").
func (r *reporter) run(name, waiting string, required bool, fn func(st *step) error) *step {
	st := &step{Name: name, Required: required}
	start := time.Now()
	stop := r.progress(name, waiting, start)
	err := fn(st)
	stop()
	st.DurationMS = time.Since(start).Milliseconds()
	st.OK = err == nil
	if err != nil {
		st.Error = err.Error()
	}
	var h *hinted
	if errors.As(err, &h) {
		st.Hint = h.hint
	}
	r.inert(st)
	r.steps = append(r.steps, st)
	r.print(st)
	return st
}

// progress prints "still waiting for …" every r.every until stopped.
func (r *reporter) progress(name, waiting string, start time.Time) func() {
	if r.every <= 0 || waiting == "" {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(r.every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				fmt.Fprintf(r.w, "  … %s: still waiting for %s (%d s)…\n", name, waiting, int(time.Since(start).Seconds()+0.5))
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func (r *reporter) print(st *step) {
	var b strings.Builder
	mark := "✓"
	switch {
	case !st.OK && st.Required:
		mark = "✗"
	case !st.OK:
		mark = "·"
	}
	fmt.Fprintf(&b, "%s %-28s %s\n", mark, st.Name, showDuration(st.DurationMS))
	if st.Details != nil {
		for _, k := range st.Details.keys {
			fmt.Fprintf(&b, "    %s: %s\n", strings.ReplaceAll(k, "_", " "), showValue(st.Details.vals[k]))
		}
	}
	if st.Error != "" {
		fmt.Fprintf(&b, "    error: %s\n", st.Error)
	}
	if st.Hint != "" {
		fmt.Fprintf(&b, "    hint: %s\n", st.Hint)
	}
	_, _ = io.WriteString(r.w, b.String())
}

// failed lists the required steps that did not pass.
func (r *reporter) failed() []string {
	var out []string
	for _, st := range r.steps {
		if st.Required && !st.OK {
			out = append(out, st.Name)
		}
	}
	return out
}

func showDuration(ms int64) string {
	if ms < 10_000 {
		return fmt.Sprintf("%d ms", ms)
	}
	return fmt.Sprintf("%.1f s", float64(ms)/1000)
}

func showValue(v any) string {
	switch x := v.(type) {
	case bool:
		return map[bool]string{true: "yes", false: "no"}[x]
	case []string:
		if len(x) == 0 {
			return "none"
		}
		return strings.Join(x, ", ")
	case time.Time:
		return x.Local().Format("2006-01-02 15:04:05 MST") + " (" + untilText(x) + ")"
	}
	return fmt.Sprint(v)
}

// untilText says how far t is from now, in words.
func untilText(t time.Time) string {
	d := time.Until(t).Round(time.Minute)
	switch {
	case d < 0:
		return "expired " + (-d).String() + " ago"
	case d < time.Minute:
		return "in under a minute"
	case d > 72*time.Hour:
		return fmt.Sprintf("in %d days", int(d.Hours()/24))
	}
	return "in " + strings.TrimSuffix(d.String(), "0s")
}

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
	lines := strings.SplitAfter(string(p), "\n")
	var b strings.Builder
	for _, l := range lines {
		if l != "" {
			b.WriteString(iw.prefix + l)
		}
	}
	if _, err := io.WriteString(iw.w, b.String()); err != nil {
		return 0, err
	}
	return len(p), nil
}

// inert makes what a step learned safe to print and to put in the report,
// once for both: server names, tool names, statuses, certificate subjects,
// challenge parameters, body snippets and errors all come from the server,
// so every text is escaped (one line each) and the server URL's query is
// hidden in it.
func (r *reporter) inert(st *step) {
	clean := func(s string) string { return shown(hidden(r.hide, s)) }
	st.Error, st.Hint = clean(st.Error), clean(st.Hint)
	if st.Details == nil {
		return
	}
	for k, v := range st.Details.vals {
		switch x := v.(type) {
		case string:
			st.Details.vals[k] = clean(x)
		case []string:
			st.Details.vals[k] = shownAll(r.hide, x)
		}
	}
}
