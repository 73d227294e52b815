package era

import (
	"slices"
	"testing"

	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
)

// TestDiscoverRequest: the exported request is the era probe's: the
// client's clientInfo and capabilities in _meta with the modern version,
// and the Streamable HTTP headers of a 2026-07-28 request.
func TestDiscoverRequest(t *testing.T) {
	first, err := jsonrpc.Parse([]byte(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",` +
		`"capabilities":{"roots":{}},"clientInfo":{"name":"host","version":"9"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	m := DiscoverRequest(first, "1.2.3")
	meta := jsonrpc.Field(m.Params, "_meta")
	if m.Method != "server/discover" || m.Kind != jsonrpc.KindRequest || m.Modern != ModernVersion ||
		string(jsonrpc.Field(meta, jsonrpc.MetaClientInfo)) != `{"name":"host","version":"9"}` ||
		string(jsonrpc.Field(meta, jsonrpc.MetaClientCapabilities)) != `{"roots":{}}` {
		t.Errorf("request %s (modern %q)", m.Raw, m.Modern)
	}
	if m.Header.Get("Mcp-Method") != "server/discover" || m.Header.Get("Mcp-Protocol-Version") != ModernVersion {
		t.Errorf("headers %v", m.Header)
	}
}

// TestReadDiscover: a result's versions, capabilities and server; an
// unsupported-version error's versions; any other error: none.
func TestReadDiscover(t *testing.T) {
	parse := func(s string) *jsonrpc.Message {
		m, err := jsonrpc.Parse([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	d := ReadDiscover(parse(`{"jsonrpc":"2.0","id":"x","result":{"supportedVersions":["2026-07-28","2025-11-25"],` +
		`"capabilities":{"tools":{}},"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"s","version":"1"}}}}`))
	if !slices.Equal(d.Versions, []string{"2026-07-28", "2025-11-25"}) || string(d.Capabilities) != `{"tools":{}}` || string(d.ServerInfo) != `{"name":"s","version":"1"}` {
		t.Errorf("result: %+v", d)
	}
	d = ReadDiscover(parse(`{"jsonrpc":"2.0","id":"x","error":{"code":-32022,"message":"no","data":{"supported":["2025-06-18"]}}}`))
	if !slices.Equal(d.Versions, []string{"2025-06-18"}) || d.Capabilities != nil {
		t.Errorf("unsupported version: %+v", d)
	}
	if d := ReadDiscover(parse(`{"jsonrpc":"2.0","id":"x","error":{"code":-32601,"message":"no"}}`)); len(d.Versions) != 0 {
		t.Errorf("method not found: %+v", d)
	}
	if f := jsonrpc.Failure(parse(`{"jsonrpc":"2.0","id":"x","error":{"code":-32601,"message":"no"}}`)); f == nil || f.Code != -32601 || f.Message != "no" {
		t.Errorf("Failure = %+v", f)
	}
}
