// Package stdiohost is the one stdio JSON-RPC client of mcpbridge's test
// tools: it plays the MCP host that starts a bridge as a stdio server
// (2025-11-25 basic/transports §stdio). It writes lines to the bridge's
// stdin, reads its stdout line by line, holds every line to the stdio
// rules (one compact JSON-RPC message a line, newline-terminated), answers
// the server requests it is told to answer, and matches the answers to the
// requests it sent. The end-to-end tests' Host (e2e) and the conformance
// suite's host (conformance/host) are built on it; the product never links
// it (internal/hygiene checks).
//
// Files:
//   - stdiohost.go: Msg, Error, Check (the stdio rules for one line), Conn
//     (reading, writing, Call and Notify), and the line builders.
//   - stdiohost_test.go: the rules, and a call beside a server request.
package stdiohost

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"
)

// Error is a JSON-RPC error object (JSON-RPC 2.0 §5.1).
type Error struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

func (e *Error) Error() string {
	switch {
	case e == nil:
		return "<nil>"
	case len(e.Data) > 0:
		return fmt.Sprintf("code %d: %s (data %s)", e.Code, e.Message, Clip(e.Data, 300))
	}
	return fmt.Sprintf("code %d: %s", e.Code, e.Message)
}

// Msg is one JSON-RPC message the bridge wrote on stdout.
type Msg struct {
	Raw   []byte // the line, without its newline
	Index int    // its position among stdout lines, from 0

	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
	Result  json.RawMessage `json:"result"`
	Error   *Error          `json:"error"`
}

func (m *Msg) IsRequest() bool      { return m.Method != "" && m.ID != nil }
func (m *Msg) IsNotification() bool { return m.Method != "" && m.ID == nil }
func (m *Msg) IsResponse() bool     { return m.Method == "" && m.ID != nil }

// Check reads stdout line index as the stdio transport requires: the
// message it holds (nil when it holds none) and each rule it breaks.
func Check(index int, line []byte, terminated bool) (*Msg, []string) {
	if !terminated {
		return nil, []string{fmt.Sprintf("line %d has no newline at the end of stdout: %q", index, Clip(line, 200))}
	}
	line = bytes.TrimSuffix(line, []byte("\n"))
	if !json.Valid(line) {
		return nil, []string{fmt.Sprintf("line %d is not JSON: %q", index, Clip(line, 200))}
	}
	var problems []string
	var compact bytes.Buffer
	_ = json.Compact(&compact, line)
	if !bytes.Equal(compact.Bytes(), line) {
		problems = append(problems, fmt.Sprintf("line %d is not compact JSON (insignificant whitespace): %q", index, Clip(line, 200)))
	}
	m := &Msg{Raw: line, Index: index}
	if err := json.Unmarshal(line, m); err != nil {
		return nil, append(problems, fmt.Sprintf("line %d is not a JSON-RPC message object: %v: %q", index, err, Clip(line, 200)))
	}
	kinds := 0
	for _, is := range []bool{m.IsRequest(), m.IsNotification(), m.IsResponse()} {
		if is {
			kinds++
		}
	}
	switch {
	case m.JSONRPC != "2.0":
		problems = append(problems, fmt.Sprintf(`line %d lacks "jsonrpc":"2.0": %q`, index, Clip(line, 200)))
	case kinds != 1:
		problems = append(problems, fmt.Sprintf("line %d is neither a request, a notification nor a response: %q", index, Clip(line, 200)))
	case m.IsResponse() && (m.Result == nil) == (m.Error == nil):
		problems = append(problems, fmt.Sprintf("line %d is a response without exactly one of result and error: %q", index, Clip(line, 200)))
	}
	return m, problems
}

// Options says what a Conn does besides reading and writing. Every hook
// may be nil.
type Options struct {
	// Handle answers a server request: ok false leaves it unanswered (for
	// the caller to answer, or not).
	Handle func(m *Msg) (result any, rpcErr *Error, ok bool)
	// Message hears every message read, in order, once it is checked.
	Message func(m *Msg)
	// Problem hears each breach of the stdio rules, and each answer that
	// matches no request when StrictIDs is set.
	Problem func(string)
	// Trace hears every line written ("->") and read ("<-").
	Trace func(dir string, line []byte)
	// StrictIDs: every answer must answer a request sent with Call (the
	// host writes no other requests); an answer with id null is a breach.
	StrictIDs bool
	// WriteTimeout bounds a write to stdin; zero: 10 s.
	WriteTimeout time.Duration
}

// Conn is one host's side of the stdio pipes.
type Conn struct {
	w   io.Writer
	o   Options
	wmu sync.Mutex // one write to stdin at a time

	mu        sync.Mutex
	nextID    int64
	pending   map[string]chan *Msg
	abandoned map[string]bool // requests given up on: a late answer is no fault
	done      chan struct{}   // closed when stdout ends
}

// New returns a Conn that writes to the bridge's stdin w.
func New(w io.Writer, o Options) *Conn {
	if o.WriteTimeout == 0 {
		o.WriteTimeout = 10 * time.Second
	}
	return &Conn{w: w, o: o, nextID: 1, pending: map[string]chan *Msg{}, abandoned: map[string]bool{}, done: make(chan struct{})}
}

