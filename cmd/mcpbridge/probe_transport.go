package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/mcpbridge/mcpbridge/bridge"
	"github.com/mcpbridge/mcpbridge/internal/netrule"
	"github.com/mcpbridge/mcpbridge/internal/safetext"
)

const (
	kindStreamable = "streamable-http"
	kindLegacy     = "legacy-sse"
	hostProtocol   = "2025-11-25" // what the probe asks for in initialize
	modernProtocol = "2026-07-28" // the protocol of server/discover
)

// outcome is what one transport attempt found.
type outcome int

const (
	failed    outcome = iota
	answered          // this transport answers
	refused           // not here (404, 405…): the other transport is next
	needsAuth         // 401: sign in first
)

// transport is step 3: which transport answers at the URL, in the order
// --transport gives, falling back once as the spec's backwards
// compatibility rules say (Streamable HTTP §Backward Compatibility).
func (p *prober) transport(ctx context.Context) bool {
	first, second := p.tryPOST, p.tryGET
	switch p.cfg.Transport {
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
	p.step(ctx, p.stepName(kindStreamable), "the server's answer", true, seconds(p.o.headersTimeout), "--headers-timeout", func(ctx context.Context, st *step) error {
		st.set("request", "POST initialize (protocol "+hostProtocol+")")
		resp, msg, raw, err := p.postRPC(ctx, rpcBody(1, "initialize", initParams()), nil)
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
		case isElsewhere(resp.StatusCode) && msg == nil && fallback:
			st.Required, out = false, refused
			return fmt.Errorf("HTTP %d: no Streamable HTTP endpoint here; HTTP+SSE is next", resp.StatusCode)
		case isElsewhere(resp.StatusCode) && msg == nil:
			return withHint(fmt.Errorf("the server takes no POST at this URL (HTTP %d)", resp.StatusCode),
				"check the URL's path (often /mcp); for an old HTTP+SSE server pass --transport sse-only (its URL often ends in /sse)")
		case resp.StatusCode/100 != 2 || msg == nil:
			return unexpectedAnswer(resp, raw)
		case msg.Error != nil:
			return withHint(fmt.Errorf("the server refused initialize: %w", msg.Error), "the server's logs say why")
		}
		res := describeInit(st, msg.Result)
		st.set("transport", kindStreamable)
		sid := resp.Header.Get("Mcp-Session-Id")
		st.set("session_id_given", sid != "")
		if sid != "" {
			st.set("session_closed", p.endSession(ctx, sid, res.ProtocolVersion))
		}
		p.kind, out = kindStreamable, answered
		return nil
	})
	return out
}

// isElsewhere: answers that mean "not this transport here" (400, 404 and
// 405 without a JSON-RPC error).
func isElsewhere(code int) bool {
	return code == http.StatusBadRequest || code == http.StatusNotFound || code == http.StatusMethodNotAllowed
}

