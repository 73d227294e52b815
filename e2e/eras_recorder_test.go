package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// eraRecorder sits in front of an era fixture's handler. It keeps the
// JSON-RPC POSTs the server received and follows its long-lived streams:
// the GET event stream of a 2025-11-25 session and the subscriptions/listen
// streams of 2026-07-28, so a test knows when a server notification tied to
// no request can reach mcpbridge.
type eraRecorder struct {
	next http.Handler

	mu      sync.Mutex
	posts   []eraPost
	streams []*eraStream
	changed chan struct{} // closed and replaced when something changes
}

// eraPost is one JSON-RPC message POSTed to the server.
type eraPost struct {
	Header http.Header
	Method string          // the JSON-RPC method
	Params json.RawMessage // its params
}

// eraStream is a GET event stream, or a subscriptions/listen POST.
type eraStream struct {
	listen  bool
	filter  listenFilter
	started bool // the server has written to it
	ended   bool // the handler returned
}

// listenFilter is the params.notifications of subscriptions/listen
// (2026-07-28 basic/patterns/subscriptions §Notification Filter).
type listenFilter struct {
	ToolsListChanged      bool     `json:"toolsListChanged"`
	PromptsListChanged    bool     `json:"promptsListChanged"`
	ResourcesListChanged  bool     `json:"resourcesListChanged"`
	ResourceSubscriptions []string `json:"resourceSubscriptions"`
}

func (f listenFilter) has(uri string) bool { return slices.Contains(f.ResourceSubscriptions, uri) }

func newEraRecorder(next http.Handler) *eraRecorder {
	return &eraRecorder{next: next, changed: make(chan struct{})}
}

func (rec *eraRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var stream *eraStream
	switch r.Method {
	case http.MethodGet:
		stream = &eraStream{}
	case http.MethodPost:
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "read body", http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		var msg struct {
			Method string          `json:"method"`
			Params json.RawMessage `json:"params"`
		}
		_ = json.Unmarshal(body, &msg)
		rec.mu.Lock()
		rec.posts = append(rec.posts, eraPost{Header: r.Header.Clone(), Method: msg.Method, Params: msg.Params})
		rec.mu.Unlock()
		if msg.Method == "subscriptions/listen" {
			stream = &eraStream{listen: true}
			var p struct {
				Notifications listenFilter `json:"notifications"`
			}
			_ = json.Unmarshal(msg.Params, &p)
			stream.filter = p.Notifications
		}
	}
	if stream == nil {
		rec.next.ServeHTTP(w, r)
		return
	}
	rec.update(func() { rec.streams = append(rec.streams, stream) })
	var once sync.Once
	w = &streamWatch{ResponseWriter: w, onWrite: func() { once.Do(func() { rec.update(func() { stream.started = true }) }) }}
	defer rec.update(func() { stream.ended = true })
	rec.next.ServeHTTP(w, r)
}

func (rec *eraRecorder) update(change func()) {
	rec.mu.Lock()
	change()
	close(rec.changed)
	rec.changed = make(chan struct{})
	rec.mu.Unlock()
}

// waitStream waits until a started, still open stream matches.
func (rec *eraRecorder) waitStream(t testing.TB, what string, match func(*eraStream) bool) {
	t.Helper()
	rec.waitFor(t, what+" to start", func() bool {
		return slices.ContainsFunc(rec.streams, func(s *eraStream) bool { return s.started && !s.ended && match(s) })
	})
}

// waitNoStream waits until no open stream matches.
func (rec *eraRecorder) waitNoStream(t testing.TB, what string, match func(*eraStream) bool) {
	t.Helper()
	rec.waitFor(t, what+" to end", func() bool {
		return !slices.ContainsFunc(rec.streams, func(s *eraStream) bool { return !s.ended && match(s) })
	})
}

// anyStream reports whether an open stream (started or not) matches.
func (rec *eraRecorder) anyStream(match func(*eraStream) bool) bool {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return slices.ContainsFunc(rec.streams, func(s *eraStream) bool { return !s.ended && match(s) })
}

// waitFor waits up to eraTimeout until ok (called with rec.mu held) holds.
func (rec *eraRecorder) waitFor(t testing.TB, what string, ok func() bool) {
	t.Helper()
	deadline := time.NewTimer(eraTimeout)
	defer deadline.Stop()
	for {
		rec.mu.Lock()
		done, changed := ok(), rec.changed
		rec.mu.Unlock()
		if done {
			return
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("waited %v for %s; the server received: %s", eraTimeout, what, rec.summary())
		}
	}
}

// methods returns the JSON-RPC methods POSTed so far, in order.
func (rec *eraRecorder) methods() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var out []string
	for _, p := range rec.posts {
		out = append(out, p.Method)
	}
	return out
}

func (rec *eraRecorder) summary() string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var parts []string
	for _, p := range rec.posts {
		parts = append(parts, "POST "+p.Method)
	}
	for _, s := range rec.streams {
		kind := "GET stream"
		if s.listen {
			kind = "listen stream"
		}
		parts = append(parts, kind+stateOf(s))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func stateOf(s *eraStream) string {
	switch {
	case s.ended:
		return " (ended)"
	case s.started:
		return " (open)"
	}
	return " (not started)"
}
