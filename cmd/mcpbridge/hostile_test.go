package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// The tests in this file face hostile servers: what they send — an HTML
// error page, an error_description, a serverInfo name, tool names — holds
// a screen clear, an OSC 52 clipboard write, a forged log line and a bidi
// override, and none of it may reach a terminal raw.

const (
	clearScreen = "\x1b[2J"
	clipboard   = "\x1b]52;c;aGk=\x07"
	forgedLine  = "\r\nmcpbridge: signed in to https://evil.example"
	bidi        = "\u202etxt.exe"
	hostileText = clearScreen + clipboard + forgedLine + bidi
)

// jsonHostile is hostileText as a JSON string's content.
func jsonHostile() string {
	b, _ := json.Marshal(hostileText)
	return string(b[1 : len(b)-1])
}

// assertInert fails when text holds a raw control or format character
// (other than the line ends and tabs the command writes itself) or a line
// that starts with the forged text.
func assertInert(t *testing.T, what, text string) {
	t.Helper()
	for _, r := range text {
		if r != '\n' && r != '\t' && unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp) {
			t.Errorf("%s holds a raw %U:\n%q", what, r, text)
			return
		}
	}
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "mcpbridge: signed in to https://evil") {
			t.Errorf("%s has a forged line: %q", what, l)
		}
	}
}

// assertNoSecret fails when SECRET shows in text.
func assertNoSecret(t *testing.T, what, text string) {
	t.Helper()
	if strings.Contains(text, "SECRET") {
		t.Errorf("%s shows the server URL's query value:\n%s", what, text)
	}
}

// debugLogs is the text of every debug log in the config folder dir.
func debugLogs(t *testing.T, dir string) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "logs", "*-debug.log"))
	var b strings.Builder
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(data)
	}
	return b.String()
}

// hostileMCP is a Streamable HTTP server whose serverInfo, tool names and
// error messages are hostile; anything but initialize and tools/list is
// an unknown method.
func hostileMCP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodDelete {
		return
	}
	id, method, ok := rpcCall(w, r)
	if !ok {
		return
	}
	h := jsonHostile()
	var body string
	switch method {
	case "initialize":
		w.Header().Set("Mcp-Session-Id", "sess-1")
		body = `"result":{"protocolVersion":"2025-11-25","capabilities":{"tools":{}},"serverInfo":{"name":"` + h + `","version":"` + h + `"}}`
	case "tools/list":
		body = `"result":{"tools":[{"name":"` + h + `","inputSchema":{"type":"object"}},{"name":"ok` + h + `","inputSchema":{"type":"object"}}]}`
	default:
		body = fmt.Sprintf(`"error":{"code":-32601,"message":"%s"}`, h)
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,%s}`, id, body)
}

// TestProbeOfAHostileServerIsInert: every step passes against a server
// whose names are hostile; stderr, the --json report and the debug log
// show them escaped, never raw, and the URL's api_key in none of them.
func TestProbeOfAHostileServerIsInert(t *testing.T) {
	ts := serveAt(t, "/mcp", http.HandlerFunc(hostileMCP), httptest.NewServer)
	dir := t.TempDir()
	t.Setenv("MCPBRIDGE_CONFIG_DIR", dir)
	r := runProbeCmd(t, ts.URL+"/mcp?api_key=SECRET", "--debug")
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s", r.code, r.stderr)
	}
	logs := debugLogs(t, dir)
	if logs == "" {
		t.Fatal("no debug log")
	}
	for what, text := range map[string]string{"stderr": r.stderr, "stdout": r.stdout, "debug log": logs} {
		assertInert(t, what, text)
		assertNoSecret(t, what, text)
	}
	// The report's strings, decoded, are inert too: JSON's own escapes
	// (\u001b) would decode back to raw bytes.
	assertInert(t, "decoded report", jsonStrings(t, r.stdout))
	for _, want := range []string{`\x1b[2J`, `\u202e`, `api_key=REDACTED`} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q (shown escaped, not dropped):\n%s", want, r.stderr)
		}
	}
	if tools := detail(r.report.step(t, "tools/list"), "first"); !strings.Contains(tools, `\x1b]52;c;aGk=\a`) && !strings.Contains(tools, `\x1b]52;c;aGk=\x07`) {
		t.Errorf("tools/list first = %s, want the names escaped", tools)
	}
}

// jsonStrings is every key and string of a JSON document, decoded (one a
// line): what a script reading it gets.
func jsonStrings(t *testing.T, doc string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatalf("not JSON (%v): %s", err, doc)
	}
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			b.WriteString(x + "\n")
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for k, e := range x {
				b.WriteString(k + "\n")
				walk(e)
			}
		}
	}
	walk(v)
	return b.String()
}

// hostilePage is an HTML error page with hostile text in it.
func hostilePage(code int) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(code)
		fmt.Fprint(w, "<html><title>"+hostileText+"</title></html>")
	}
}

// challenge answers 401 with a hostile error_description and page.
func challenge(description string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="`+description+`"`)
		hostilePage(http.StatusUnauthorized)(w, nil)
	}
}

