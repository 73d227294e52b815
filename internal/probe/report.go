package probe

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
)

// Report is the probe's outcome; `mcpbridge probe --json` prints it. Its
// field names, and Step's, are a documented interface.
type Report struct {
	Mcpbridge string   `json:"mcpbridge"`
	Commit    string   `json:"commit"`
	OS        string   `json:"os"`
	Arch      string   `json:"arch"`
	Go        string   `json:"go"`
	URL       string   `json:"url"`
	OK        bool     `json:"ok"`
	Failed    []string `json:"failed"` // the required steps that did not pass
	Steps     []*Step  `json:"steps"`
}

func newReport(cfg Config, steps []*Step) *Report {
	failed := []string{}
	for _, st := range steps {
		if st.Required && !st.OK {
			failed = append(failed, st.Name)
		}
	}
	return &Report{Mcpbridge: cfg.Version, Commit: cfg.Commit, OS: runtime.GOOS, Arch: runtime.GOARCH, Go: runtime.Version(),
		URL: cfg.URL, OK: len(failed) == 0, Failed: failed, Steps: steps}
}

// Step is one check: what it found, and why it failed.
type Step struct {
	Name       string   `json:"name"`
	OK         bool     `json:"ok"`
	Required   bool     `json:"required"` // a failure makes the probe fail
	DurationMS int64    `json:"duration_ms"`
	Details    *Details `json:"details,omitempty"`
	Error      string   `json:"error,omitempty"`
	Hint       string   `json:"hint,omitempty"` // what to do about the error
}

// set records a detail of the step; the order of the first calls is the
// order shown.
func (s *Step) set(key string, value any) {
	if s.Details == nil {
		s.Details = &Details{vals: map[string]any{}}
	}
	if _, seen := s.Details.vals[key]; !seen {
		s.Details.keys = append(s.Details.keys, key)
	}
	s.Details.vals[key] = value
}

// Details are a step's findings, in the order they were found. A value is
// a string, a []string, a bool, an int or a time.Time.
type Details struct {
	keys []string
	vals map[string]any
}

// Keys lists the findings' names in order.
func (d *Details) Keys() []string { return d.keys }

// Get returns the finding named key, or nil.
func (d *Details) Get(key string) any { return d.vals[key] }

// WriteJSON writes the report as `mcpbridge probe --json` prints it:
// indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	return nil
}

// MarshalJSON writes the findings as one object, in order.
func (d *Details) MarshalJSON() ([]byte, error) {
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
