package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/hostconfig"
)

// hostRun runs the command line in-process with the given extra env and
// returns the exit code, stdout and stderr.
func hostRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	code := run(ctx, args, ioStreams{in: strings.NewReader(""), out: &out, err: &errb})
	return code, out.String(), errb.String()
}

// sampleCopy copies a host sample file into a temporary folder.
func sampleCopy(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "internal", "hostconfig", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// entryOf reads back the entry name of host's file.
func entryOf(t *testing.T, hostID, path, name string) hostconfig.Server {
	t.Helper()
	h, _ := hostconfig.Lookup(hostID)
	b, _ := os.ReadFile(path)
	d, err := hostconfig.Parse(h, b)
	if err != nil {
		t.Fatalf("%s no longer parses: %v\n%s", path, err, b)
	}
	servers, _ := d.Servers()
	for _, s := range servers {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no entry %q in\n%s", name, b)
	return hostconfig.Server{}
}

func TestInstallEachHost(t *testing.T) {
	for _, tc := range []struct{ host, file, name string }{
		{"claude-desktop", "claude_desktop_config.json", "Claude Desktop"},
		{"cursor", "cursor_mcp.json", "Cursor"},
		{"windsurf", "windsurf_mcp_config.json", "Windsurf"},
		{"vscode", "vscode_mcp.json", "VS Code"},
		{"zed", "zed_settings.json", "Zed"},
	} {
		t.Run(tc.host, func(t *testing.T) {
			path := sampleCopy(t, tc.file)
			before, _ := os.ReadFile(path)
			code, out, errOut := hostRun(t, "install", tc.host, "acme", "https://mcp.acme.example/mcp",
				"--config", path, "--command", "/usr/local/bin/mcpbridge", "--header", "X-Team: a b", "--transport", "http-only", "--", "--debug")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			e := entryOf(t, tc.host, path, "acme")
			want := []string{"https://mcp.acme.example/mcp", "--header", "X-Team: a b", "--transport", "http-only", "--debug"}
			if e.Command != "/usr/local/bin/mcpbridge" || !reflect.DeepEqual(e.Args, want) {
				t.Errorf("entry %q %q, want %q", e.Command, e.Args, want)
			}
			for _, s := range []string{path, ".bak", "Restart " + tc.name} {
				if !strings.Contains(out, s) {
					t.Errorf("output does not mention %q:\n%s", s, out)
				}
			}
			backups, _ := filepath.Glob(path + ".*.bak")
			if len(backups) != 1 {
				t.Fatalf("backups %v", backups)
			}
			if b, _ := os.ReadFile(backups[0]); !bytes.Equal(b, before) {
				t.Error("the backup is not the old file")
			}
		})
	}
}

func TestInstallRefusesToOverwriteWithoutForce(t *testing.T) {
	path := sampleCopy(t, "claude_desktop_config.json")
	before, _ := os.ReadFile(path)
	code, _, errOut := hostRun(t, "install", "claude-desktop", "linear", "https://mcp.linear.app/mcp", "--config", path, "--command", "/bin/mcpbridge")
	if code != 1 || !strings.Contains(errOut, "--force") {
		t.Fatalf("exit %d, stderr %q; want 1 and a hint to --force", code, errOut)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, before) {
		t.Error("the file changed")
	}
	code, _, errOut = hostRun(t, "install", "claude-desktop", "linear", "https://mcp.linear.app/mcp", "--config", path, "--command", "/bin/mcpbridge", "--force")
	if code != 0 {
		t.Fatalf("--force: exit %d: %s", code, errOut)
	}
	if e := entryOf(t, "claude-desktop", path, "linear"); e.Command != "/bin/mcpbridge" {
		t.Errorf("not replaced: %+v", e)
	}
}

func TestInstallDryRunWritesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "Code", "User", "mcp.json")
	code, out, errOut := hostRun(t, "install", "vscode", "acme", "https://mcp.acme.example/mcp", "--config", path, "--command", "/bin/mcpbridge", "--dry-run")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, `+		"acme": {`) || !strings.Contains(out, `"type": "stdio"`) || !strings.Contains(out, "nothing was written") {
		t.Errorf("dry run output:\n%s", out)
	}
	if _, err := os.Stat(filepath.Dir(path)); !os.IsNotExist(err) {
		t.Error("--dry-run created the folder")
	}
}

func TestInstallUsageErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mcp.json")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown host", []string{"emacs", "a", "https://x.example/mcp"}, "claude-desktop"},
		{"missing URL", []string{"cursor", "a"}, "URL"},
		{"unknown flag", []string{"cursor", "a", "https://x.example/mcp", "--no-such-flag"}, "--no-such-flag"},
		{"bad bridge flag value", []string{"cursor", "a", "https://x.example/mcp", "--transport", "carrier-pigeon"}, ""},
		{"plain http", []string{"cursor", "a", "http://x.example/mcp"}, "--allow-http"},
		{"bad port", []string{"cursor", "a", "https://x.example/mcp", "99999"}, "port"},
		{"project for windsurf", []string{"windsurf", "a", "https://x.example/mcp", "--project"}, "project"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"install"}, tc.args...)
			if tc.name != "project for windsurf" {
				args = append(args, "--config", path)
			}
			code, _, errOut := hostRun(t, append(args, "--command", "/bin/mcpbridge")...)
			if code == 0 || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q; want a failure mentioning %q", code, errOut, tc.want)
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Error("a file was written")
			}
		})
	}
}

// TestInstallRefusesATemporaryBuild: without --command the entry would name
// this test binary in a go-build folder that disappears; install says so.
func TestInstallRefusesATemporaryBuild(t *testing.T) {
	code, _, errOut := hostRun(t, "install", "cursor", "a", "https://x.example/mcp", "--config", filepath.Join(t.TempDir(), "m.json"))
	if code != 1 || !strings.Contains(errOut, "--command") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

func TestInstallClaudeCodePrintsTheLine(t *testing.T) {
	code, out, errOut := hostRun(t, "install", "claude-code", "acme", "https://mcp.acme.example/mcp", "--command", "/opt/my tools/mcpbridge",
		"--header", "Authorization: Bearer ${TOKEN}", "--ignore-tool", "it's*")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := `claude mcp add --scope user acme -- '/opt/my tools/mcpbridge' https://mcp.acme.example/mcp --header 'Authorization: Bearer ${TOKEN}' --ignore-tool 'it'\''s*'`
	if first, _, _ := strings.Cut(out, "\n"); first != want {
		t.Errorf("got  %s\nwant %s", first, want)
	}
}
