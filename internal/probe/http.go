package probe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
	"github.com/mcpbridge/mcpbridge/bridge/transport"
	"github.com/mcpbridge/mcpbridge/internal/netrule"
)

// maxAnswer bounds what the probe reads of one answer: a JSON body, or an
// event stream up to the event that answers.
const maxAnswer = 1 << 20

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
	for k, vs := range p.bridge.Header {
		req.Header[k] = vs
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	req.Header.Set("User-Agent", "mcpbridge/"+p.cfg.Version+" (probe)")
	if p.authorized && p.bridge.Auth != nil && req.Header.Get("Authorization") == "" {
		if err := p.bridge.Auth.Authorize(ctx, req); err != nil {
			return nil, fmt.Errorf("get credentials: %w", err)
		}
	}
	return req, nil
}

// postRPC POSTs one JSON-RPC request and reads its answer, as JSON or as
// an event stream. ans is nil when the body holds no JSON-RPC answer to
// it; raw is the JSON body read, for the error that says what came (nil
// for a refusal too large to quote: its status still says what it is).
func (p *prober) postRPC(ctx context.Context, m *jsonrpc.Message, hdr http.Header) (resp *http.Response, ans *jsonrpc.Message, raw []byte, err error) {
	h := http.Header{"Accept": {"application/json, text/event-stream"}, "Content-Type": {"application/json"}}
	for k, vs := range hdr {
		h[k] = vs
	}
	req, err := p.request(ctx, http.MethodPost, p.bridge.URL.String(), m.Raw, h)
	if err != nil {
		return nil, nil, nil, err
	}
	resp, err = p.bridge.HTTPClient.Do(req)
	if err != nil {
		return nil, nil, nil, withHint(fmt.Errorf("POST %s: %w", netrule.Redact(p.bridge.URL), err), "the server did not answer the request; the steps above show whether it can be reached")
	}
	defer resp.Body.Close()
	if transport.MediaType(resp) == "text/event-stream" {
		ans, err := answerFromStream(resp.Body, m.ID)
		return resp, ans, nil, err
	}
	raw, err = transport.ReadBody(resp, maxAnswer)
	if err != nil && resp.StatusCode/100 == 2 {
		return resp, nil, raw, fmt.Errorf("read the answer: %w", err)
	}
	if ans, err := jsonrpc.Parse(raw); err == nil && ans.Kind == jsonrpc.KindResponse {
		return resp, ans, raw, nil
	}
	return resp, nil, raw, nil
}

// answerFromStream reads events until one carries the answer to the
// request with this id (notifications and server requests before it are
// skipped), as the transport's answer streams are read.
func answerFromStream(r io.Reader, id []byte) (*jsonrpc.Message, error) {
	events := transport.NewEventReader(io.LimitReader(r, maxAnswer))
	for {
		e, err := events.Next()
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			return nil, fmt.Errorf("the event stream ended (or passed the %d KiB the probe reads) before the answer: %w", maxAnswer>>10, err)
		}
		if e.Name != "message" {
			continue
		}
		m, err := jsonrpc.Parse(e.Data)
		if err == nil && m.Kind == jsonrpc.KindResponse && jsonrpc.IDKey(m.ID) == jsonrpc.IDKey(id) {
			return m, nil
		}
	}
}
