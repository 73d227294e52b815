package bridge

import "github.com/mcpbridge/mcpbridge/bridge/jsonrpc"

// The era probe's request and the reading of its answer (discover.go asks;
// era.go decides), exported so that mcpbridge probe sends the very request
// the bridge sends and reads the answer the way the bridge does.

// ModernVersion is the protocol version server/discover asks about.
const ModernVersion = modernVersion

// discoverRequest is the server/discover request for a client whose first
// message is first (probeMeta).
func discoverRequest(first *jsonrpc.Message, version string) *jsonrpc.Message {
	meta := jsonrpc.Member([]byte("_meta"), jsonrpc.WrapObject(probeMeta(first, version)))
	return newRequest(ownID("discover"), "server/discover", jsonrpc.WrapObject(meta))
}

// DiscoverRequest is the server/discover request the bridge sends to learn
// the server's era, for a client whose first message is first (its
// initialize, or a 2026-07-28 request: its clientInfo and capabilities go
// into _meta) and a bridge of this version. Header holds the headers
// Streamable HTTP requires of it (Mcp-Method, MCP-Protocol-Version).
func DiscoverRequest(first *jsonrpc.Message, version string) *jsonrpc.Message {
	m := discoverRequest(first, version)
	new(toolCatalog).annotate(m)
	return m
}

// readDiscovery reads an answer to server/discover: a result's versions,
// capabilities and server; an error's verdict (refusedDiscovery).
func readDiscovery(ans *jsonrpc.Message) *discovery {
	if f := failure(ans); f != nil {
		return refusedDiscovery(f)
	}
	res := ans.Flat().Result
	d := &discovery{capabilities: jsonrpc.Field(res, "capabilities"), instructions: jsonrpc.Field(res, "instructions")}
	d.versions = stringList(jsonrpc.Field(res, "supportedVersions"))
	if meta := jsonrpc.Field(res, "_meta"); meta != nil {
		d.serverInfo = jsonrpc.Field(meta, metaServerInfo)
	}
	return d
}

// Discovered is what an answer to server/discover says of the server, as
// the bridge reads it.
type Discovered struct {
	Versions     []string // the protocol versions it supports; none: a legacy server
	Capabilities []byte   // raw ServerCapabilities of a result; nil otherwise
	ServerInfo   []byte   // raw Implementation, when the server named itself
}

// ReadDiscover reads an answer to DiscoverRequest as the bridge does.
func ReadDiscover(ans *jsonrpc.Message) Discovered {
	d := readDiscovery(ans)
	return Discovered{Versions: d.versions, Capabilities: d.capabilities, ServerInfo: d.serverInfo}
}
