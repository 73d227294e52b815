package probe

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/mcpbridge/mcpbridge/bridge"
	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
	"github.com/mcpbridge/mcpbridge/bridge/transport"
	"github.com/mcpbridge/mcpbridge/internal/netrule"
)

// outcome is what one transport attempt found.
type outcome int

const (
	failed    outcome = iota
	answered          // this transport answers
	refused           // not here (400, 404, 405): the other transport is next
	needsAuth         // 401: sign in first
)

// transport finds which transport answers at the URL, in the order
// --transport gives, falling back once as the spec's backwards
// compatibility rules say (Streamable HTTP §Backward Compatibility).
func (p *prober) transport(ctx context.Context) bool {
	first, second := p.tryPOST, p.tryGET
	switch p.bridge.Transport {
	case bridge.SSEFirst:
		first, second = p.tryGET, p.tryPOST
	case bridge.HTTPOnly:
		second = nil
	case bridge.SSEOnly:
		first, second = p.tryGET, nil
	}
	out := first(ctx, second != nil)
	if out == refused {
		out = second(ctx, false)
	}
	return out == answered || out == needsAuth
}

func (p *prober) stepName(kind string) string {
	if p.authorized {
		return kind + " (signed in)"
	}
	return kind
}

// tryPOST sends initialize as a Streamable HTTP client does, then ends the
// session it opened.
func (p *prober) tryPOST(ctx context.Context, fallback bool) outcome {
	out := failed
	p.headersStep(ctx, p.stepName(kindStreamable), "the server's answer", true, func(ctx context.Context, st *Step) error {
		st.set("request", "POST initialize (protocol "+hostProtocol+")")
		p.init = initialize(p.cfg.Version)
		resp, ans, raw, err := p.postRPC(ctx, p.init, nil)
		if resp != nil {
			st.set("status", resp.Status)
			st.set("content_type", resp.Header.Get("Content-Type"))
		}
		switch {
		case err != nil:
			return err
		case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
			out, err = p.refusal(st, resp, raw)
			return err
		case transport.OtherTransport(resp.StatusCode) && ans == nil && fallback:
			st.Required, out = false, refused
			return fmt.Errorf("HTTP %d: no Streamable HTTP endpoint here; HTTP+SSE is next", resp.StatusCode)
		case transport.OtherTransport(resp.StatusCode) && ans == nil:
			return withHint(fmt.Errorf("the server takes no POST at this URL (HTTP %d)", resp.StatusCode),
				"check the URL's path (often /mcp); for an old HTTP+SSE server pass --transport sse-only (its URL often ends in /sse)")
		case resp.StatusCode/100 != 2 || ans == nil:
			return unexpectedAnswer(resp, raw)
		}
		if f := jsonrpc.Failure(ans); f != nil {
			return withHint(fmt.Errorf("the server refused initialize: %w", f), "the server's logs say why")
		}
		res := describeInit(st, ans.Flat().Result)
		st.set("transport", kindStreamable)
		sid := resp.Header.Get(transport.HeaderSession)
		st.set("session_id_given", sid != "")
		if sid != "" {
			st.set("session_closed", p.endSession(ctx, sid, res.ProtocolVersion))
		}
		p.kind, out = kindStreamable, answered
		return nil
	})
	return out
}

// tryGET opens an HTTP+SSE stream (protocol 2024-11-05) and waits for its
// endpoint event; closing the stream ends that session.
func (p *prober) tryGET(ctx context.Context, fallback bool) outcome {
	out := failed
	p.headersStep(ctx, p.stepName(kindLegacy), "the endpoint event", true, func(ctx context.Context, st *Step) error {
		st.set("request", "GET, expecting an event stream that starts with an endpoint event")
		req, err := p.request(ctx, http.MethodGet, p.bridge.URL.String(), nil, http.Header{"Accept": {"text/event-stream"}})
		if err != nil {
			return err
		}
		resp, err := p.bridge.HTTPClient.Do(req)
		if err != nil {
			return withHint(fmt.Errorf("GET %s: %w", netrule.Redact(p.bridge.URL), err), "the server did not answer; the steps above show whether it can be reached")
		}
		defer resp.Body.Close()
		st.set("status", resp.Status)
		st.set("content_type", resp.Header.Get("Content-Type"))
		stream := resp.StatusCode/100 == 2 && transport.MediaType(resp) == "text/event-stream"
		switch {
		case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
			raw, _ := transport.ReadBody(resp, maxAnswer) // nil when too large to quote
			out, err = p.refusal(st, resp, raw)
			return err
		case !stream && transport.OtherTransport(resp.StatusCode) && fallback:
			st.Required, out = false, refused
			return fmt.Errorf("HTTP %d: no HTTP+SSE stream here; Streamable HTTP is next", resp.StatusCode)
		case !stream:
			err := unexpectedAnswer(resp, nil)
			if transport.OtherTransport(resp.StatusCode) {
				err = withHint(err, "the server offers no HTTP+SSE stream here: drop --transport sse-only / sse-first, or check the URL")
			}
			return err
		}
		if err := p.endpointEvent(st, resp); err != nil {
			return err
		}
		p.kind, out = kindLegacy, answered
		return nil
	})
	return out
}

// endpointEvent reads the stream's first event, which must name the
// endpoint, held to the rules the transport posts under.
func (p *prober) endpointEvent(st *Step, resp *http.Response) error {
	e, err := transport.NewEventReader(io.LimitReader(resp.Body, maxAnswer)).Next()
	if err != nil {
		return withHint(fmt.Errorf("the stream sent no event: %w", err), "the server opened a stream but said nothing; its logs say why")
	}
	if e.Name != "endpoint" {
		return withHint(fmt.Errorf("the first event is %q, not endpoint", e.Name), "this is not an HTTP+SSE (2024-11-05) server; try --transport http-only")
	}
	ep, err := transport.ResolveEndpoint(p.bridge.URL, e.Data)
	if err != nil {
		return withHint(err, "the bridge refuses this endpoint too: tell the server's administrator")
	}
	st.set("transport", kindLegacy)
	st.set("endpoint", redactURL(ep))
	st.set("session_closed", "yes (the stream was closed)")
	return nil
}

// redactURL is netrule.Redact for a URL the transport checked already.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return netrule.Redact(u)
}
