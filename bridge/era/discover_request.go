package era

import (
	"github.com/mcpbridge/mcpbridge/bridge/inflight"
	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
)

// The era probe's request and the reading of its answer (discover.go asks;
// era.go decides), exported so that mcpbridge probe sends the very request
// the bridge sends and reads the answer the way the bridge does.

// discoverRequest is the server/discover request for a client whose first
// message is first (probeMeta).
func discoverRequest(first *jsonrpc.Message, version string) *jsonrpc.Message {
	meta := jsonrpc.Member([]byte("_meta"), jsonrpc.WrapObject(probeMeta(first, version)))
	return jsonrpc.NewRequest(inflight.OwnID("discover"), "server/discover", jsonrpc.WrapObject(meta))
}

// DiscoverRequest is the server/discover request the bridge sends to learn
// the server's era, for a client whose first message is first (its
// initialize, or a 2026-07-28 request: its clientInfo and capabilities go
// into _meta) and a bridge of this version. Header holds the headers
// Streamable HTTP requires of it (Mcp-Method, MCP-Protocol-Version).
func DiscoverRequest(first *jsonrpc.Message, version string) *jsonrpc.Message {
	m := discoverRequest(first, version)
	new(Catalog).Annotate(m)
	return m
}

// ReadDiscover reads an answer to server/discover: a result's versions,
// capabilities and server; an error's verdict (refusedDiscovery).
func ReadDiscover(ans *jsonrpc.Message) *Discovery {
	if f := jsonrpc.Failure(ans); f != nil {
		return refusedDiscovery(f)
	}
	res := ans.Flat().Result
	d := &Discovery{Capabilities: jsonrpc.Field(res, "capabilities"), Instructions: jsonrpc.Field(res, "instructions")}
	d.Versions = stringList(jsonrpc.Field(res, "supportedVersions"))
	if meta := jsonrpc.Field(res, "_meta"); meta != nil {
		d.ServerInfo = jsonrpc.Field(meta, jsonrpc.MetaServerInfo)
	}
	return d
}
