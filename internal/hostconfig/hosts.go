package hostconfig

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Host is one MCP host and the file it keeps its stdio servers in.
type Host struct {
	ID   string // the name on the command line: claude-desktop, cursor, …
	Name string // for people: Claude Desktop, Cursor, …

	// Key names the object that maps server names to entries. A "*" step
	// stands for every member of an object (Claude Code keeps servers per
	// project as well as for the user). New entries go under the first path.
	Key [][]string

	JSONC     bool   // the host reads comments and trailing commas
	StdioType bool   // entries say "type": "stdio" (VS Code)
	EmptyEnv  bool   // entries carry "env": {} even when empty (Zed's documented shape)
	Indent    string // indentation for a new file
	Project   string // the file inside a project folder, "" when the host has none

	user func() (string, error) // the user's file
}

// Sources for the paths and shapes below (checked November 2026):
//   - Claude Desktop: modelcontextprotocol.io/quickstart/user and Anthropic's
//     help center; macOS ~/Library/Application Support/Claude, Windows
//     %APPDATA%\Claude; Linux builds (unofficial) use ~/.config/Claude.
//     Key mcpServers, strict JSON.
//   - Claude Code: code.claude.com/docs/en/mcp; servers are added with
//     `claude mcp add`, stored in ~/.claude.json (or $CLAUDE_CONFIG_DIR/.claude.json):
//     mcpServers for the user scope and projects.<folder>.mcpServers for the local scope.
//   - Cursor: cursor.com/docs/mcp; ~/.cursor/mcp.json, or .cursor/mcp.json in
//     a project; key mcpServers.
//   - Windsurf: docs.windsurf.com/windsurf/cascade/mcp; ~/.codeium/windsurf/mcp_config.json
//     (%USERPROFILE%\.codeium\windsurf on Windows); key mcpServers.
//   - VS Code: code.visualstudio.com/docs/copilot/reference/mcp-configuration;
//     mcp.json in the user folder (Code/User under the OS's config folder) or
//     .vscode/mcp.json; key servers, entries "type": "stdio"; JSONC; the file
//     may also hold "inputs".
//   - Zed: zed.dev/docs/ai/mcp and zed.dev/docs/configuring-zed;
//     ~/.config/zed/settings.json ($XDG_CONFIG_HOME/zed on Linux,
//     %APPDATA%\Zed on Windows), or .zed/settings.json in a project; JSONC;
//     key context_servers with {"command": …, "args": […], "env": {}} (the
//     older {"command": {"path": …, "args": …}} shape is still read by Zed).
var hosts = []Host{
	{ID: "claude-desktop", Name: "Claude Desktop", Key: [][]string{{"mcpServers"}}, Indent: "  ",
		user: inConfigDir("Claude", "claude_desktop_config.json")},
	{ID: "claude-code", Name: "Claude Code", Key: [][]string{{"mcpServers"}, {"projects", "*", "mcpServers"}}, Indent: "  ",
		user: claudeCodeFile},
	{ID: "cursor", Name: "Cursor", Key: [][]string{{"mcpServers"}}, Indent: "  ", Project: filepath.Join(".cursor", "mcp.json"),
		user: inHome(".cursor", "mcp.json")},
	{ID: "windsurf", Name: "Windsurf", Key: [][]string{{"mcpServers"}}, Indent: "  ",
		user: inHome(".codeium", "windsurf", "mcp_config.json")},
	{ID: "vscode", Name: "VS Code", Key: [][]string{{"servers"}}, JSONC: true, StdioType: true, Indent: "\t",
		Project: filepath.Join(".vscode", "mcp.json"), user: inConfigDir("Code", "User", "mcp.json")},
	{ID: "zed", Name: "Zed", Key: [][]string{{"context_servers"}}, JSONC: true, EmptyEnv: true, Indent: "  ",
		Project: filepath.Join(".zed", "settings.json"), user: zedFile},
}

// IDs are the hosts' command-line names.
func IDs() []string {
	ids := make([]string, len(hosts))
	for i, h := range hosts {
		ids[i] = h.ID
	}
	return ids
}

// ErrUnknownHost is returned for a host name that is not one of IDs.
var ErrUnknownHost = errors.New("unknown host")

// Lookup finds a host by its command-line name.
func Lookup(id string) (Host, error) {
	for _, h := range hosts {
		if h.ID == id {
			return h, nil
		}
	}
	return Host{}, fmt.Errorf("%w %q: use one of %s", ErrUnknownHost, id, strings.Join(IDs(), ", "))
}

// UserFile is the host's configuration file for this user on this machine.
func (h Host) UserFile() (string, error) {
	p, err := h.user()
	if err != nil {
		return "", fmt.Errorf("find %s's configuration file: %w; give it with --config", h.Name, err)
	}
	return p, nil
}

// ProjectFile is the host's file inside the project folder dir.
func (h Host) ProjectFile(dir string) (string, error) {
	if h.Project == "" {
		return "", fmt.Errorf("%s has %w", h.Name, ErrNoProjectFile)
	}
	return filepath.Join(dir, h.Project), nil
}

func inConfigDir(parts ...string) func() (string, error) {
	return func() (string, error) {
		d, err := os.UserConfigDir() // $XDG_CONFIG_HOME or ~/.config, ~/Library/Application Support, %APPDATA%
		if err != nil {
			return "", err
		}
		return filepath.Join(append([]string{d}, parts...)...), nil
	}
}

func inHome(parts ...string) func() (string, error) {
	return func() (string, error) {
		d, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(append([]string{d}, parts...)...), nil
	}
}

// zedFile: Zed uses ~/.config/zed on macOS too, not Application Support.
func zedFile() (string, error) {
	switch runtime.GOOS {
	case "windows":
		return inConfigDir("Zed", "settings.json")()
	case "darwin":
		return inHome(".config", "zed", "settings.json")()
	default:
		return inConfigDir("zed", "settings.json")()
	}
}

func claudeCodeFile() (string, error) {
	if d := os.Getenv("CLAUDE_CONFIG_DIR"); d != "" {
		return filepath.Join(d, ".claude.json"), nil
	}
	return inHome(".claude.json")()
}