// TestProbeFailuresOfAHostileServerAreInert: a 500 and a 403 with a
// hostile HTML page, and a 401 whose challenge's error_description holds
// a C1 CSI and a bidi override (or an ESC, which Go's client refuses in a
// header, quoting it), fail the probe with their text escaped on stderr
// and in the report, never raw.
func TestProbeFailuresOfAHostileServerAreInert(t *testing.T) {
	handlers := map[string]http.HandlerFunc{
		"500": hostilePage(500), "403": hostilePage(403),
		"401": challenge("\u009b2J" + bidi), "401-esc": challenge(clearScreen + clipboard + bidi),
	}
	for name, h := range handlers {
		t.Run(name, func(t *testing.T) {
			ts := serveAt(t, "/mcp", h, httptest.NewServer)
			r := runProbeCmd(t, ts.URL+"/mcp?api_key=SECRET", "--no-login")
			if r.code != 1 {
				t.Fatalf("exit %d, want 1:\n%s", r.code, r.stderr)
			}
			assertInert(t, "stderr", r.stderr)
			assertInert(t, "decoded report", jsonStrings(t, r.stdout))
			assertNoSecret(t, "stderr", r.stderr)
			assertNoSecret(t, "stdout", r.stdout)
			if !strings.Contains(r.stderr, `\u202e`) {
				t.Errorf("stderr does not show the server's text escaped:\n%s", r.stderr)
			}
		})
	}
}

// hostileAuthServer is an MCP server that answers 401 with a hostile
// challenge, and its own authorization server whose registration fails
// with register's answer; both on one origin.
func hostileAuthServer(t *testing.T, register http.HandlerFunc) string {
	t.Helper()
	mux := http.NewServeMux()
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	prm := ts.URL + "/.well-known/oauth-protected-resource/mcp"
	mux.HandleFunc("/mcp", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer resource_metadata="`+prm+`", error_description="\u009b2J`+bidi+`"`)
		hostilePage(http.StatusUnauthorized)(w, nil)
	})
	mux.HandleFunc("/.well-known/oauth-protected-resource/mcp", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"resource":%q,"authorization_servers":[%q]}`, ts.URL+"/mcp", ts.URL)
	})
	mux.HandleFunc("/.well-known/oauth-authorization-server", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"issuer":%q,"authorization_endpoint":%q,"token_endpoint":%q,"registration_endpoint":%q,`+
			`"response_types_supported":["code"],"code_challenge_methods_supported":["S256"]}`,
			ts.URL, ts.URL+"/authorize", ts.URL+"/token", ts.URL+"/register")
	})
	mux.HandleFunc("/register", register)
	return ts.URL + "/mcp?api_key=SECRET"
}

// failingRegistrations are the authorization server's hostile refusals:
// an OAuth error whose error_description is hostile, and an HTML page.
var failingRegistrations = map[string]http.HandlerFunc{
	"error_description": func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error":"invalid_client_metadata","error_description":"%s"}`, jsonHostile())
	},
	"html": hostilePage(http.StatusInternalServerError),
}

