package main

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// realClaude puts the Claude Code CLI that e2e/hosts/setup.sh installs on
// PATH, with HOME in a temporary folder and nothing optional going to the
// network. Without it the test is skipped (failed under CI=true).
func realClaude(t *testing.T) string {
	t.Helper()
	bin := filepath.Join("..", "..", ".cache", "npm-hosts", "node_modules", ".bin")
	if p := os.Getenv("MCPBRIDGE_HOSTS_PREFIX"); p != "" {
		bin = filepath.Join(p, "node_modules", ".bin")
	}
	abs, _ := filepath.Abs(bin)
	if _, err := os.Stat(filepath.Join(abs, "claude")); err != nil {
		msg := "Claude Code is not installed: run `bash e2e/hosts/setup.sh` first (" + err.Error() + ")"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	home := t.TempDir()
	t.Setenv("PATH", abs+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("HOME", home)
	t.Setenv("CLAUDE_CONFIG_DIR", "") // restored after the test…
	os.Unsetenv("CLAUDE_CONFIG_DIR")  // …and unset meanwhile: Claude Code takes "" for the current folder
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("DISABLE_AUTOUPDATER", "1")
	t.Setenv("DISABLE_TELEMETRY", "1")
	t.Setenv("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
	t.Setenv("MCPBRIDGE_CONFIG_DIR", filepath.Join(home, "mcpbridge"))
	return home
}

func claude(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "claude", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("claude %q: %v\n%s", args, err, out)
	}
	return string(out)
}

// TestClaudeCodeInstallAndMigrate: with the real Claude Code, `install
// claude-code --run` adds a server Claude Code connects to, and `migrate`
// rewrites an mcp-remote server Claude Code added itself (in ~/.claude.json)
// into one Claude Code reads back and connects to.
func TestClaudeCodeInstallAndMigrate(t *testing.T) {
	home := realClaude(t)
	bin, err := buildOnce()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(&sessionServer{})
	t.Cleanup(srv.Close)
	url := srv.URL + "/mcp"

	if code, out, errOut := hostRun(t, "install", "claude-code", "fresh", url, "--run", "--command", bin, "--transport", "http-only"); code != 0 {
		t.Fatalf("install: exit %d\n%s\n%s", code, out, errOut)
	}
	claude(t, "mcp", "add", "--scope", "user", "old", "--", "npx", "-y", "mcp-remote", url, "--transport", "http-only")
	before, _ := os.ReadFile(filepath.Join(home, ".claude.json"))
	code, out, errOut := hostRun(t, "migrate", "--host", "claude-code", "--write", "--command", bin, "--no-import")
	if code != 0 {
		t.Fatalf("migrate: exit %d\n%s\n%s", code, out, errOut)
	}
	after, _ := os.ReadFile(filepath.Join(home, ".claude.json"))
	if strings.Count(string(after), "\n") != strings.Count(string(before), "\n")-2 { // "-y" and "mcp-remote" lines
		t.Errorf("more than the entry changed:\n%s", after)
	}
	for _, name := range []string{"fresh", "old"} {
		got := claude(t, "mcp", "get", name)
		if !strings.Contains(got, "Command: "+bin) || !strings.Contains(got, "Connected") {
			t.Errorf("claude mcp get %s:\n%s", name, got)
		}
	}
}
