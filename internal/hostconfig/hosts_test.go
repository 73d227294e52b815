package hostconfig

import (
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestUserFiles: each host's file is found from the home and config
// folders the environment names.
func TestUserFiles(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the expectations below are Linux's")
	}
	home, xdg := t.TempDir(), t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", xdg)
	t.Setenv("CLAUDE_CONFIG_DIR", "")
	want := map[string]string{
		"claude-desktop": filepath.Join(xdg, "Claude", "claude_desktop_config.json"),
		"claude-code":    filepath.Join(home, ".claude.json"),
		"cursor":         filepath.Join(home, ".cursor", "mcp.json"),
		"windsurf":       filepath.Join(home, ".codeium", "windsurf", "mcp_config.json"),
		"vscode":         filepath.Join(xdg, "Code", "User", "mcp.json"),
		"zed":            filepath.Join(xdg, "zed", "settings.json"),
	}
	for _, h := range hosts {
		got, err := h.UserFile()
		if err != nil || got != want[h.ID] {
			t.Errorf("%s: %q, %v; want %q", h.ID, got, err, want[h.ID])
		}
	}
	t.Setenv("CLAUDE_CONFIG_DIR", filepath.Join(home, "cc"))
	if h, _ := Lookup("claude-code"); must(h.UserFile()) != filepath.Join(home, "cc", ".claude.json") {
		t.Errorf("CLAUDE_CONFIG_DIR is not honoured")
	}
}

func must(s string, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	return s
}

func TestProjectFiles(t *testing.T) {
	for id, want := range map[string]string{"cursor": ".cursor/mcp.json", "vscode": ".vscode/mcp.json", "zed": ".zed/settings.json"} {
		h, _ := Lookup(id)
		if got, err := h.ProjectFile("/p"); err != nil || got != filepath.Join("/p", filepath.FromSlash(want)) {
			t.Errorf("%s: %q, %v", id, got, err)
		}
	}
	h, _ := Lookup("windsurf")
	if _, err := h.ProjectFile("/p"); err == nil {
		t.Error("windsurf has no project file, yet one was named")
	}
	if _, err := Lookup("emacs"); err == nil {
		t.Error("unknown host accepted")
	}
}

// TestRewriteNewArguments: arguments that are not a subset of the old ones
// are written anew, in the array's layout, trailing comma kept.
func TestRewriteNewArguments(t *testing.T) {
	h, _ := Lookup("vscode")
	src := "{\n\t\"servers\": {\n\t\t\"a\": {\n\t\t\t\"command\": \"npx\",\n\t\t\t\"args\": [\n\t\t\t\t\"mcp-remote\",\n\t\t\t\t\"u\",\n\t\t\t],\n\t\t},\n\t},\n}\n"
	want := "{\n\t\"servers\": {\n\t\t\"a\": {\n\t\t\t\"command\": \"m\",\n\t\t\t\"args\": [\n\t\t\t\t\"u\",\n\t\t\t\t\"--connect-timeout\",\n\t\t\t\t\"3\",\n\t\t\t],\n\t\t},\n\t},\n}\n"
	d := mustParse(t, h, []byte(src))
	servers, _ := d.Servers()
	got, err := d.Rewrite(servers[0], "m", []string{"u", "--connect-timeout", "3"})
	if err != nil || string(got) != want {
		t.Errorf("got %v\n%s\nwant\n%s", err, got, want)
	}
}

// TestTargetsOfAFileGiven: a file given is the one host's; without exactly
// one host it is refused, saying so in the command's words.
func TestTargetsOfAFileGiven(t *testing.T) {
	got, err := Targets([]string{"cursor"}, "/x/mcp.json", false)
	if err != nil || len(got) != 1 || got[0].Host.ID != "cursor" || got[0].Path != "/x/mcp.json" {
		t.Errorf("one host: %+v, %v", got, err)
	}
	for _, ids := range [][]string{nil, {"cursor", "zed"}} {
		if _, err := Targets(ids, "/x/mcp.json", false); !errors.Is(err, ErrNotOneHost) || !strings.Contains(err.Error(), "--host") {
			t.Errorf("hosts %q: %v, want ErrNotOneHost naming --host", ids, err)
		}
	}
}
