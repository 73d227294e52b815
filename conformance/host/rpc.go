package main

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
)

// rpcError is a JSON-RPC error object.
type rpcError struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

func (e *rpcError) Error() string {
	if len(e.Data) > 0 {
		return fmt.Sprintf("JSON-RPC error %d: %s (data %s)", e.Code, e.Message, clip(e.Data, 300))
	}
	return fmt.Sprintf("JSON-RPC error %d: %s", e.Code, e.Message)
}

// wireMsg is any JSON-RPC message; which fields are set tells its kind.
type wireMsg struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method,omitempty"`
	Params  json.RawMessage `json:"params,omitempty"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *rpcError       `json:"error,omitempty"`
}

// peer speaks newline-delimited JSON-RPC with the bridge: requests out with
// fresh integer ids, answers matched back by id, the server's requests
// (arriving through the bridge) answered by handle.
type peer struct {
	w   io.Writer
	log *logger

	wmu sync.Mutex

	mu         sync.Mutex
	nextID     int64
	pending    map[string]chan *wireMsg
	abandoned  map[string]bool // requests given up on: a late answer is no fault
	violations []string

	handle func(method string, params json.RawMessage) (any, *rpcError)
	done   chan struct{} // closed when the bridge's stdout ends
}

func newPeer(w io.Writer, log *logger) *peer {
	return &peer{w: w, log: log, nextID: 1, pending: map[string]chan *wireMsg{}, abandoned: map[string]bool{}, done: make(chan struct{})}
}

func (p *peer) violate(format string, a ...any) {
	m := fmt.Sprintf(format, a...)
	p.log.printf("VIOLATION: %s", m)
	p.mu.Lock()
	p.violations = append(p.violations, m)
	p.mu.Unlock()
}

func (p *peer) takeViolations() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	v := p.violations
	p.violations = nil
	return v
}

func (p *peer) send(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	p.log.printf("-> %s", clip(b, 1500))
	p.wmu.Lock()
	defer p.wmu.Unlock()
	_, err = p.w.Write(append(b, '\n'))
	return err
}

// call sends a request and waits for its answer. A JSON-RPC error answer
// comes back as *rpcError.
func (p *peer) call(ctx context.Context, method string, params any) (json.RawMessage, error) {
	p.mu.Lock()
	id := p.nextID
	p.nextID++
	ch := make(chan *wireMsg, 1)
	key := strconv.FormatInt(id, 10)
	p.pending[key] = ch
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.pending, key)
		p.mu.Unlock()
	}()
	req := map[string]any{"jsonrpc": "2.0", "id": id, "method": method}
	if params != nil {
		req["params"] = params
	}
	if err := p.send(req); err != nil {
		return nil, fmt.Errorf("%s: writing to mcpbridge: %w", method, err)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return nil, m.Error
		}
		if m.Result == nil {
			return nil, fmt.Errorf("%s: answer has neither result nor error", method)
		}
		return m.Result, nil
	case <-p.done:
		return nil, fmt.Errorf("%s (id %d): mcpbridge closed stdout without answering", method, id)
	case <-ctx.Done():
		p.mu.Lock()
		p.abandoned[key] = true
		p.mu.Unlock()
		return nil, fmt.Errorf("%s (id %d): no answer before the host's deadline", method, id)
	}
}

func (p *peer) notify(method string, params any) error {
	n := map[string]any{"jsonrpc": "2.0", "method": method}
	if params != nil {
		n["params"] = params
	}
	return p.send(n)
}

// readLoop reads the bridge's stdout until EOF. Every line must be one
// JSON-RPC message (the bridge's promise); anything else is recorded.
func (p *peer) readLoop(r io.Reader) {
	defer close(p.done)
	br := bufio.NewReaderSize(r, 1<<16)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			p.dispatch(line)
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				p.log.printf("reading mcpbridge stdout: %v", err)
			}
			return
		}
	}
}

func (p *peer) dispatch(line []byte) {
	body := bytes.TrimRight(line, "\r\n")
	p.log.printf("<- %s", clip(body, 1500))
	if len(bytes.TrimSpace(body)) == 0 {
		p.violate("blank line on stdout")
		return
	}
	var m wireMsg
	if err := json.Unmarshal(body, &m); err != nil {
		p.violate("stdout line is not one JSON-RPC message: %v", err)
		return
	}
	if m.JSONRPC != "2.0" {
		p.violate("message without jsonrpc \"2.0\"")
	}
	hasID := len(m.ID) > 0 && string(m.ID) != "null"
	switch {
	case m.Method != "" && hasID:
		go p.answer(m)
	case m.Method != "":
		// A notification: the trace above is all a host needs here.
	case hasID:
		key := string(m.ID)
		p.mu.Lock()
		ch := p.pending[key]
		delete(p.pending, key)
		late := p.abandoned[key]
		p.mu.Unlock()
		if ch == nil && late {
			p.log.printf("(late answer to id %s, given up on before)", key)
			return
		}
		if ch == nil {
			p.violate("answer with id %s matches no request in flight", key)
			return
		}
		ch <- &m
	default:
		// An error with id null: the bridge could not read something we sent.
		p.violate("answer with id null: %s", clip(body, 300))
	}
}

func (p *peer) answer(m wireMsg) {
	res, rerr := p.handle(m.Method, m.Params)
	out := map[string]any{"jsonrpc": "2.0", "id": m.ID}
	if rerr != nil {
		out["error"] = rerr
	} else {
		out["result"] = res
	}
	if err := p.send(out); err != nil {
		p.log.printf("answering %s: %v", m.Method, err)
	}
}

func clip(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + fmt.Sprintf("… (%d bytes)", len(b))
}