// TestLoginAgainstAHostileAuthServerIsInert: login fails against an
// authorization server whose refusal is hostile; stderr and stdout show
// nothing of it raw, and no api_key.
func TestLoginAgainstAHostileAuthServerIsInert(t *testing.T) {
	for name, register := range failingRegistrations {
		t.Run(name, func(t *testing.T) {
			server := hostileAuthServer(t, register)
			code, out, errOut := optionsTestRun(t, "login", server, "--token-store", "file", "--auth-timeout", "10")
			if code != 1 || !strings.Contains(errOut, "mcpbridge: ") {
				t.Fatalf("login: exit %d, want 1; stderr:\n%s", code, errOut)
			}
			for what, text := range map[string]string{"stdout": out, "stderr": errOut} {
				assertInert(t, what, text)
				assertNoSecret(t, what, text)
			}
			if !strings.Contains(errOut, "evil.example") {
				t.Errorf("stderr does not show the refusal (escaped):\n%s", errOut)
			}
		})
	}
}

// TestBridgeStderrFacingAHostileServerIsInert: the bridge meets the 401,
// tries to sign in, and the authorization server's hostile refusal
// reaches neither its stderr nor its debug log raw; stdout stays
// JSON-RPC. (What the JSON-RPC error on stdout says is the bridge's.)
func TestBridgeStderrFacingAHostileServerIsInert(t *testing.T) {
	for name, register := range failingRegistrations {
		t.Run(name, func(t *testing.T) {
			server := hostileAuthServer(t, register)
			dir := t.TempDir()
			t.Setenv("MCPBRIDGE_CONFIG_DIR", dir)
			t.Setenv("NODE_EXTRA_CA_CERTS", "")
			var out, errOut strings.Builder
			code := run(t.Context(), []string{server, "--debug", "--token-store", "file", "--auth-timeout", "10"},
				ioStreams{in: strings.NewReader(initLine + "\n"), out: &out, err: &errOut})
			if code != 0 || errOut.Len() == 0 {
				t.Fatalf("bridge: exit %d, stderr:\n%s", code, errOut.String())
			}
			for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
				if !json.Valid([]byte(l)) {
					t.Errorf("stdout line is not JSON-RPC: %q", l)
				}
			}
			logs := debugLogs(t, dir)
			for what, text := range map[string]string{"stderr": errOut.String(), "debug log": logs} {
				assertInert(t, what, text)
				assertNoSecret(t, what, text)
				if !strings.Contains(text, "evil.example") {
					t.Errorf("%s does not show the refusal (escaped):\n%s", what, text)
				}
			}
		})
	}
}

// TestStatusOfAHostileIndexIsInert: the index holds what servers and
// authorization servers said (an issuer, scopes) and, from before
// redaction, a server URL with its query; status in text and JSON, and
// logout --all, show it escaped and redacted.
func TestStatusOfAHostileIndexIsInert(t *testing.T) {
	dir := t.TempDir()
	h := jsonHostile()
	index := `{"version":1,"entries":{"tokens-x":{"name":"tokens-x","kind":"tokens",` +
		`"server":"https://mcp.example.com/mcp?api_key=SECRET","issuer":"https://as.example/` + h + `",` +
		`"scopes":["read` + h + `"],"updated":"2026-01-01T00:00:00Z","backend":"file"}}}`
	if err := os.WriteFile(filepath.Join(dir, "credentials.json"), []byte(index), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"status"}, {"status", "--json"}, {"status", "https://mcp.example.com/mcp?api_key=OTHER"}, {"logout", "--all", "--token-store", "file"}} {
		code, out, errOut := runIn(t, dir, "", args...)
		if code != 0 {
			t.Errorf("%q: exit %d:\n%s%s", args, code, out, errOut)
		}
		if args[0] == "status" && !strings.Contains(out, "mcp.example.com/mcp?api_key=REDACTED") {
			t.Errorf("%q does not show the entry redacted:\n%s", args, out)
		}
		assertInert(t, strings.Join(args, " "), out+errOut)
		assertNoSecret(t, strings.Join(args, " "), out+errOut)
		if slices.Contains(args, "--json") {
			assertInert(t, "status --json, decoded", jsonStrings(t, out))
		}
	}
}
