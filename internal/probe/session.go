package probe

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
	"github.com/mcpbridge/mcpbridge/bridge/transport"
)

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
	return jsonrpc.NewRequest([]byte("1"), "initialize", initParams(version))
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
