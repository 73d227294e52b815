package probe

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// TestProgress: a step that takes long is reported as still waiting
// while it runs, then as done. In a synctest bubble the ticker's time is
// fake: the step lasts until three progress lines came, in no real time.
func TestProgress(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var waits []string
		var done []*Step
		ticked := make(chan struct{}, 10)
		r := &runner{every: 20 * time.Millisecond, done: func(st *Step) { done = append(done, st) },
			progress: func(step, waiting string, _ time.Duration) {
				mu.Lock()
				waits = append(waits, step+": still waiting for "+waiting)
				mu.Unlock()
				ticked <- struct{}{}
			}}
		st := r.run("slow", "the slow thing", true, func(*Step) error {
			for range 3 {
				select {
				case <-ticked:
				case <-time.After(time.Second):
					return errors.New("no progress within a second")
				}
			}
			return nil
		})
		mu.Lock()
		defer mu.Unlock()
		if !st.OK || len(waits) < 3 || waits[0] != "slow: still waiting for the slow thing" || len(done) != 1 || done[0] != st {
			t.Errorf("ok %v, progress %q, done %v", st.OK, waits, done)
		}
	})
}

// TestDetailsKeepTheirOrder: findings show, and encode, in the order
// first set; setting one again keeps its place.
func TestDetailsKeepTheirOrder(t *testing.T) {
	st := &Step{Name: "x"}
	st.set("zeta", 1)
	st.set("alpha", []string{"a"})
	st.set("zeta", 2)
	st.set("when", time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	if !slices.Equal(st.Details.Keys(), []string{"zeta", "alpha", "when"}) || st.Details.Get("zeta") != 2 {
		t.Errorf("keys %v, zeta %v", st.Details.Keys(), st.Details.Get("zeta"))
	}
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"name":"x","ok":false,"required":false,"duration_ms":0,"details":{"zeta":2,"alpha":["a"],"when":"2030-01-02T03:04:05Z"}}`
	if string(b) != want {
		t.Errorf("JSON %s\nwant %s", b, want)
	}
}

// TestStepTextsAreInert: a step's error, hint and findings are escaped
// and the command line's secret hidden, before anyone sees them.
func TestStepTextsAreInert(t *testing.T) {
	var seen *Step
	r := &runner{hide: func(s string) string { return strings.ReplaceAll(s, "SECRET", "REDACTED") },
		done: func(st *Step) { seen = st }}
	r.run("evil", "", true, func(st *Step) error {
		st.set("server", "evil\x1b[2J?api_key=SECRET")
		st.set("names", []string{"a\u202eb"})
		st.set("count", 3)
		return withHint(errors.New("boom\nforged line"), "see \x07 SECRET")
	})
	if seen == nil || seen.OK || seen.Error != `boom\nforged line` || seen.Hint != `see \x07 REDACTED` ||
		seen.Details.Get("server") != `evil\x1b[2J?api_key=REDACTED` || !slices.Equal(seen.Details.Get("names").([]string), []string{`a\u202eb`}) ||
		seen.Details.Get("count") != 3 {
		t.Errorf("step %+v, details %v", seen, seen.Details.vals)
	}
}

// TestRunStopsAtTheSettings: settings the bridge would refuse fail the
// first step with a hint, and no other step runs.
func TestRunStopsAtTheSettings(t *testing.T) {
	rep := Run(t.Context(), Config{Version: "v", Commit: "c", URL: "https://example.com/mcp",
		Settings: func() (Settings, error) { return Settings{}, errors.New("bad flag") }})
	if rep.OK || !slices.Equal(rep.Failed, []string{"settings"}) || len(rep.Steps) != 1 ||
		!strings.Contains(rep.Steps[0].Hint, "--help") || rep.Mcpbridge != "v" || rep.Commit != "c" || rep.OS == "" {
		t.Errorf("report %+v, steps %+v", rep, rep.Steps)
	}
}

// TestWriteJSON: the report is indented JSON with its documented names.
func TestWriteJSON(t *testing.T) {
	var out bytes.Buffer
	if err := (&Report{Mcpbridge: "1.2.3", OK: true}).WriteJSON(&out); err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(out.Bytes(), &back); err != nil || back["mcpbridge"] != "1.2.3" || !strings.Contains(out.String(), "\n  \"") {
		t.Errorf("report %s (%v)", out.String(), err)
	}
}
