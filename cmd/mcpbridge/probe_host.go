package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/mcpbridge/mcpbridge/bridge"
)

// host plays an MCP client on the stdio side of a real bridge running in
// this process.
type host struct {
	in     *io.PipeWriter
	lines  chan []byte // the bridge's stdout, a message a line
	done   chan error  // bridge.Run's result
	cancel context.CancelFunc
	next   int
}

var errBridgeStopped = errors.New("the bridge stopped")

func startHost(ctx context.Context, cfg bridge.Config) *host {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(ctx)
	h := &host{in: inW, lines: make(chan []byte, 64), done: make(chan error, 1), cancel: cancel}
	go func() {
		err := bridge.Run(ctx, cfg, inR, outW)
		inR.CloseWithError(errBridgeStopped) // a later write fails instead of blocking
		outW.Close()
		h.done <- err
	}()
	go h.read(outR)
	return h
}

func (h *host) read(r io.Reader) {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			h.lines <- line
		}
		if err != nil {
			close(h.lines)
			return
		}
	}
}

func (h *host) send(msg []byte) error {
	if _, err := h.in.Write(append(msg, '\n')); err != nil {
		return fmt.Errorf("write to the bridge: %w", err)
	}
	return nil
}

// call sends a request and waits for its answer, answering the server's
// own requests meanwhile (ping; anything else is not offered).
func (h *host) call(ctx context.Context, method string, params any) (json.RawMessage, error) {
	h.next++
	id := strconv.Itoa(h.next)
	if err := h.send(rpcBody(h.next, method, params)); err != nil {
		return nil, err
	}
	for {
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("no answer to %s: %w", method, ctx.Err())
		case line, ok := <-h.lines:
			if !ok {
				return nil, fmt.Errorf("the bridge stopped before answering %s", method)
			}
			var m rpcMessage
			if err := json.Unmarshal(line, &m); err != nil {
				return nil, withHint(fmt.Errorf("the bridge wrote a line that is not JSON: %w", err), "this is a bug in mcpbridge: please report it with this output")
			}
			switch {
			case m.Method != "" && m.ID != nil:
				h.answer(m)
			case m.Method != "" || string(m.ID) != id:
				// a notification, or an answer to someone else
			case m.Error != nil:
				return nil, m.Error
			default:
				return m.Result, nil
			}
		}
	}
}

func (h *host) answer(m rpcMessage) {
	reply := map[string]any{"jsonrpc": "2.0", "id": m.ID}
	if m.Method == "ping" {
		reply["result"] = map[string]any{}
	} else {
		reply["error"] = map[string]any{"code": codeMethodNotFound, "message": "mcpbridge probe offers no " + m.Method}
	}
	b, _ := json.Marshal(reply)
	_ = h.send(b)
}

// close ends stdin, as a host that quits does, and waits for the bridge.
func (h *host) close(grace time.Duration) error {
	go func() {
		for range h.lines { // nobody reads any more: keep the bridge's stdout flowing
		}
	}()
	h.in.Close()
	select {
	case err := <-h.done:
		if err != nil {
			return fmt.Errorf("the bridge stopped with an error: %w", err)
		}
		return nil
	case <-time.After(grace):
	}
	h.cancel()
	select {
	case <-h.done:
	case <-time.After(2 * time.Second):
	}
	return withHint(fmt.Errorf("the bridge did not stop within %v of its stdin closing", grace), "this is a bug in mcpbridge: please report it with this output")
}

// mcp is step 5: the real bridge with the probe as its host, as a client
// would use it.
func (p *prober) mcp(ctx context.Context) {
	h := startHost(ctx, p.cfg)
	var caps map[string]json.RawMessage
	init := p.step(ctx, "initialize", "the server's answer", true, seconds(p.o.headersTimeout), "--headers-timeout", func(ctx context.Context, st *step) error {
		st.set("through", "the bridge, in this process, as a host would start it")
		raw, err := h.call(ctx, "initialize", initParams())
		if err != nil {
			return withHint(fmt.Errorf("initialize through the bridge: %w", err), "the lines above say why; the same run with --debug writes a detailed log")
		}
		res := describeInit(st, raw)
		caps = res.Capabilities
		st.set("capabilities", capabilityNames(caps))
		st.set("instructions", res.Instructions != "")
		return h.send([]byte(`{"jsonrpc":"2.0","method":"notifications/initialized"}`))
	})
	if init.OK {
		for _, l := range []struct{ method, field string }{{"tools/list", "tools"}, {"resources/list", "resources"}, {"prompts/list", "prompts"}} {
			_, announced := caps[l.field]
			p.list(ctx, h, l.method, l.field, announced)
		}
	}
	p.rep.run("bridge-exit", "the bridge to stop", true, func(st *step) error {
		st.set("how", "stdin closed, as a host that quits does")
		return h.close(5 * time.Second)
	})
}

// list fetches every page of a list method and counts the items; a
// method-not-found for a capability the server did not announce means
// none.
func (p *prober) list(ctx context.Context, h *host, method, field string, announced bool) {
	p.step(ctx, method, "the server's answer", true, seconds(p.o.headersTimeout), "--headers-timeout", func(ctx context.Context, st *step) error {
		var names []string
		cursor, pages := "", 0
		for pages < 100 {
			var params any
			if cursor != "" {
				params = map[string]any{"cursor": cursor}
			}
			raw, err := h.call(ctx, method, params)
			var re *rpcError
			if errors.As(err, &re) && re.Code == codeMethodNotFound && !announced {
				st.set("count", 0)
				st.set("note", "none: the server does not offer "+field)
				return nil
			}
			if err != nil {
				return withHint(err, "the server failed to list its "+field+"; its logs say why")
			}
			pages++
			got, next := pageItems(raw, field)
			names, cursor = append(names, got...), next
			if cursor == "" {
				break
			}
		}
		st.set("count", len(names))
		st.set("pages", pages)
		if field == "tools" {
			st.set("first", names[:min(len(names), 5)])
		}
		return nil
	})
}

// pageItems returns the names (or URIs) of one page's items and its
// nextCursor.
func pageItems(raw json.RawMessage, field string) ([]string, string) {
	var page map[string]json.RawMessage
	_ = json.Unmarshal(raw, &page)
	var items []struct {
		Name string `json:"name"`
		URI  string `json:"uri"`
	}
	_ = json.Unmarshal(page[field], &items)
	var next string
	_ = json.Unmarshal(page["nextCursor"], &next)
	names := make([]string, 0, len(items))
	for _, it := range items {
		names = append(names, cmp.Or(it.Name, it.URI))
	}
	return names, next
}
