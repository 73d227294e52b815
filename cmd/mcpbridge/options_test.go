package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// TestServerURLRefusalIsAUsageError: the rule is netrule.ServerURL's; a
// refusal exits 2.
func TestServerURLRefusalIsAUsageError(t *testing.T) {
	for _, raw := range []string{"http://example.com/mcp", "ftp://example.com/mcp", "example.com/mcp"} {
		var ue usageError
		if _, err := serverURL(raw, false); !errors.As(err, &ue) {
			t.Errorf("serverURL(%q) = %v, not a usage error (exit code 2)", raw, err)
		}
	}
	if _, err := serverURL("https://example.com/mcp", false); err != nil {
		t.Errorf("https refused: %v", err)
	}
}

// optionsTestRun runs the command line with empty stdin and returns the exit
// code, stdout and stderr.
func optionsTestRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	t.Setenv("NODE_EXTRA_CA_CERTS", "")
	t.Setenv("MCPBRIDGE_CONFIG_DIR", t.TempDir())
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := run(ctx, args, ioStreams{in: strings.NewReader(""), out: &out, err: &errb})
	if ctx.Err() != nil {
		t.Fatalf("run %q did not return within 30 s", args)
	}
	return code, out.String(), errb.String()
}

// optionsTestServer is a URL nothing answers on: with empty stdin the
// bridge never sends anything, so no server is needed.
const optionsTestServer = "http://127.0.0.1:1/mcp"

// mcpRemoteFlags is every flag of mcp-remote 0.15.1, with a value.
var mcpRemoteFlags = [][]string{
	{"--header", "Authorization: Bearer x"},
	{"--header", "X-Other: y"},
	{"--allow-http"},
	{"--transport", "sse-first"},
	{"--host", "127.0.0.1"},
	{"--callback-path", "/cb"},
	{"--protocol", "auto"},
	{"--static-oauth-client-metadata", `{"scope":"read"}`},
	{"--static-oauth-client-info", `{"client_id":"abc"}`},
	{"--client-metadata-url", "https://example.com/client.json"},
	{"--resource", "https://example.com/mcp"},
	{"--disable-resource-parameter"},
	{"--authorize-param", "prompt=consent"},
	{"--authorize-param", "audience=x"},
	{"--device-code"},
	{"--client-credentials"},
	{"--token-endpoint", "https://example.com/token"},
	{"--use-id-token"},
	{"--auth-timeout", "60"},
	{"--auth-success-url", "https://example.com/done"},
	{"--ignore-tool", "delete_*"},
	{"--ignore-tool", "*admin*"},
	{"--debug"},
	{"--silent"},
	{"--enable-proxy"},
	{"--connect-timeout", "10"},
	{"--headers-timeout", "20"},
	{"--body-timeout", "30"},
	{"--ipv4"},
	{"--keep-alive"},
	{"--ping-interval", "15"},
}

