package main

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/mcpbridge/mcpbridge/internal/safetext"
)

// codeUnsupportedVersion is UnsupportedProtocolVersionError's code
// (protocol 2026-07-28 schema).
const codeUnsupportedVersion = -32022

// discover asks the server which protocol versions it speaks with
// server/discover (2026-07-28 server/discover), sent with the headers the
// Streamable HTTP transport requires of it (Mcp-Method,
// MCP-Protocol-Version). Not needed: the bridge speaks 2025-11-25 with a
// server that does not know it.
func (p *prober) discover(ctx context.Context) {
	p.step(ctx, "server/discover", "the server's answer", false, seconds(p.o.headersTimeout), "--headers-timeout", func(ctx context.Context, st *step) error {
		params := map[string]any{"_meta": map[string]any{
			"io.modelcontextprotocol/protocolVersion":    modernProtocol,
			"io.modelcontextprotocol/clientInfo":         map[string]any{"name": "mcpbridge-probe", "version": version},
			"io.modelcontextprotocol/clientCapabilities": map[string]any{},
		}}
		hdr := http.Header{"Mcp-Method": {"server/discover"}, "Mcp-Protocol-Version": {modernProtocol}}
		resp, msg, raw, err := p.postRPC(ctx, rpcBody("probe-discover", "server/discover", params), hdr)
		if err != nil {
			return err
		}
		st.set("request", "POST server/discover (protocol "+modernProtocol+")")
		st.set("status", resp.Status)
		if sid := resp.Header.Get("Mcp-Session-Id"); sid != "" {
			defer func() { st.set("session_closed", p.endSession(ctx, sid, "")) }()
		}
		switch {
		case msg != nil && msg.Result != nil:
			discovered(st, msg.Result)
		case msg != nil && msg.Error != nil && msg.Error.Code == codeUnsupportedVersion:
			var data struct {
				Supported []string `json:"supported"`
			}
			_ = json.Unmarshal(msg.Error.Data, &data)
			st.set("supported_versions", data.Supported)
			st.set("speaks_"+modernProtocol, false)
		case msg != nil && msg.Error != nil:
			st.set("speaks_"+modernProtocol, false)
			st.set("answer", msg.Error.Error())
		default:
			st.set("speaks_"+modernProtocol, false)
			st.set("answer", strings.TrimSpace(resp.Status+" "+safetext.Line(raw, 160)))
		}
		return nil
	})
}

// discovered notes what a DiscoverResult says.
func discovered(st *step, raw json.RawMessage) {
	var res struct {
		SupportedVersions []string                   `json:"supportedVersions"`
		Capabilities      map[string]json.RawMessage `json:"capabilities"`
		Meta              struct {
			ServerInfo struct {
				Name    string `json:"name"`
				Version string `json:"version"`
			} `json:"io.modelcontextprotocol/serverInfo"`
		} `json:"_meta"`
	}
	_ = json.Unmarshal(raw, &res)
	st.set("supported_versions", res.SupportedVersions)
	st.set("speaks_"+modernProtocol, slices.Contains(res.SupportedVersions, modernProtocol))
	if info := res.Meta.ServerInfo; info.Name != "" {
		st.set("server", strings.TrimSpace(info.Name+" "+info.Version))
	}
	st.set("capabilities", capabilityNames(res.Capabilities))
}

func capabilityNames(caps map[string]json.RawMessage) []string {
	names := make([]string, 0, len(caps))
	for k := range caps {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}
