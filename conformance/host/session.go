package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mcpbridge/mcpbridge/internal/stdiohost"
)

// knownVersions are the protocol versions this host can speak, newest first.
var knownVersions = []string{"2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"}

// session is one MCP connection through the bridge, in the lifecycle the
// protocol version calls for.
type session struct {
	ctx       context.Context
	p         *stdiohost.Conn
	log       *logger
	version   string
	stateless bool // 2026-07-28: no initialize, _meta on every request
	scenario  string
	context   map[string]json.RawMessage

	serverCaps map[string]json.RawMessage
}

// capabilities are what the host declares: it answers elicitation
// (form), sampling and roots requests.
func capabilities() map[string]any {
	return map[string]any{
		"elicitation": map[string]any{},
		"sampling":    map[string]any{},
		"roots":       map[string]any{"listChanged": true},
	}
}

func clientInfo() map[string]any {
	return map[string]any{"name": clientName, "version": clientVersion}
}

// callCtx bounds one request by the run's deadline only: a sign-in through
// the bridge happens inside the first request and may take most of the run.
func (s *session) callCtx() (context.Context, context.CancelFunc) {
	return context.WithCancel(s.ctx)
}

// request sends one request and returns its final result. On the
// stateless wire that is round (with its version retry) followed by
// complete (the input_required rounds).
func (s *session) request(method string, params map[string]any) (json.RawMessage, error) {
	if params == nil {
		params = map[string]any{}
	}
	res, err := s.round(method, params)
	if err != nil {
		return nil, err
	}
	return s.complete(method, params, res)
}

// round sends the request once. On the stateless wire it adds _meta and,
// when the server answers -32022 (unsupported protocol version), sends it
// again once with a version the server names.
func (s *session) round(method string, params map[string]any) (json.RawMessage, error) {
	if !s.stateless {
		ctx, cancel := s.callCtx()
		defer cancel()
		return s.p.Call(ctx, method, params)
	}
	retried := false
	for {
		params["_meta"] = map[string]any{
			"io.modelcontextprotocol/protocolVersion":    s.version,
			"io.modelcontextprotocol/clientInfo":         clientInfo(),
			"io.modelcontextprotocol/clientCapabilities": capabilities(),
		}
		ctx, cancel := s.callCtx()
		res, err := s.p.Call(ctx, method, params)
		cancel()
		var rerr *stdiohost.Error
		if retried || !errors.As(err, &rerr) || rerr.Code != -32022 {
			return res, err
		}
		retried = true
		var data struct {
			Supported []string `json:"supported"`
		}
		_ = json.Unmarshal(rerr.Data, &data)
		v := pickVersion(s.version, data.Supported)
		if v == "" {
			return nil, fmt.Errorf("%s: server supports none of our versions: %w", method, err)
		}
		s.log.printf("server refused protocol %s (supports %v); sending again with %s", s.version, data.Supported, v)
		s.version = v
	}
}

// complete finishes a request whose result is input_required (SEP-2322):
// the server's elicitation, sampling and roots requests are answered here
// and the request goes again, with a new id, carrying inputResponses and
// the server's requestState verbatim (and no requestState when the server
// sent none). A result without resultType is complete.
func (s *session) complete(method string, params map[string]any, res json.RawMessage) (json.RawMessage, error) {
	for round := 1; ; round++ {
		var r struct {
			ResultType    string                     `json:"resultType"`
			InputRequests map[string]json.RawMessage `json:"inputRequests"`
			RequestState  json.RawMessage            `json:"requestState"`
		}
		_ = json.Unmarshal(res, &r)
		if r.ResultType != "input_required" {
			return res, nil
		}
		if round > 8 {
			return nil, fmt.Errorf("%s: still input_required after %d rounds", method, round)
		}
		responses := map[string]any{}
		for key, raw := range r.InputRequests {
			var ir struct {
				Method string          `json:"method"`
				Params json.RawMessage `json:"params"`
			}
			if err := json.Unmarshal(raw, &ir); err != nil {
				return nil, fmt.Errorf("%s: input request %q: %v", method, key, err)
			}
			out, rerr := s.handleServerRequest(ir.Method, ir.Params)
			if rerr != nil {
				return nil, fmt.Errorf("%s: cannot fulfil input request %q (%s): %v", method, key, ir.Method, rerr)
			}
			responses[key] = out
		}
		params["inputResponses"] = responses
		if len(r.RequestState) > 0 && string(r.RequestState) != "null" {
			params["requestState"] = r.RequestState // verbatim
		} else {
			delete(params, "requestState")
		}
		s.log.printf("%s: input_required; answered %d input request(s), sending it again", method, len(responses))
		var err error
		if res, err = s.round(method, params); err != nil {
			return nil, err
		}
	}
}

