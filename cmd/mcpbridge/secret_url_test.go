package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcpbridge/mcpbridge/internal/accountview"
	"github.com/mcpbridge/mcpbridge/internal/fakeas"
)

// runIn runs the command line in this process with dir as the config
// folder and stdin as the host's input.
func runIn(t *testing.T, dir, stdin string, args ...string) (int, string, string) {
	t.Helper()
	t.Setenv("MCPBRIDGE_CONFIG_DIR", dir)
	t.Setenv("NODE_EXTRA_CA_CERTS", "")
	var out, errOut bytes.Buffer
	code := run(t.Context(), args, ioStreams{in: strings.NewReader(stdin), out: &out, err: &errOut})
	return code, out.String(), errOut.String()
}

// TestServerURLQueryIsASecret: with the server URL
// …/mcp?api_key=SECRET, login, the bridge with --debug, probe (text and
// --json), status (text and --json, filtered by the URL) and logout show
// api_key=REDACTED and never SECRET, on stdout, stderr or in the debug
// logs; an index entry written before redaction, holding the URL whole,
// is redacted when shown.
func TestServerURLQueryIsASecret(t *testing.T) {
	_, resource := protectedServer(t, fakeas.Options{})
	server := resource + "?api_key=SECRET"
	dir := t.TempDir()
	t.Setenv("MCPBRIDGE_TEST_BROWSER", "1")
	t.Setenv("BROWSER", os.Args[0]+" -test.run=^TestHelperBrowser$ %s")
	var shown strings.Builder
	cmd := func(stdin string, args ...string) string {
		t.Helper()
		code, out, errOut := runIn(t, dir, stdin, args...)
		if code != 0 {
			t.Fatalf("%q: exit %d\nstdout:\n%s\nstderr:\n%s", args, code, out, errOut)
		}
		shown.WriteString(out + errOut)
		return out + errOut
	}
	if out := cmd("", "login", server, "--token-store", "file", "--auth-timeout", "20"); !strings.Contains(out, "api_key=REDACTED") {
		t.Errorf("login does not name the server redacted:\n%s", out)
	}
	if out := cmd(initLine+"\n", server, "--token-store", "file", "--debug"); !strings.Contains(out, `"result"`) {
		t.Errorf("the bridge did not answer initialize:\n%s", out)
	}
	cmd("", "probe", server, "--token-store", "file", "--debug", "--json")
	index, err := os.ReadFile(filepath.Join(dir, "credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	// DEPENDS ON OAUTHFLOW: it stores Meta.Server; this subtest passes once
	// oauthflow stores it with netrule.Redact (the hostile-oauthflow branch).
	t.Run("index written by oauthflow", func(t *testing.T) {
		assertNoSecret(t, "credentials.json", string(index))
	})

	// An entry from before redaction holds the URL whole: shown redacted.
	old := strings.ReplaceAll(string(index), "api_key=REDACTED", "api_key=SECRET")
	if !strings.Contains(old, "SECRET") {
		old = strings.ReplaceAll(old, `"server": "`+resource+`"`, `"server": "`+server+`"`)
	}
	if err := os.WriteFile(filepath.Join(dir, "credentials.json"), []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	var rows []accountview.StatusRow
	if err := json.Unmarshal([]byte(cmd("", "status", "--json")), &rows); err != nil || len(rows) != 1 || rows[0].Server != resource+"?api_key=REDACTED" {
		t.Errorf("status --json: %+v (%v)", rows, err)
	}
	if out := cmd("", "status", server); !strings.Contains(out, "api_key=REDACTED") {
		t.Errorf("status URL does not show the entry redacted:\n%s", out)
	}
	cmd("", "status")
	if out := cmd("", "logout", server, "--token-store", "file"); !strings.Contains(out, "Signed out of "+resource+"?api_key=REDACTED") {
		t.Errorf("logout: %s", out)
	}
	assertNoSecret(t, "the commands' output", shown.String())
	assertNoSecret(t, "the debug logs", debugLogs(t, dir))
}

// TestMigrateShowsTheFileAsItIsButTheSummaryRedacted: migrate's dry run
// shows the entry's lines and the diff as the user's own file holds them
// (api_key included: the file already has it and the diff must match what
// is written), escaped so a name with an ESC in it does not act on the
// terminal; the summary table shows the server redacted.
func TestMigrateShowsTheFileAsItIsButTheSummaryRedacted(t *testing.T) {
	t.Setenv("MCP_REMOTE_CONFIG_DIR", t.TempDir())
	path := filepath.Join(t.TempDir(), "claude_desktop_config.json")
	file := `{"mcpServers":{"evil\u001b[2J\u202e":{"command":"npx","args":["-y","mcp-remote","https://mcp.example.com/mcp?api_key=SECRET"]}}}`
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := hostRun(t, "migrate", "--host", "claude-desktop", "--config", path, "--command", "/usr/local/bin/mcpbridge")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	assertInert(t, "migrate's output", out+errOut)
	var summary string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "claude-desktop ") {
			summary = l
		}
	}
	if !strings.Contains(summary, "https://mcp.example.com/mcp?api_key=REDACTED") || !strings.Contains(summary, `evil\x1b[2J\u202e`) {
		t.Errorf("summary row = %q, want the server redacted and the name escaped", summary)
	}
	if !strings.Contains(out, "before: npx -y mcp-remote 'https://mcp.example.com/mcp?api_key=SECRET'") || !strings.Contains(out, "+++ ") {
		t.Errorf("the diff does not show the file as it is:\n%s", out)
	}
}
