package probe

import (
	"errors"
	"sync"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/safetext"
)

// maxText caps one text a step keeps: long enough for an error chain with
// its URLs, short enough that a server cannot flood a terminal.
const maxText = 4096

// runner runs the steps one after the other and keeps them.
type runner struct {
	every    time.Duration
	progress func(step, waiting string, elapsed time.Duration)
	done     func(*Step)
	hide     func(string) string
	steps    []*Step
}

// run times fn as the step name; waiting says what a progress report
// waits for ("the server's answer").
func (r *runner) run(name, waiting string, required bool, fn func(st *Step) error) *Step {
	st := &Step{Name: name, Required: required}
	start := time.Now()
	stop := r.watch(name, waiting, start)
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
	if r.done != nil {
		r.done(st)
	}
	return st
}

// watch reports every r.every that the step still waits, until stopped.
func (r *runner) watch(name, waiting string, start time.Time) func() {
	if r.every <= 0 || waiting == "" || r.progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(r.every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				r.progress(name, waiting, time.Since(start))
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// inert makes what a step learned safe to print and to put in the report,
// once for both: server names, tool names, statuses, certificate
// subjects, challenge parameters, body snippets and errors all come from
// the server, so every text is escaped (one line each) and the command
// line's secrets are hidden in it.
func (r *runner) inert(st *Step) {
	st.Error, st.Hint = r.clean(st.Error), r.clean(st.Hint)
	if st.Details == nil {
		return
	}
	for k, v := range st.Details.vals {
		switch x := v.(type) {
		case string:
			st.Details.vals[k] = r.clean(x)
		case []string:
			out := make([]string, len(x))
			for i, s := range x {
				out[i] = r.clean(s)
			}
			st.Details.vals[k] = out
		}
	}
}

func (r *runner) clean(s string) string {
	if r.hide != nil {
		s = r.hide(s)
	}
	return safetext.EscapeN(s, maxText)
}
