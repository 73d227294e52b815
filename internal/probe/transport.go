package probe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/mcpbridge/mcpbridge/bridge"
	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
	"github.com/mcpbridge/mcpbridge/bridge/transport"
	"github.com/mcpbridge/mcpbridge/internal/netrule"
	"github.com/mcpbridge/mcpbridge/internal/safetext"
	"github.com/mcpbridge/mcpbridge/oauthflow"
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
		if f := bridge.Failure(ans); f != nil {
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
			raw, _ := transport.ReadBody(resp, 4<<10)
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

// refusal handles a 401 or 403: a 401 before any sign-in leads to the
// authorization steps; anything else is a failure with a hint.
func (p *prober) refusal(st *Step, resp *http.Response, raw []byte) (outcome, error) {
	p.challenges = resp.Header.Values("WWW-Authenticate")
	if resp.StatusCode == http.StatusUnauthorized && !p.authorized {
		p.wantsAuth = true
		if p.bridge.Header.Get("Authorization") != "" {
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

func firstChallenge(values []string) oauthflow.Challenge {
	ch, _ := oauthflow.Bearer(oauthflow.ParseWWWAuthenticate(values))
	return ch
}

// unexpectedAnswer describes an answer that is not MCP.
func unexpectedAnswer(resp *http.Response, raw []byte) error {
	ct := resp.Header.Get("Content-Type")
	if ct == "" {
		ct = "no Content-Type"
	}
	err := fmt.Errorf("the server answered %s (%s)", resp.Status, ct)
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

// endSession DELETEs the session the probe opened (Streamable HTTP
// §Session Management) and says how that went.
func (p *prober) endSession(ctx context.Context, sid, protocol string) string {
	hdr := http.Header{transport.HeaderSession: {sid}}
	if protocol != "" {
		hdr.Set(transport.HeaderProtocolVersion, protocol)
	}
	req, err := p.request(ctx, http.MethodDelete, p.bridge.URL.String(), nil, hdr)
	if err != nil {
		return "no: " + err.Error()
	}
	resp, err := p.bridge.HTTPClient.Do(req)
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

// initialize is the probe's initialize request, as a host sends it.
func initialize(version string) *jsonrpc.Message {
	return bridge.NewRequest([]byte("1"), "initialize", initParams(version))
}

func initParams(version string) []byte {
	params, _ := json.Marshal(map[string]any{"protocolVersion": hostProtocol, "capabilities": map[string]any{},
		"clientInfo": map[string]any{"name": "mcpbridge-probe", "version": version}})
	return params
}

// initResult is the part of an initialize result the probe shows.
type initResult struct {
	ProtocolVersion string          `json:"protocolVersion"`
	Capabilities    json.RawMessage `json:"capabilities"`
	ServerInfo      struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	} `json:"serverInfo"`
	Instructions string `json:"instructions"`
}

func describeInit(st *Step, raw []byte) initResult {
	var res initResult
	_ = json.Unmarshal(raw, &res)
	st.set("protocol_version", res.ProtocolVersion)
	st.set("server", strings.TrimSpace(res.ServerInfo.Name+" "+res.ServerInfo.Version))
	return res
}
