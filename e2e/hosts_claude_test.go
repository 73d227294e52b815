package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestClaudeCode: Claude Code adds mcpbridge as a stdio server
// (`claude mcp add NAME -- mcpbridge URL --debug`), and its health check
// (`claude mcp list`, `claude mcp get NAME`) starts mcpbridge, runs the
// MCP handshake through it with the server and reports it connected. No
// account is needed for that.
func TestClaudeCode(t *testing.T) {
	t.Parallel()
	tools := findHostTools(t)
	for _, era := range hostEras {
		t.Run(era.name, func(t *testing.T) {
			t.Parallel()
			srv := startHostServer(t, era.version)
			c := newClaudeHome(t, tools.claude)
			defer func() {
				t.Logf("the %s server received from Claude Code through mcpbridge:%s", era.version, srv.rec.summary())
			}()

			const name = "bridged"
			command := bridgeBin + " " + srv.url + " --debug"
			add := c.run(t, "mcp", "add", name, "--", bridgeBin, srv.url, "--debug")
			if add.err != nil || !strings.Contains(add.stdout, "Added stdio MCP server "+name+" with command: "+command) {
				t.Fatalf("claude mcp add:\n%s", add)
			}
			if _, err := os.Stat(filepath.Join(c.configDir(), ".claude.json")); err != nil {
				t.Fatalf("claude mcp add wrote no config in CLAUDE_CONFIG_DIR: %v\n%s", err, add)
			}

			list := c.run(t, "mcp", "list")
			want := name + ": " + command + " - ✔ Connected"
			if list.err != nil || !hasLine(list.stdout, want) {
				t.Errorf("claude mcp list: want the line %q\n%s", want, list)
			}

			get := c.run(t, "mcp", "get", name)
			for _, line := range []string{"Status: ✔ Connected", "Type: stdio", "Command: " + bridgeBin, "Args: " + srv.url + " --debug"} {
				if get.err != nil || !hasLine(get.stdout, line) {
					t.Errorf("claude mcp get %s: want the line %q\n%s", name, line, get)
				}
			}

			// The health check lists the tools: proof that it reached the
			// server, not only mcpbridge.
			if !srv.rec.served("tools/list") {
				t.Errorf("the server answered no tools/list: Claude Code did not reach it through mcpbridge")
			}
			c.logConnections(t, name)
			logBridgeEras(t, c.home)
			if t.Failed() {
				c.logBridge(t)
			}
		})
	}
}

// claudeHome is an isolated home for Claude Code: its config, caches and
// logs live in a temporary folder, and the user's own are never read.
type claudeHome struct {
	bin, home, project string
	env                []string
}

func newClaudeHome(t *testing.T, bin string) *claudeHome {
	t.Helper()
	home := t.TempDir()
	c := &claudeHome{bin: bin, home: home, project: filepath.Join(home, "project")}
	if err := os.MkdirAll(c.project, 0o700); err != nil {
		t.Fatal(err)
	}
	c.env = append(hostEnv(home),
		"CLAUDE_CONFIG_DIR="+c.configDir(),
		"DISABLE_AUTOUPDATER=1",
		"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1", // no telemetry, error reports, update checks
		"DISABLE_TELEMETRY=1",
		"DISABLE_ERROR_REPORTING=1",
		"MCP_TIMEOUT=20000", // ms to wait for a stdio server to start
	)
	return c
}

func (c *claudeHome) configDir() string { return filepath.Join(c.home, ".claude") }

// run runs claude in the project folder: `claude mcp add` stores the
// server in the local scope, which belongs to that folder.
func (c *claudeHome) run(t *testing.T, args ...string) hostRun {
	t.Helper()
	return runHost(t, c.project, c.env, c.bin, args...)
}

// logConnections logs what Claude Code's own MCP log says about each
// connection to the server name: the protocol era and version it
// negotiated. (The log's format is Claude Code's own business: it is
// reported, not asserted.)
func (c *claudeHome) logConnections(t *testing.T, name string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(c.home, ".cache", "claude-cli-nodejs", "*", "mcp-logs-"+name, "*.jsonl"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n") {
			var entry struct {
				Debug string `json:"debug"`
				Error string `json:"error"`
			}
			if json.Unmarshal([]byte(line), &entry) != nil {
				continue
			}
			if strings.HasPrefix(entry.Debug, "Connection established") || entry.Error != "" && !strings.HasPrefix(entry.Error, "Server stderr:") {
				t.Logf("Claude Code's MCP log: %s%s", entry.Debug, entry.Error)
			}
		}
	}
}

// logBridge logs mcpbridge's debug logs and Claude Code's MCP logs (which
// keep what mcpbridge wrote on stderr).
func (c *claudeHome) logBridge(t *testing.T) {
	t.Helper()
	claude, _ := filepath.Glob(filepath.Join(c.home, ".cache", "claude-cli-nodejs", "*", "mcp-logs-*", "*.jsonl"))
	t.Logf("mcpbridge's and Claude Code's logs:%s", readAll(append(bridgeLogs(c.home), claude...)))
}

// hasLine reports whether text has a line equal to want, spaces around it
// aside.
func hasLine(text, want string) bool {
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == want {
			return true
		}
	}
	return false
}
