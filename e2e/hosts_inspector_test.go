package e2e

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// TestInspectorCLI: the MCP Inspector's CLI starts mcpbridge as its stdio
// server (`mcp-inspector --cli --method M -- mcpbridge URL --debug`), makes
// one request through it and prints the result as JSON. For ad-hoc targets
// the Inspector speaks the 2025-11-25 protocol (its --protocol-era defaults
// to legacy), so against the 2026-07-28 server it works only when mcpbridge
// translates; one case runs it as a 2026-07-28 host (--protocol-era
// modern), which needs the translation the other way against the
// 2025-11-25 server.
func TestInspectorCLI(t *testing.T) {
	t.Parallel()
	tools := findHostTools(t)
	for _, era := range hostEras {
		t.Run(era.name, func(t *testing.T) {
			t.Parallel()
			srv := startHostServer(t, era.version)
			t.Run("calls", func(t *testing.T) {
				for _, c := range inspectorCases {
					t.Run(c.name, func(t *testing.T) {
						t.Parallel()
						res := runInspector(t, tools, srv.url, c.args...)
						c.check(t, res)
					})
				}
			})
			t.Logf("the %s server received from the Inspector through mcpbridge:%s", era.version, srv.rec.summary())
		})
	}
}

// inspectorCase is one Inspector call and what its result must hold.
type inspectorCase struct {
	name  string
	args  []string
	check func(t *testing.T, result json.RawMessage)
}

var inspectorCases = []inspectorCase{
	{"tools/list", []string{"--method", "tools/list"}, func(t *testing.T, res json.RawMessage) {
		var list struct {
			Tools []struct {
				Name string `json:"name"`
			} `json:"tools"`
		}
		decodeInto(t, res, &list)
		var names []string
		for _, tool := range list.Tools {
			names = append(names, tool.Name)
		}
		if !slices.Contains(names, "echo") || !slices.Contains(names, "add") {
			t.Errorf("tools/list: want echo and add, got %q", names)
		}
	}},
	{"tools/call", []string{"--method", "tools/call", "--tool-name", "echo", "--tool-arg", "message=hello through mcpbridge"}, checkEcho},
	// The Inspector as a 2026-07-28 host: against the 2025-11-25 server it
	// works only when mcpbridge translates the other way.
	{"modern-host/tools/call", []string{"--protocol-era", "modern",
		"--method", "tools/call", "--tool-name", "echo", "--tool-arg", "message=hello through mcpbridge"}, checkEcho},
	{"resources/list", []string{"--method", "resources/list"}, func(t *testing.T, res json.RawMessage) {
		var list struct {
			Resources []struct {
				URI string `json:"uri"`
			} `json:"resources"`
		}
		decodeInto(t, res, &list)
		if len(list.Resources) != 1 || list.Resources[0].URI != greetingURI {
			t.Errorf("resources/list: want only %s, got %s", greetingURI, res)
		}
	}},
	{"prompts/list", []string{"--method", "prompts/list"}, func(t *testing.T, res json.RawMessage) {
		var list struct {
			Prompts []struct {
				Name string `json:"name"`
			} `json:"prompts"`
		}
		decodeInto(t, res, &list)
		if len(list.Prompts) != 1 || list.Prompts[0].Name != "greet" {
			t.Errorf("prompts/list: want only greet, got %s", res)
		}
	}},
}

func checkEcho(t *testing.T, res json.RawMessage) {
	if got := inspectorText(t, res); got != "echo: hello through mcpbridge" {
		t.Errorf("tools/call echo: got %q", got)
	}
}

// runInspector runs one Inspector CLI call against mcpbridge on url, in an
// isolated home, and returns the "result" of its JSON output.
func runInspector(t *testing.T, tools hostTools, url string, args ...string) json.RawMessage {
	t.Helper()
	home := t.TempDir()
	argv := []string{tools.inspector, "--cli", "--format", "json"}
	argv = append(argv, args...)
	argv = append(argv, "--", bridgeBin, url, "--debug")
	run := runHost(t, home, hostEnv(home), tools.node22, argv...)
	var out struct {
		Result json.RawMessage `json:"result"`
	}
	if run.err != nil || json.Unmarshal([]byte(run.stdout), &out) != nil || len(out.Result) == 0 {
		t.Fatalf("inspector %s: no result\n%s\nmcpbridge debug logs: %s", strings.Join(args, " "), run, readAll(bridgeLogs(home)))
	}
	logBridgeEras(t, home)
	return out.Result
}

// inspectorText is the text of a tools/call result with one text block.
func inspectorText(t *testing.T, res json.RawMessage) string {
	t.Helper()
	var r toolResult
	decodeInto(t, res, &r)
	if r.IsError {
		t.Errorf("the tool failed: %s", res)
	}
	return r.text()
}

func decodeInto(t *testing.T, res json.RawMessage, v any) {
	t.Helper()
	if err := json.Unmarshal(res, v); err != nil {
		t.Fatalf("decoding %s: %v", res, err)
	}
}
