package probe

import (
	"context"
	"slices"
	"strings"

	"github.com/mcpbridge/mcpbridge/bridge/era"
	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
	"github.com/mcpbridge/mcpbridge/internal/safetext"
)

// discover asks the server which protocol versions it speaks with the
// bridge's own era probe: the server/discover request the bridge sends
// for the probe's initialize, with the headers Streamable HTTP requires of
// it (Mcp-Method, MCP-Protocol-Version), its answer read as the bridge
// reads it. Not needed: the bridge speaks 2025-11-25 with a server that
// does not know it.
func (p *prober) discover(ctx context.Context) {
	speaks := "speaks_" + era.ModernVersion
	p.headersStep(ctx, "server/discover", "the server's answer", false, func(ctx context.Context, st *Step) error {
		req := era.DiscoverRequest(p.init, p.cfg.Version)
		resp, ans, raw, err := p.postRPC(ctx, req, req.Header)
		if err != nil {
			return err
		}
		st.set("request", "POST server/discover (protocol "+era.ModernVersion+")")
		st.set("status", resp.Status)
		if sid := resp.Header.Get("Mcp-Session-Id"); sid != "" {
			defer func() { st.set("session_closed", p.endSession(ctx, sid, "")) }()
		}
		if ans == nil {
			st.set(speaks, false)
			st.set("answer", strings.TrimSpace(resp.Status+" "+safetext.Line(raw, 160)))
			return nil
		}
		d := era.ReadDiscover(ans)
		f := jsonrpc.Failure(ans)
		if f == nil || len(d.Versions) > 0 {
			st.set("supported_versions", d.Versions)
		}
		st.set(speaks, slices.Contains(d.Versions, era.ModernVersion))
		if f != nil {
			st.set("answer", f.Error())
			return nil
		}
		if name := serverName(d.ServerInfo); name != "" {
			st.set("server", name)
		}
		st.set("capabilities", memberNames(d.Capabilities))
		return nil
	})
}

// serverName is an Implementation's name and version.
func serverName(info []byte) string {
	name, _ := jsonrpc.StringValue(jsonrpc.Field(info, "name"))
	if name == "" {
		return ""
	}
	version, _ := jsonrpc.StringValue(jsonrpc.Field(info, "version"))
	return strings.TrimSpace(name + " " + version)
}

// memberNames are an object's member names, sorted (a capabilities
// object's).
func memberNames(obj []byte) []string {
	names := []string{}
	_ = jsonrpc.Members(obj, func(k, _ []byte) {
		if name, ok := jsonrpc.StringValue(append(append([]byte{'"'}, k...), '"')); ok {
			names = append(names, name)
		}
	})
	slices.Sort(names)
	return names
}