// pickVersion keeps cur when the server lists it, else the newest version
// both sides know.
func pickVersion(cur string, supported []string) string {
	if slices.Contains(supported, cur) {
		return cur
	}
	for _, v := range knownVersions {
		if slices.Contains(supported, v) {
			return v
		}
	}
	return ""
}

// open starts the session: initialize + notifications/initialized, or on
// the stateless wire server/discover.
func (s *session) open() error {
	if s.stateless {
		res, err := s.request("server/discover", nil)
		if err != nil {
			return fmt.Errorf("server/discover: %w", err)
		}
		s.readCaps(res)
		return nil
	}
	ctx, cancel := s.callCtx()
	defer cancel()
	res, err := s.p.Call(ctx, "initialize", map[string]any{
		"protocolVersion": s.version,
		"capabilities":    capabilities(),
		"clientInfo":      clientInfo(),
	})
	if err != nil {
		return fmt.Errorf("initialize: %w", err)
	}
	var r struct {
		ProtocolVersion string `json:"protocolVersion"`
	}
	if err := json.Unmarshal(res, &r); err != nil || r.ProtocolVersion == "" {
		return fmt.Errorf("initialize: result has no protocolVersion: %s", stdiohost.Clip(res, 300))
	}
	if r.ProtocolVersion != s.version {
		s.log.printf("server chose protocol %s", r.ProtocolVersion)
		s.version = r.ProtocolVersion
	}
	s.readCaps(res)
	return s.p.Notify("notifications/initialized", nil)
}

func (s *session) readCaps(res json.RawMessage) {
	var r struct {
		Capabilities map[string]json.RawMessage `json:"capabilities"`
	}
	_ = json.Unmarshal(res, &r)
	s.serverCaps = r.Capabilities
}

type tool struct {
	Name        string          `json:"name"`
	InputSchema json.RawMessage `json:"inputSchema"`
}

// listTools follows nextCursor to the end.
func (s *session) listTools() ([]tool, error) {
	var all []tool
	cursor := ""
	for page := 0; page < 50; page++ {
		params := map[string]any{}
		if cursor != "" {
			params["cursor"] = cursor
		}
		res, err := s.request("tools/list", params)
		if err != nil {
			return nil, fmt.Errorf("tools/list: %w", err)
		}
		var r struct {
			Tools      []tool `json:"tools"`
			NextCursor string `json:"nextCursor"`
		}
		if err := json.Unmarshal(res, &r); err != nil {
			return nil, fmt.Errorf("tools/list: %v", err)
		}
		all = append(all, r.Tools...)
		if r.NextCursor == "" {
			break
		}
		cursor = r.NextCursor
	}
	names := make([]string, len(all))
	for i, t := range all {
		names[i] = t.Name
	}
	s.log.printf("tools: %s", strings.Join(names, ", "))
	return all, nil
}

