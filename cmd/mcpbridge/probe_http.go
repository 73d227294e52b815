package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/mcpbridge/mcpbridge/internal/netrule"
)

// rpcMessage is the part of a JSON-RPC message the probe reads.
type rpcMessage struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Result json.RawMessage `json:"result"`
	Error  *rpcError       `json:"error"`
}

type rpcError struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
}

func (e *rpcError) Error() string { return fmt.Sprintf("JSON-RPC error %d: %s", e.Code, e.Message) }

const codeMethodNotFound = -32601

// request builds a request to the server with the user's headers, and the
// sign-in's token once the probe has one.
func (p *prober) request(ctx context.Context, method, target string, body []byte, hdr http.Header) (*http.Request, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, r)
	if err != nil {
		return nil, fmt.Errorf("build the request: %w", err)
	}
	for k, vs := range p.cfg.Header {
		req.Header[k] = vs
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	req.Header.Set("User-Agent", "mcpbridge/"+version+" (probe)")
	if p.authorized && p.cfg.Auth != nil && req.Header.Get("Authorization") == "" {
		if err := p.cfg.Auth.Authorize(ctx, req); err != nil {
			return nil, fmt.Errorf("get credentials: %w", err)
		}
	}
	return req, nil
}

// postRPC POSTs one JSON-RPC request and reads its answer, as JSON or as
// an event stream. msg is nil when the body holds no JSON-RPC answer.
func (p *prober) postRPC(ctx context.Context, body []byte, hdr http.Header) (*http.Response, *rpcMessage, []byte, error) {
	h := http.Header{"Accept": {"application/json, text/event-stream"}, "Content-Type": {"application/json"}}
	for k, vs := range hdr {
		h[k] = vs
	}
	req, err := p.request(ctx, http.MethodPost, p.cfg.URL.String(), body, h)
	if err != nil {
		return nil, nil, nil, err
	}
	resp, err := p.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, nil, nil, withHint(fmt.Errorf("POST %s: %w", netrule.Redact(p.cfg.URL), err), "the server did not answer the request; the steps above show whether it can be reached")
	}
	defer resp.Body.Close()
	if mediaTypeOf(resp) == "text/event-stream" {
		msg, err := answerFromStream(resp.Body)
		return resp, msg, nil, err
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return resp, nil, raw, fmt.Errorf("read the answer: %w", err)
	}
	var msg rpcMessage
	if json.Unmarshal(raw, &msg) != nil || (msg.Result == nil && msg.Error == nil) {
		return resp, nil, raw, nil
	}
	return resp, &msg, raw, nil
}

func mediaTypeOf(resp *http.Response) string {
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return strings.ToLower(mt)
}

// answerFromStream reads events until one carries a JSON-RPC answer
// (notifications and server requests before it are skipped).
func answerFromStream(r io.Reader) (*rpcMessage, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		_, data, err := nextEvent(br)
		if err != nil {
			return nil, fmt.Errorf("the event stream ended before the answer: %w", err)
		}
		var msg rpcMessage
		if json.Unmarshal([]byte(data), &msg) == nil && (msg.Result != nil || msg.Error != nil) {
			return &msg, nil
		}
	}
}

// nextEvent reads one server-sent event (HTML Living Standard §9.2.6):
// its name and its data lines joined by newlines.
func nextEvent(br *bufio.Reader) (string, string, error) {
	var name string
	var data []string
	for {
		line, err := br.ReadString('\n')
		line = strings.TrimRight(line, "\r\n")
		if line == "" && (name != "" || data != nil) {
			return name, strings.Join(data, "\n"), nil
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return "", "", err
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "event":
			name = value
		case "data":
			data = append(data, value)
		}
	}
}
