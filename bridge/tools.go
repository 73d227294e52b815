package bridge

import (
	"fmt"
	"strings"

	"github.com/mcpbridge/mcpbridge/bridge/era"
	"github.com/mcpbridge/mcpbridge/bridge/inflight"
	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
)

// ToolFilter hides tools from tools/list answers and refuses calls to them
// before they reach the server. Patterns match the whole tool name, case
// insensitively, with '*' matching any run of characters (mcp-remote's
// --ignore-tool). A tool is hidden when it matches an Ignore pattern, or
// when Allow is not empty and it matches none of its patterns.
type ToolFilter struct {
	Ignore []string
	Allow  []string
}

// active reports whether the filter can hide anything.
func (f ToolFilter) active() bool { return len(f.Ignore) > 0 || len(f.Allow) > 0 }

// Allowed reports whether the tool name passes the filter.
func (f ToolFilter) Allowed(name string) bool {
	for _, p := range f.Ignore {
		if wildcardMatch(p, name) {
			return false
		}
	}
	if len(f.Allow) == 0 {
		return true
	}
	for _, p := range f.Allow {
		if wildcardMatch(p, name) {
			return true
		}
	}
	return false
}

// wildcardMatch matches name against pattern ('*' = any run), ignoring case.
func wildcardMatch(pattern, name string) bool {
	p, n := strings.ToLower(pattern), strings.ToLower(name)
	parts := strings.Split(p, "*")
	if len(parts) == 1 {
		return p == n
	}
	if !strings.HasPrefix(n, parts[0]) {
		return false
	}
	n = n[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, mid := range parts[1 : len(parts)-1] {
		k := strings.Index(n, mid)
		if k < 0 {
			return false
		}
		n = n[k+len(mid):]
	}
	return strings.HasSuffix(n, last)
}

// check refuses a tools/call to a filtered tool.
func checkTool(f ToolFilter, m *jsonrpc.Message) error {
	if m.Method != "tools/call" || !f.active() {
		return nil
	}
	name, _ := jsonrpc.StringValue(jsonrpc.Field(m.Params, "name"))
	if !f.Allowed(name) {
		//lint:ignore ST1005 a sentence the client shows its user as it is
		return fmt.Errorf("Tool %q is not available: mcpbridge hides it (--ignore-tool / --allow-tool)", name)
	}
	return nil
}

// shape returns the answer the client sees: tools/list answers lose the
// tools the filter hides and, under 2026-07-28, the tools whose x-mcp-header
// annotations are invalid (Streamable HTTP §Custom Headers from Tool
// Parameters: the client MUST exclude them). Everything else passes as is.
func shapeTools(f ToolFilter, cat *era.Catalog, c *inflight.Call, m *jsonrpc.Message) *jsonrpc.Message {
	if c.Method != "tools/list" || !m.HasResult {
		return m
	}
	modern := c.Req != nil && c.Req.Modern != ""
	if !f.active() && !modern {
		return m
	}
	m = m.Flat()
	tools := jsonrpc.Field(m.Result, "tools")
	if tools == nil {
		return m
	}
	var kept [][]byte
	dropped := 0
	_ = jsonrpc.Elements(tools, func(tool []byte) {
		name, _ := jsonrpc.StringValue(jsonrpc.Field(tool, "name"))
		if !f.Allowed(name) {
			dropped++
			return
		}
		if modern {
			if cat.Learn(name, jsonrpc.Field(tool, "inputSchema")) != nil {
				dropped++
				return
			}
		}
		kept = append(kept, tool)
	})
	if dropped == 0 {
		return m
	}
	if re, err := jsonrpc.Parse(jsonrpc.Splice(m.Raw, tools, jsonrpc.JoinArray(kept))); err == nil {
		return re
	}
	return m // cannot happen: valid elements of a valid array were left out
}