// tryGET opens an HTTP+SSE stream (protocol 2024-11-05) and waits for its
// endpoint event; closing the stream ends that session.
func (p *prober) tryGET(ctx context.Context, fallback bool) outcome {
	out := failed
	p.step(ctx, p.stepName(kindLegacy), "the endpoint event", true, seconds(p.o.headersTimeout), "--headers-timeout", func(ctx context.Context, st *step) error {
		st.set("request", "GET, expecting an event stream that starts with an endpoint event")
		req, err := p.request(ctx, http.MethodGet, p.cfg.URL.String(), nil, http.Header{"Accept": {"text/event-stream"}})
		if err != nil {
			return err
		}
		resp, err := p.cfg.HTTPClient.Do(req)
		if err != nil {
			return withHint(fmt.Errorf("GET %s: %w", netrule.Redact(p.cfg.URL), err), "the server did not answer; the steps above show whether it can be reached")
		}
		defer resp.Body.Close()
		st.set("status", resp.Status)
		st.set("content_type", resp.Header.Get("Content-Type"))
		stream := resp.StatusCode/100 == 2 && mediaTypeOf(resp) == "text/event-stream"
		switch {
		case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
			raw, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
			out, err = p.refusal(st, resp, raw)
			return err
		case !stream && isElsewhere(resp.StatusCode) && fallback:
			st.Required, out = false, refused
			return fmt.Errorf("HTTP %d: no HTTP+SSE stream here; Streamable HTTP is next", resp.StatusCode)
		case !stream:
			err := unexpectedAnswer(resp, nil)
			if isElsewhere(resp.StatusCode) {
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

func (p *prober) endpointEvent(st *step, resp *http.Response) error {
	name, data, err := nextEvent(bufio.NewReader(resp.Body))
	if err != nil {
		return withHint(fmt.Errorf("the stream sent no event: %w", err), "the server opened a stream but said nothing; its logs say why")
	}
	if name != "endpoint" {
		return withHint(fmt.Errorf("the first event is %q, not endpoint", name), "this is not an HTTP+SSE (2024-11-05) server; try --transport http-only")
	}
	ep, err := p.cfg.URL.Parse(strings.TrimSpace(data))
	if err != nil {
		return fmt.Errorf("the endpoint event holds no URL: %w", err)
	}
	st.set("transport", kindLegacy)
	st.set("endpoint", netrule.Redact(ep))
	st.set("session_closed", "yes (the stream was closed)")
	return nil
}

// refusal handles a 401 or 403: a 401 before any sign-in leads to the
// authorization steps; anything else is a failure with a hint.
func (p *prober) refusal(st *step, resp *http.Response, raw []byte) (outcome, error) {
	p.challenges = resp.Header.Values("WWW-Authenticate")
	userAuth := p.cfg.Header.Get("Authorization") != ""
	if resp.StatusCode == http.StatusUnauthorized && !p.authorized {
		p.wantsAuth = true
		if userAuth {
			st.set("credentials", "your Authorization header was refused (see the authorization steps)")
		} else {
			st.set("sign_in", "needed (see the authorization steps)")
		}
		return needsAuth, nil
	}
	ch := firstChallenge(p.challenges)
	if resp.StatusCode == http.StatusForbidden && ch.Error == "insufficient_scope" {
		return failed, withHint(fmt.Errorf("the token lacks a scope the server wants (HTTP 403, %s)", strings.Join(ch.Scope, " ")),
			`sign in again with that scope: mcpbridge login URL --static-oauth-client-metadata '{"scope":"…"}'`)
	}
	if resp.StatusCode == http.StatusForbidden {
		err := errors.New("the server refused access (HTTP 403)")
		if s := safetext.Line(raw, 160); s != "" {
			err = fmt.Errorf("%w: %s", err, s)
		}
		return failed, withHint(err, "the answer above says why; your account may not be allowed to use this server, or a gateway refuses this host name: ask the server's administrator")
	}
	return failed, withHint(errors.New("the server refused the token from the sign-in (HTTP 401)"),
		"run mcpbridge logout URL and probe again; if it persists, check --resource and the scopes with the server's administrator")
}

// unexpectedAnswer describes an answer that is not MCP.
func unexpectedAnswer(resp *http.Response, raw []byte) error {
	err := fmt.Errorf("the server answered %s (%s)", resp.Status, orNone(resp.Header.Get("Content-Type")))
	if s := safetext.Line(raw, 160); s != "" {
		err = fmt.Errorf("%w: %s", err, s)
	}
	switch {
	case resp.StatusCode >= 500:
		return withHint(err, "the server failed; its logs say why. A web page here may mean the URL points at a website, not its MCP endpoint (often /mcp)")
	case resp.StatusCode == http.StatusTooManyRequests:
		return withHint(err, "the server limits requests: wait a little and probe again")
	case resp.StatusCode/100 == 2:
		return withHint(err, "the answer is not JSON-RPC: check that the URL is the MCP endpoint, not a web page")
	}
	return withHint(err, "check the URL; the server's logs say why it refused")
}

func orNone(s string) string {
	if s == "" {
		return "no Content-Type"
	}
	return s
}

// endSession DELETEs the session the probe opened (Streamable HTTP
// §Session Management) and says how that went.
func (p *prober) endSession(ctx context.Context, sid, protocol string) string {
	hdr := http.Header{"Mcp-Session-Id": {sid}}
	if protocol != "" {
		hdr.Set("Mcp-Protocol-Version", protocol)
	}
	req, err := p.request(ctx, http.MethodDelete, p.cfg.URL.String(), nil, hdr)
	if err != nil {
		return "no: " + err.Error()
	}
	resp, err := p.cfg.HTTPClient.Do(req)
	if err != nil {
		return "no: " + err.Error()
	}
	resp.Body.Close()
	switch {
	case resp.StatusCode/100 == 2:
		return "yes (DELETE: " + resp.Status + ")"
	case resp.StatusCode == http.StatusMethodNotAllowed:
		return "the server lets no client end a session (DELETE: 405); it ends it itself"
	}
	return "DELETE answered " + resp.Status
}

// initResult is the part of an initialize result the probe shows.
type initResult struct {
	ProtocolVersion string                     `json:"protocolVersion"`
	Capabilities    map[string]json.RawMessage `json:"capabilities"`
	ServerInfo      struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	} `json:"serverInfo"`
	Instructions string `json:"instructions"`
}

func describeInit(st *step, raw json.RawMessage) initResult {
	var res initResult
	_ = json.Unmarshal(raw, &res)
	st.set("protocol_version", res.ProtocolVersion)
	st.set("server", strings.TrimSpace(res.ServerInfo.Name+" "+res.ServerInfo.Version))
	return res
}

func initParams() map[string]any {
	return map[string]any{"protocolVersion": hostProtocol, "capabilities": map[string]any{},
		"clientInfo": map[string]any{"name": "mcpbridge-probe", "version": version}}
}

// rpcBody is one JSON-RPC request; params nil leaves them out.
func rpcBody(id any, method string, params any) []byte {
	m := map[string]any{"jsonrpc": "2.0", "id": id, "method": method}
	if params != nil {
		m["params"] = params
	}
	b, _ := json.Marshal(m)
	return b
}
