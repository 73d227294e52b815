package probe

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/mcpbridge/mcpbridge/bridge"
	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
)

// host plays an MCP client on the stdio side of a real bridge running in
// this process.
type host struct {
	in      *io.PipeWriter
	lines   chan []byte // the bridge's stdout, a message a line
	readErr error       // why reading stopped early; set before lines closes
	done    chan error  // bridge.Run's result
	cancel  context.CancelFunc
	next    int
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

// read hands on the bridge's lines, each at most the largest message the
// bridge writes; past a longer one it drains stdout so the bridge can
// still stop.
func (h *host) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), jsonrpc.MaxMessageBytes+1)
	for sc.Scan() {
		if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 {
			h.lines <- bytes.Clone(line)
		}
	}
	h.readErr = sc.Err()
	close(h.lines)
	_, _ = io.Copy(io.Discard, r)
}

func (h *host) send(msg []byte) error {
	if _, err := h.in.Write(append(msg, '\n')); err != nil {
		return fmt.Errorf("write to the bridge: %w", err)
	}
	return nil
}

// call sends a request and waits for its answer, answering the server's
// own requests meanwhile (ping; anything else is not offered).
func (h *host) call(ctx context.Context, method string, params []byte) ([]byte, error) {
	h.next++
	id := []byte(strconv.Itoa(h.next))
	if err := h.send(jsonrpc.NewRequest(id, method, params).Raw); err != nil {
		return nil, err
	}
	for {
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("no answer to %s: %w", method, ctx.Err())
		case line, ok := <-h.lines:
			if !ok {
				return nil, fmt.Errorf("the bridge stopped before answering %s: %w", method, cmp.Or(h.readErr, io.EOF))
			}
			m, err := jsonrpc.Parse(line)
			switch {
			case err != nil:
				return nil, withHint(fmt.Errorf("the bridge wrote a line that is not JSON-RPC: %w", err), "this is a bug in mcpbridge: please report it with this output")
			case m.Kind == jsonrpc.KindRequest:
				_ = h.send(answerFor(m))
			case m.Kind != jsonrpc.KindResponse || jsonrpc.IDKey(m.ID) != jsonrpc.IDKey(id):
				// a notification, or an answer to someone else
			default:
				if f := jsonrpc.Failure(m); f != nil {
					return nil, f
				}
				return m.Flat().Result, nil
			}
		}
	}
}

// answerFor is the host's answer to a server request: ping is answered,
// anything else is not offered.
func answerFor(m *jsonrpc.Message) []byte {
	if m.Method == "ping" {
		return jsonrpc.ResultResponse(m.ID, []byte("{}"))
	}
	return jsonrpc.ErrorResponse(m.ID, jsonrpc.CodeMethodNotFound, "mcpbridge probe offers no "+m.Method, nil)
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