// callTool calls a tool; a result with isError is an error too.
func (s *session) callTool(name string, args any) (json.RawMessage, error) {
	if args == nil {
		args = map[string]any{}
	}
	res, err := s.request("tools/call", map[string]any{"name": name, "arguments": args})
	if err != nil {
		return nil, fmt.Errorf("tools/call %s: %w", name, err)
	}
	var r struct {
		IsError bool `json:"isError"`
	}
	_ = json.Unmarshal(res, &r)
	if r.IsError {
		return res, fmt.Errorf("tools/call %s: tool error: %s", name, stdiohost.Clip(res, 300))
	}
	return res, nil
}

func findTool(tools []tool, name string) *tool {
	for i := range tools {
		if tools[i].Name == name {
			return &tools[i]
		}
	}
	return nil
}

// handleServerRequest answers what a server may ask a host: elicitation
// (the user accepts; fields get their schema default, else a plain value of
// their type), sampling (a fixed assistant reply), roots (none) and ping.
func (s *session) handleServerRequest(method string, params json.RawMessage) (any, *stdiohost.Error) {
	switch method {
	case "ping":
		return map[string]any{}, nil
	case "roots/list":
		return map[string]any{"roots": []any{}}, nil
	case "sampling/createMessage":
		return map[string]any{
			"role":       "assistant",
			"content":    map[string]any{"type": "text", "text": "Sampled by the conformance host."},
			"model":      clientName,
			"stopReason": "endTurn",
		}, nil
	case "elicitation/create":
		return elicit(params), nil
	}
	return nil, &stdiohost.Error{Code: -32601, Message: "Method not found: " + method}
}

func elicit(params json.RawMessage) map[string]any {
	var p struct {
		Mode            string `json:"mode"`
		RequestedSchema struct {
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"requestedSchema"`
	}
	_ = json.Unmarshal(params, &p)
	if p.Mode == "url" {
		return map[string]any{"action": "decline"}
	}
	content := map[string]any{}
	for name, raw := range p.RequestedSchema.Properties {
		var prop struct {
			Type    string            `json:"type"`
			Default json.RawMessage   `json:"default"`
			Enum    []json.RawMessage `json:"enum"`
			OneOf   []struct {
				Const json.RawMessage `json:"const"`
			} `json:"oneOf"`
		}
		_ = json.Unmarshal(raw, &prop)
		switch {
		case len(prop.Default) > 0:
			content[name] = prop.Default
		case len(prop.Enum) > 0:
			content[name] = prop.Enum[0]
		case len(prop.OneOf) > 0 && len(prop.OneOf[0].Const) > 0:
			content[name] = prop.OneOf[0].Const
		case prop.Type == "boolean":
			content[name] = true
		case prop.Type == "integer" || prop.Type == "number":
			content[name] = 1
		case prop.Type == "array":
			content[name] = []string{}
		default:
			content[name] = "conformance"
		}
	}
	return map[string]any{"action": "accept", "content": content}
}

// sampleArgs makes arguments for a tool from its inputSchema: every
// property gets its default, first enum value, or a plain value of its
// type.
func sampleArgs(schema json.RawMessage) map[string]any {
	var sc struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	_ = json.Unmarshal(schema, &sc)
	args := map[string]any{}
	for name, raw := range sc.Properties {
		var prop struct {
			Type    any               `json:"type"`
			Default json.RawMessage   `json:"default"`
			Enum    []json.RawMessage `json:"enum"`
		}
		_ = json.Unmarshal(raw, &prop)
		t, _ := prop.Type.(string)
		switch {
		case len(prop.Default) > 0:
			args[name] = prop.Default
		case len(prop.Enum) > 0:
			args[name] = prop.Enum[0]
		case t == "string":
			args[name] = "us-west1"
		case t == "integer" || t == "number":
			args[name] = 1
		case t == "boolean":
			args[name] = true
		case t == "object":
			args[name] = map[string]any{}
		case t == "array":
			args[name] = []any{}
		case t == "null":
			args[name] = nil
		default:
			args[name] = "x"
		}
	}
	return args
}