// Done is closed once Read has met the end of stdout.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Read reads the bridge's stdout until it ends. It returns the read error,
// nil at EOF.
func (c *Conn) Read(r io.Reader) error {
	defer close(c.done)
	br := bufio.NewReaderSize(r, 1<<20)
	for index := 0; ; index++ {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			c.take(index, line, err == nil)
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read stdout: %w", err)
		}
	}
}

func (c *Conn) take(index int, line []byte, terminated bool) {
	if c.o.Trace != nil {
		c.o.Trace("<-", bytes.TrimSuffix(line, []byte("\n")))
	}
	m, problems := Check(index, line, terminated)
	for _, p := range problems {
		c.problem("%s", p)
	}
	if m == nil {
		return
	}
	if c.o.Message != nil {
		c.o.Message(m)
	}
	switch {
	case m.IsRequest():
		if c.o.Handle != nil {
			if res, rpcErr, ok := c.o.Handle(m); ok {
				go c.answer(m, res, rpcErr)
			}
		}
	case m.IsResponse():
		c.settle(m)
	}
}

// settle hands an answer to the Call waiting for it.
func (c *Conn) settle(m *Msg) {
	key := string(m.ID)
	c.mu.Lock()
	ch := c.pending[key]
	delete(c.pending, key)
	late := c.abandoned[key]
	c.mu.Unlock()
	switch {
	case ch != nil:
		ch <- m
	case c.o.StrictIDs && string(m.ID) == "null":
		c.problem("an answer with id null: %s", Clip(m.Raw, 300))
	case c.o.StrictIDs && !late:
		c.problem("an answer with id %s matches no request in flight", key)
	}
}

func (c *Conn) answer(m *Msg, result any, rpcErr *Error) {
	out := map[string]any{"jsonrpc": "2.0", "id": m.ID}
	if rpcErr != nil {
		out["error"] = rpcErr
	} else {
		out["result"] = result
	}
	b, err := json.Marshal(out)
	if err == nil {
		err = c.WriteLine(b)
	}
	if err != nil {
		c.problem("answering the server's %s request: %v", m.Method, err)
	}
}

func (c *Conn) problem(format string, a ...any) {
	if c.o.Problem != nil {
		c.o.Problem(fmt.Sprintf(format, a...))
	}
}

// WriteLine writes b and a newline to stdin in one write, within
// Options.WriteTimeout.
func (c *Conn) WriteLine(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.o.Trace != nil {
		c.o.Trace("->", b)
	}
	buf := append(bytes.Clone(b), '\n')
	done := make(chan error, 1)
	go func() {
		_, err := c.w.Write(buf)
		done <- err
	}()
	t := time.NewTimer(c.o.WriteTimeout)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		return fmt.Errorf("writing %d bytes to the bridge's stdin blocked for %v", len(buf), c.o.WriteTimeout)
	}
}

// NewID returns a numeric request id this Conn has not used.
func (c *Conn) NewID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	id := c.nextID
	c.nextID++
	return strconv.FormatInt(id, 10)
}

// Call sends a request and waits for its answer; an error answer comes
// back as *Error.
func (c *Conn) Call(ctx context.Context, method string, params any) (json.RawMessage, error) {
	id := c.NewID()
	ch := make(chan *Msg, 1)
	c.mu.Lock()
	c.pending[id] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
	}()
	if err := c.WriteLine([]byte(RequestLine(id, method, params))); err != nil {
		return nil, fmt.Errorf("%s: write to the bridge: %w", method, err)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return nil, m.Error
		}
		return m.Result, nil
	case <-c.done:
		return nil, fmt.Errorf("%s (id %s): the bridge closed stdout without answering", method, id)
	case <-ctx.Done():
		c.mu.Lock()
		c.abandoned[id] = true
		c.mu.Unlock()
		return nil, fmt.Errorf("%s (id %s): no answer in time: %w", method, id, ctx.Err())
	}
}

// Notify sends a notification.
func (c *Conn) Notify(method string, params any) error {
	return c.WriteLine([]byte(NotificationLine(method, params)))
}

// RequestLine builds a request line; params may be nil.
func RequestLine(id, method string, params any) string {
	if params == nil {
		return fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"method":%q}`, id, method)
	}
	p, err := json.Marshal(params)
	if err != nil {
		panic(err) // a test's own params: a bug in the test
	}
	return fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"method":%q,"params":%s}`, id, method, p)
}

// NotificationLine builds a notification line; params may be nil.
func NotificationLine(method string, params any) string {
	if params == nil {
		return fmt.Sprintf(`{"jsonrpc":"2.0","method":%q}`, method)
	}
	p, err := json.Marshal(params)
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf(`{"jsonrpc":"2.0","method":%q,"params":%s}`, method, p)
}

// Clip shortens b to n bytes for a message, saying how long it was.
func Clip(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + fmt.Sprintf("… (%d bytes)", len(b))
}
