package mcpremote

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	goldenfile "github.com/mcpbridge/mcpbridge/internal/golden"

	"github.com/mcpbridge/mcpbridge/internal/hostconfig"
)

// samples are internal/hostconfig's sample files of each host, with the
// host that reads them.
var samples = map[string]string{
	"claude_desktop_config.json": "claude-desktop", "claude_desktop_windows.json": "claude-desktop",
	"claude_code.json": "claude-code", "cursor_mcp.json": "cursor", "cursor_compact.json": "cursor",
	"windsurf_mcp_config.json": "windsurf", "vscode_mcp.json": "vscode", "zed_settings.json": "zed",
	"zed_no_context_servers.json": "zed", "zed_default.json": "zed",
}

func sample(file string) string { return filepath.Join("..", "hostconfig", "testdata", file) }

func lookup(t *testing.T, id string) hostconfig.Host {
	t.Helper()
	h, err := hostconfig.Lookup(id)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestArgsOfTheSamples: in every sample, Args finds exactly the entries
// hostconfig's TestRewriteGolden rewrites (its testdata/rewrites.json), with
// the same arguments.
func TestArgsOfTheSamples(t *testing.T) {
	b, err := os.ReadFile(sample("rewrites.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]json.RawMessage
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	for file, host := range samples {
		src, _ := os.ReadFile(sample(file))
		doc, err := hostconfig.Parse(lookup(t, host), src)
		if err != nil {
			t.Fatal(err)
		}
		servers, err := doc.Servers()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][]string{}
		for _, s := range servers {
			if args, ok := Args(s.Command, s.Args); ok {
				got[s.Name] = args
			}
		}
		wantFile := map[string][]string{}
		if raw, ok := want[file]; ok {
			_ = json.Unmarshal(raw, &wantFile)
		}
		if !reflect.DeepEqual(got, wantFile) {
			t.Errorf("%s: found %q\nwant %q", file, got, wantFile)
		}
	}
}

// TestPlanFileGolden: the plan for each sample rewrites its mcp-remote
// entries to mcpbridge with the mapped flags (golden/<file>.migrate), each
// entry reads back with the new command and arguments and its env, and
// nothing is written.
func TestPlanFileGolden(t *testing.T) {
	for file, host := range samples {
		t.Run(file, func(t *testing.T) {
			h := lookup(t, host)
			before, _ := os.ReadFile(sample(file))
			p, err := PlanFile(h, sample(file), "/usr/local/bin/mcpbridge", bridgeLike())
			if err != nil {
				t.Fatal(err)
			}
			if after, _ := os.ReadFile(sample(file)); !bytes.Equal(after, before) || !bytes.Equal(p.Before, before) {
				t.Fatal("planning changed the file, or did not start from it")
			}
			if len(p.Changes) == 0 {
				if !bytes.Equal(p.After, before) {
					t.Error("no mcp-remote entries, yet the file changes")
				}
				return
			}
			readsBack(t, h, p)
			golden(t, file+".migrate", p.After)
		})
	}
}

func readsBack(t *testing.T, h hostconfig.Host, p *Plan) {
	t.Helper()
	doc, err := hostconfig.Parse(h, p.After)
	if err != nil {
		t.Fatal(err)
	}
	servers, err := doc.Servers()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range p.Changes {
		found := false
		for _, s := range servers {
			if s.Name == c.Server.Name && reflect.DeepEqual(s.Path, c.Server.Path) {
				found = true
				if s.Command != "/usr/local/bin/mcpbridge" || !reflect.DeepEqual(s.Args, c.Args) || !reflect.DeepEqual(s.Env, c.Server.Env) {
					t.Errorf("%s reads back as %q %q env %v", s.Name, s.Command, s.Args, s.Env)
				}
			}
		}
		if !found {
			t.Errorf("%s is gone", c.Server.Name)
		}
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Check(t, name, got, hostconfig.Diff)
}

// TestPlanFileNotes: the mapping's notes, and the entry's own
// MCP_REMOTE_CONFIG_DIR, which stays and is where the sign-in is found.
func TestPlanFileNotes(t *testing.T) {
	t.Setenv(EnvConfigDir, "/elsewhere")
	p, err := PlanFile(lookup(t, "claude-desktop"), sample("claude_desktop_config.json"), "/bin/mcpbridge", bridgeLike())
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Change{}
	for _, c := range p.Changes {
		byName[c.Server.Name] = c
	}
	at, lin := byName["atlassian"], byName["linear"]
	if len(at.Notes) != 1 || !strings.Contains(at.Notes[0], "MCP_REMOTE_CONFIG_DIR=/Users/zoë/.mcp-auth-work is kept") {
		t.Errorf("atlassian notes %q", at.Notes)
	}
	if f := at.Files(); f.Dir != filepath.Join("/Users/zoë/.mcp-auth-work", "mcp-remote-v1") || f.Hash != Hash(at.From) {
		t.Errorf("atlassian files %+v", f)
	}
	if f := lin.Files(); f.Dir != filepath.Join("/elsewhere", "mcp-remote-v1") || lin.URL() != "https://mcp.linear.app/sse" {
		t.Errorf("linear files %+v, URL %s", f, lin.URL())
	}
}

// TestPlanFileRefusesABrokenFile: a file that is not JSON(C) is left for
// the user to fix.
func TestPlanFileRefusesABrokenFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mcp.json")
	_ = os.WriteFile(path, []byte(`{"mcpServers": {`), 0o644)
	if _, err := PlanFile(lookup(t, "cursor"), path, "/bin/mcpbridge", bridgeLike()); err == nil || !strings.Contains(err.Error(), "fix it by hand") {
		t.Errorf("err = %v", err)
	}
}