func TestEveryMCPRemoteFlagParses(t *testing.T) {
	for _, f := range mcpRemoteFlags {
		t.Run(f[0], func(t *testing.T) {
			args := append([]string{"https://example.com/mcp", "3334"}, f...)
			code, out, errOut := optionsTestRun(t, append(args, "--help")...)
			if code != 0 || errOut != "" {
				t.Fatalf("%q: exit %d, stderr %q", args, code, errOut)
			}
			if !strings.Contains(out, "Usage:") {
				t.Errorf("no usage on stdout: %q", out)
			}
			// --flag=value works as well.
			if len(f) == 2 {
				code, _, errOut := optionsTestRun(t, "https://example.com/mcp", f[0]+"="+f[1], "--help")
				if code != 0 || errOut != "" {
					t.Errorf("%s=%s: exit %d, stderr %q", f[0], f[1], code, errOut)
				}
			}
		})
	}
	t.Run("all together", func(t *testing.T) {
		args := []string{"https://example.com/mcp", "3334"}
		for _, f := range mcpRemoteFlags {
			args = append(args, f...)
		}
		code, _, errOut := optionsTestRun(t, append(args, "--help")...)
		if code != 0 || errOut != "" {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
	})
}

func TestFlagValuesReachTheOptions(t *testing.T) {
	root := newBridgeCmd(ioStreams{in: strings.NewReader(""), out: io.Discard, err: io.Discard})
	args := []string{"https://example.com/mcp", "3334"}
	for _, f := range mcpRemoteFlags {
		args = append(args, f...)
	}
	if err := root.ParseFlags(args); err != nil {
		t.Fatalf("ParseFlags: %v", err)
	}
	tests := []struct{ flag, want string }{
		{"header", "Authorization: Bearer x,X-Other: y"},
		{"allow-http", "true"},
		{"transport", "sse-first"},
		{"ignore-tool", "delete_*,*admin*"},
		{"authorize-param", "prompt=consent,audience=x"},
		{"auth-timeout", "60"},
		{"ping-interval", "15"},
		{"body-timeout", "30"},
		{"resource", "https://example.com/mcp"},
		{"protocol", "auto"},
	}
	for _, tc := range tests {
		f := root.Flags().Lookup(tc.flag)
		if f == nil {
			t.Errorf("no --%s flag", tc.flag)
			continue
		}
		if got := f.Value.String(); got != tc.want {
			t.Errorf("--%s = %q, want %q", tc.flag, got, tc.want)
		}
	}
	if got := root.Flags().Args(); strings.Join(got, " ") != "https://example.com/mcp 3334" {
		t.Errorf("positional arguments %q", got)
	}
}

// TestMCPRemoteFlagsNeedNoWarning: every flag of mcp-remote's has its
// feature now; none is named as unsupported, and --protocol takes
// mcp-remote's values (and modern) and refuses others.
func TestMCPRemoteFlagsNeedNoWarning(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"resource", []string{"--resource", "https://example.com/mcp"}},
		{"host", []string{"--host", "127.0.0.1"}},
		{"callback-path", []string{"--callback-path", "/cb"}},
		{"static-oauth-client-metadata", []string{"--static-oauth-client-metadata", "{}"}},
		{"static-oauth-client-info", []string{"--static-oauth-client-info", "{}"}},
		{"client-metadata-url", []string{"--client-metadata-url", "https://e.com/c.json"}},
		{"disable-resource-parameter", []string{"--disable-resource-parameter"}},
		{"authorize-param", []string{"--authorize-param", "a=b"}},
		{"device-code", []string{"--device-code"}},
		{"client-credentials", []string{"--client-credentials", "--static-oauth-client-info", `{"client_id":"c","client_secret":"s"}`}},
		{"token-endpoint", []string{"--client-credentials", "--static-oauth-client-info", `{"client_id":"c"}`, "--token-endpoint", "https://e.com/t"}},
		{"use-id-token", []string{"--use-id-token"}},
		{"auth-timeout", []string{"--auth-timeout", "30"}},
		{"auth-success-url", []string{"--auth-success-url", "https://e.com/ok"}},
		{"protocol auto", []string{"--protocol", "auto"}},
		{"protocol legacy", []string{"--protocol", "legacy"}},
		{"protocol modern", []string{"--protocol", "modern"}},
		{"supported flags only", []string{"--header", "X-A: b", "--ignore-tool", "x", "--transport", "http-only"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := optionsTestRun(t, append([]string{optionsTestServer}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			if out != "" {
				t.Errorf("stdout is for JSON-RPC only, got %q", out)
			}
			if strings.Contains(errOut, "not yet supported") || strings.Contains(errOut, "no effect") {
				t.Errorf("unexpected warning: %q", errOut)
			}
		})
	}
	code, _, errOut := optionsTestRun(t, optionsTestServer, "--protocol", "newest")
	if code != 2 || !strings.Contains(errOut, "auto, legacy or modern") {
		t.Errorf("--protocol newest: exit %d, stderr %q; want a usage error naming the values", code, errOut)
	}
}

func TestSilentSilencesWarnings(t *testing.T) {
	code, out, errOut := optionsTestRun(t, optionsTestServer, "--silent", "--resource", "https://example.com/mcp")
	if code != 0 || out != "" || errOut != "" {
		t.Errorf("exit %d, stdout %q, stderr %q; want 0 and nothing written", code, out, errOut)
	}
}

func TestVersion(t *testing.T) {
	code, out, errOut := optionsTestRun(t, "--version")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if !strings.Contains(out, version) || !strings.Contains(out, "mcpbridge") {
		t.Errorf("--version printed %q, want the name and version %q", out, version)
	}
}

func TestHelp(t *testing.T) {
	code, out, errOut := optionsTestRun(t, "--help")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{"Usage:", "--header", "--allow-http", "--transport", "--ignore-tool"} {
		if !strings.Contains(out, want) {
			t.Errorf("--help does not mention %s", want)
		}
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr []string // substrings of stderr
	}{
		{"bad --transport", []string{"https://example.com/mcp", "--transport", "websocket"},
			[]string{`"websocket"`, "http-first", "sse-first", "http-only", "sse-only"}},
		{"non-numeric callback port", []string{"https://example.com/mcp", "abc"}, []string{`"abc"`, "port"}},
		{"callback port zero", []string{"https://example.com/mcp", "0"}, []string{`"0"`, "port"}},
		{"callback port too large", []string{"https://example.com/mcp", "65536"}, []string{`"65536"`, "port"}},
		{"negative callback port", []string{"https://example.com/mcp", "--", "-1"}, []string{`"-1"`, "port"}},
		{"plain http to a remote host", []string{"http://example.com/mcp"}, []string{"--allow-http"}},
		{"not an http URL", []string{"ftp://example.com/mcp"}, []string{"ftp://example.com/mcp"}},
		{"unknown flag", []string{"https://example.com/mcp", "--no-such-flag"}, []string{"--no-such-flag"}},
		{"flag without its value", []string{"https://example.com/mcp", "--transport"}, []string{"--transport"}},
		{"non-numeric timeout", []string{"https://example.com/mcp", "--connect-timeout", "soon"}, []string{"--connect-timeout"}},
		{"bad header", []string{"https://example.com/mcp", "--header", "NoColon"}, []string{"invalid header"}},
		{"missing header file", []string{"https://example.com/mcp", "--header-file", "/nonexistent/mcpbridge-headers"}, []string{"--header-file"}},
		{"no URL", nil, []string{"arg"}},
		{"too many arguments", []string{"https://example.com/mcp", "3334", "extra"}, []string{"arg"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := optionsTestRun(t, tc.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2 (stderr %q)", code, errOut)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
			for _, want := range tc.wantErr {
				if !strings.Contains(errOut, want) {
					t.Errorf("stderr %q does not mention %s", errOut, want)
				}
			}
			if !strings.Contains(errOut, "--help") {
				t.Errorf("stderr %q does not point to --help", errOut)
			}
		})
	}
}

func TestRunBridgesUntilStdinEnds(t *testing.T) {
	code, out, errOut := optionsTestRun(t, optionsTestServer, "3334", "--transport", "http-only")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if out != "" {
		t.Errorf("stdout %q, want nothing: no message came in", out)
	}
	if !strings.Contains(errOut, "127.0.0.1:1") {
		t.Errorf("stderr %q does not say where it bridges to", errOut)
	}
}

// TestBridgeStartBuildsOnlyTheRoot: a host's command line (the URL first)
// gets the root command alone; every other line, and help or version
// anywhere, gets the whole tree, which help lists.
func TestBridgeStartBuildsOnlyTheRoot(t *testing.T) {
	for _, c := range []struct {
		args []string
		want bool
	}{
		{[]string{"https://example.com/mcp"}, true},
		{[]string{"https://example.com/mcp", "3334", "--allow-http", "--header", "A: b"}, true},
		{[]string{"https://example.com/mcp", "--help"}, false},
		{[]string{"https://example.com/mcp", "-v"}, false},
		{[]string{"--header", "A: b", "https://example.com/mcp"}, false},
		{[]string{"login", "https://example.com/mcp"}, false},
		{[]string{"__complete", "https://example.com/mcp", ""}, false},
		{nil, false},
	} {
		if got := startsBridge(c.args); got != c.want {
			t.Errorf("startsBridge(%q) = %v, want %v", c.args, got, c.want)
		}
	}
	code, out, _ := optionsTestRun(t, "https://example.com/mcp", "--help")
	if code != 0 || !strings.Contains(out, "Available Commands") || !strings.Contains(out, "login") {
		t.Errorf("help after a URL: exit %d, want the subcommands listed:\n%s", code, out)
	}
	code, _, errOut := optionsTestRun(t, "https://example.com/mcp", "--no-such-flag")
	if code != 2 || !strings.Contains(errOut, "unknown flag: --no-such-flag") {
		t.Errorf("a typo on the bridge's line: exit %d, stderr %q", code, errOut)
	}
}

// TestConfigEraMemo: a remote https server gets an era memo in the config
// folder; a server on this machine does not (a port here is often another
// server the next time), and neither does plain HTTP.
func TestConfigEraMemo(t *testing.T) {
	t.Setenv("NODE_EXTRA_CA_CERTS", "")
	for raw, want := range map[string]bool{
		"https://mcp.example.com/mcp": true,
		"https://127.0.0.1:8443/mcp":  false,
		"http://localhost:3000/mcp":   false,
	} {
		o := &options{}
		c := &cobra.Command{}
		o.register(c)
		if err := c.Flags().Parse([]string{"--allow-http"}); err != nil {
			t.Fatal(err)
		}
		o.url, o.dir = raw, t.TempDir()
		cfg, err := o.config(slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatalf("%s: config: %v", raw, err)
		}
		if err := cfg.EraMemo.Remember(true); err != nil {
			t.Fatalf("%s: Remember: %v", raw, err)
		}
		if got := cfg.EraMemo.Legacy(); got != want {
			t.Errorf("%s: the era memo remembers %v, want %v", raw, got, want)
		}
	}
}
