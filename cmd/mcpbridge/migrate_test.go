package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/fakeas"
	"github.com/mcpbridge/mcpbridge/internal/mcpremote"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/*.golden")

// TestMCPRemoteToBridge: mcp-remote's flags map onto the bridge's own flag
// set, and the bridge accepts the result.
func TestMCPRemoteToBridge(t *testing.T) {
	fs := bridgeFlagSet()
	const u = "https://x.example/mcp"
	tests := []struct {
		name      string
		in, want  []string
		wantNotes []string // substrings, one per note
	}{
		{"URL only", []string{u}, []string{u}, nil},
		{"every flag of mcp-remote keeps its meaning",
			[]string{u, "3334", "--header", "A: b", "--header-file", "/h", "--allow-http", "--host", "127.0.0.1", "--callback-path", "/cb",
				"--transport", "sse-only", "--protocol", "auto", "--static-oauth-client-metadata", "{}", "--static-oauth-client-info", "@c.json",
				"--client-metadata-url", "https://c.example/m.json", "--resource", "https://r.example", "--authorize-param", "a=b",
				"--device-code", "--client-credentials", "--token-endpoint", "https://as.example/t", "--use-id-token", "--auth-timeout", "60",
				"--auth-success-url", "https://ok.example/", "--ignore-tool", "x*", "--silent", "--enable-proxy", "--connect-timeout", "10",
				"--headers-timeout", "0", "--body-timeout", "30", "--ipv4", "--keep-alive", "--ping-interval", "15", "--disable-cookies",
				"--disable-resource-parameter"},
			nil, nil},
		{"fractional seconds round up", []string{u, "--connect-timeout", "2.5"}, []string{u, "--connect-timeout", "3"}, []string{"whole seconds"}},
		{"invalid seconds are dropped", []string{u, "--ping-interval", "soon"}, []string{u}, []string{"ignored"}},
		{"zero connect timeout is invalid in mcp-remote", []string{u, "--connect-timeout", "0"}, []string{u}, []string{"ignored"}},
		{"auth timeout as parseInt reads it", []string{u, "--auth-timeout", "90s"}, []string{u, "--auth-timeout", "90"}, []string{"90s"}},
		{"a header mcp-remote could not parse", []string{u, "--header", "Bad Header"}, []string{u}, []string{"Name: value"}},
		{"empty resource disables it", []string{u, "--resource", " "}, []string{u, "--disable-resource-parameter"}, []string{"disable-resource-parameter"}},
		{"unknown flag and its stray value", []string{u, "--oauth-port", "8080"}, []string{u}, []string{"--oauth-port", `"8080"`}},
		{"first single-valued flag wins", []string{u, "--transport", "sse-only", "--transport", "http-only"}, []string{u, "--transport", "sse-only"}, []string{"second --transport"}},
		{"repeatable flags add up", []string{u, "--ignore-tool", "a", "--ignore-tool", "b"}, []string{u, "--ignore-tool", "a", "--ignore-tool", "b"}, nil},
		{"flag without value", []string{u, "--transport"}, []string{u}, []string{"no value"}},
		{"the = form", []string{u, "--transport=sse-only"}, []string{u, "--transport=sse-only"}, []string{"--flag=value"}},
		{"--debug note", []string{u, "--debug"}, []string{u, "--debug"}, []string{"logs/"}},
		{"--help dropped", []string{u, "--help"}, []string{u}, []string{"--help"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.want
			if want == nil {
				want = tc.in
			}
			got, notes := mcpremote.ToBridge(tc.in, fs)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %q\nwant %q", got, want)
			}
			if len(notes) != len(tc.wantNotes) {
				t.Fatalf("notes %q, want %d", notes, len(tc.wantNotes))
			}
			for i, n := range tc.wantNotes {
				if !strings.Contains(notes[i], n) {
					t.Errorf("note %q does not mention %q", notes[i], n)
				}
			}
			if err := checkBridgeArgs(got); err != nil && !strings.Contains(tc.name, "every flag") {
				t.Errorf("mcpbridge refuses the result: %v", err)
			}
		})
	}
}

// TestMigrateDryRunGolden: the default run shows each entry before and
// after, the diff and a summary, and changes nothing.
func TestMigrateDryRunGolden(t *testing.T) {
	t.Setenv("MCP_REMOTE_CONFIG_DIR", t.TempDir())
	path := sampleCopy(t, "claude_desktop_config.json")
	before, _ := os.ReadFile(path)
	code, out, errOut := hostRun(t, "migrate", "--host", "claude-desktop", "--config", path, "--command", "/usr/local/bin/mcpbridge")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Error("a dry run changed the file")
	}
	out = strings.ReplaceAll(out, path, "CONFIG")
	golden := filepath.Join("testdata", "migrate-dry-run.golden")
	if *updateGolden {
		_ = os.MkdirAll("testdata", 0o755)
		_ = os.WriteFile(golden, []byte(out), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test -run TestMigrateDryRunGolden -update)", err)
	}
	if out != string(want) {
		t.Errorf("output differs from %s:\n%s", golden, out)
	}
}

func TestMigrateUsage(t *testing.T) {
	for _, args := range [][]string{
		{"migrate", "--config", "x.json"},
		{"migrate", "--config", "x.json", "--host", "cursor", "--host", "zed"},
		{"migrate", "--host", "emacs"},
	} {
		if code, _, errOut := hostRun(t, args...); code != 2 {
			t.Errorf("%q: exit %d, want 2 (%s)", args, code, errOut)
		}
	}
}

// TestMigrateFindsTheHostsFiles: without --config every host's own file is
// looked at; a file with nothing to migrate is listed as such.
func TestMigrateFindsTheHostsFiles(t *testing.T) {
	home, xdg := t.TempDir(), t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", xdg)
	t.Setenv("APPDATA", xdg)
	t.Setenv("CLAUDE_CONFIG_DIR", "")
	t.Setenv("MCP_REMOTE_CONFIG_DIR", t.TempDir())
	_ = os.MkdirAll(filepath.Join(home, ".cursor"), 0o755)
	_ = os.WriteFile(filepath.Join(home, ".cursor", "mcp.json"), []byte(`{"mcpServers": {"a": {"command": "npx", "args": ["-y", "mcp-remote", "https://a.example/mcp"]}}}`), 0o644)
	_ = os.MkdirAll(filepath.Join(home, ".codeium", "windsurf"), 0o755)
	_ = os.WriteFile(filepath.Join(home, ".codeium", "windsurf", "mcp_config.json"), []byte(`{"mcpServers": {}}`), 0o644)
	code, out, errOut := hostRun(t, "migrate", "--command", "/bin/mcpbridge", "--write")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if e := entryOf(t, "cursor", filepath.Join(home, ".cursor", "mcp.json"), "a"); e.Command != "/bin/mcpbridge" {
		t.Errorf("cursor entry %+v", e)
	}
	if !strings.Contains(out, "cursor  a  ") || !strings.Contains(out, "migrated") {
		t.Errorf("summary:\n%s", out)
	}
}

// TestMigrateImportsTheSignIn: --write rewrites the entry and takes over the
// tokens mcp-remote stored for it (under the hash its --header changes, in
// the folder the entry's env names), and the migrated entry then starts
// signed in: no browser, no authorization request.
func TestMigrateImportsTheSignIn(t *testing.T) {
	as, resource := protectedServer(t, fakeas.Options{Clients: []fakeas.Client{{ID: "mr-client"}}})
	at, rt, err := as.Grant("mr-client", []string{"mcp:read"}, resource)
	if err != nil {
		t.Fatal(err)
	}
	mr := t.TempDir()
	files := filepath.Join(mr, "mcp-remote-v1")
	_ = os.MkdirAll(files, 0o700)
	hash := mcpremote.Hash([]string{resource, "--header", "X-Tenant: ${TENANT}"})
	_ = os.WriteFile(filepath.Join(files, hash+"_tokens.json"), fmt.Appendf(nil,
		`{"access_token":%q,"token_type":"Bearer","refresh_token":%q,"expires_in":3600,"expires_at":%d,"scope":"mcp:read","issuer":%q}`,
		at, rt, time.Now().Add(time.Hour).UnixMilli(), as.URL()), 0o600)
	_ = os.WriteFile(filepath.Join(files, hash+"_client_info.json"), []byte(`{"client_id":"mr-client","redirect_uris":["http://localhost:3334/oauth/callback"],"token_endpoint_auth_method":"none"}`), 0o600)

	path := filepath.Join(t.TempDir(), "mcp.json")
	_ = os.WriteFile(path, fmt.Appendf(nil, `{
  "mcpServers": {
    "team": {
      "command": "npx",
      "args": ["-y", "mcp-remote@0.15.1", %q, "--header", "X-Tenant: ${TENANT}"],
      "env": {"MCP_REMOTE_CONFIG_DIR": %q, "TENANT": "acme"}
    }
  }
}
`, resource, mr), 0o644)
	cfg := t.TempDir()
	t.Setenv("MCPBRIDGE_CONFIG_DIR", cfg)
	t.Setenv("TENANT", "")
	code, out, errOut := hostRun(t, "migrate", "--host", "cursor", "--config", path, "--write", "--command", "/bin/mcpbridge", "--token-store", "file")
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
	if !strings.Contains(out, "imported") || !strings.Contains(out, "MCP_REMOTE_CONFIG_DIR") {
		t.Errorf("output:\n%s", out)
	}
	if os.Getenv("TENANT") != "" {
		t.Error("the entry's env leaked into the process")
	}
	e := entryOf(t, "cursor", path, "team")
	if want := []string{resource, "--header", "X-Tenant: ${TENANT}"}; !reflect.DeepEqual(e.Args, want) || e.Env["TENANT"] != "acme" {
		t.Fatalf("entry %+v", e)
	}
	b := startChild(t, []string{"MCPBRIDGE_CONFIG_DIR=" + cfg, "TENANT=acme", "BROWSER=/nonexistent-must-not-run"}, append(e.Args, "--token-store", "file")...)
	if got := b.roundTrip(t, initLine); !strings.Contains(got, `"result"`) {
		t.Fatalf("initialize after the migration: %s; stderr %s", got, b.stderrText())
	}
	if st := as.Stats(); st.AuthorizeRequests != 0 {
		t.Errorf("signed in again despite the import: %+v", st)
	}
}

// TestMigrateAndImportFlagsReachTheOptions: the commands' flags land in
// their options, and run gets them (the runF seam of the constructors).
func TestMigrateAndImportFlagsReachTheOptions(t *testing.T) {
	s := ioStreams{in: strings.NewReader(""), out: io.Discard, err: io.Discard}
	var m *migrateOptions
	cmd := newMigrateCmd(s, func(_ context.Context, o *migrateOptions) error { m = o; return nil })
	cmd.SetArgs([]string{"--write", "--host", "cursor", "--host", "zed", "--no-import", "--token-store", "file", "--command", "/bin/mcpbridge", "--project"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if m == nil || !m.write || !m.noImport || !m.project || !reflect.DeepEqual(m.hosts, []string{"cursor", "zed"}) || m.tokenStore != "file" || m.command != "/bin/mcpbridge" || m.config != "" {
		t.Errorf("migrate options %+v", m)
	}
	var im *importOptions
	var args []string
	cmd = newImportCmd(s, func(_ context.Context, o *importOptions, a []string) error { im, args = o, a; return nil })
	cmd.SetArgs([]string{"https://x.example/mcp", "--mcp-remote-hash", "abc", "--token-store", "file"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if im == nil || im.hash != "abc" || !reflect.DeepEqual(args, []string{"https://x.example/mcp"}) {
		t.Errorf("import options %+v, args %q", im, args)
	}
}
