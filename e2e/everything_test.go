package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Tests against npm's @modelcontextprotocol/server-everything, the MCP
// reference server, run by Node on 127.0.0.1 and driven through mcpbridge.
// Install it with `bash e2e/setup.sh`.

// everythingVersion is the version e2e/setup.sh pins; keep them in step.
const everythingVersion = "2026.8.31"

const everythingPkg = "@modelcontextprotocol/server-everything"

// loopbackPreload is loaded into Node with -r: server-everything calls
// app.listen(PORT), which binds every interface; this pins every TCP
// listener to 127.0.0.1 so nothing in the tests is reachable from the
// network.
const loopbackPreload = `'use strict';
const net = require('net');
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' || (typeof args[0] === 'string' && /^\d+$/.test(args[0]))) {
    const cb = args.find((a) => typeof a === 'function');
    return listen.call(this, { port: Number(args[0]), host: '127.0.0.1' }, cb);
  }
  if (args[0] && typeof args[0] === 'object' && args[0].path === undefined && args[0].fd === undefined) {
    args[0] = Object.assign({}, args[0], { host: '127.0.0.1' });
  }
  return listen.apply(this, args);
};
`

// everythingIndex returns the installed server's dist/index.js, or skips
// the test (fails it when CI=true) when it or node is missing.
func everythingIndex(t *testing.T) (node, index string) {
	t.Helper()
	prefix := os.Getenv("MCPBRIDGE_NPM_PREFIX")
	if prefix == "" {
		prefix = filepath.Join(repoRoot, ".cache", "npm")
	} else if !filepath.IsAbs(prefix) {
		prefix = filepath.Join(repoRoot, prefix)
	}
	pkgDir := filepath.Join(prefix, "node_modules", filepath.FromSlash(everythingPkg))
	index = filepath.Join(pkgDir, "dist", "index.js")
	node, nodeErr := exec.LookPath("node")
	_, indexErr := os.Stat(index)
	if nodeErr != nil || indexErr != nil {
		why := fmt.Sprintf("%s is not installed in %s", everythingPkg, prefix)
		if nodeErr != nil {
			why = "node is not on PATH"
		}
		msg := why + ": run `bash e2e/setup.sh` first (it installs " + everythingPkg + "@" + everythingVersion +
			" into <repo>/.cache/npm, or into $MCPBRIDGE_NPM_PREFIX)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	var pkg struct {
		Version string `json:"version"`
	}
	if data, err := os.ReadFile(filepath.Join(pkgDir, "package.json")); err == nil && json.Unmarshal(data, &pkg) == nil &&
		pkg.Version != everythingVersion {
		t.Logf("note: %s %s is installed; e2e/setup.sh pins %s", everythingPkg, pkg.Version, everythingVersion)
	}
	return node, index
}

// startEverything runs server-everything in mode ("streamableHttp" or
// "sse") on a free loopback port, waits until it listens, and kills it when
// the test ends. It returns http://127.0.0.1:PORT.
func startEverything(t *testing.T, mode string) string {
	t.Helper()
	node, index := everythingIndex(t)
	preload := filepath.Join(t.TempDir(), "loopback.cjs")
	if err := os.WriteFile(preload, []byte(loopbackPreload), 0o600); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	out := &lockedBuffer{}
	cmd := exec.Command(node, "-r", preload, index, mode)
	cmd.Env = append(os.Environ(), fmt.Sprintf("PORT=%d", port))
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", everythingPkg, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		select {
		case <-exited:
		case <-time.After(waitTimeout):
			t.Errorf("%s (pid %d) did not exit after a kill", everythingPkg, cmd.Process.Pid)
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", everythingPkg, out.String())
		}
	})

	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(20 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", addr, 500*time.Millisecond)
		if err == nil {
			conn.Close()
			return "http://" + addr
		}
		select {
		case <-exited:
			t.Fatalf("%s %s exited before listening on %s:\n%s", everythingPkg, mode, addr, out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s %s does not listen on %s after 20s:\n%s", everythingPkg, mode, addr, out.String())
		}
	}
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// everythingTools are the tools the tests use, found by role: their names
// changed between versions (add → get-sum, longRunningOperation →
// trigger-long-running-operation, sampleLLM → trigger-sampling-request…).
type everythingTools struct {
	echo, sum, long, sampling, elicitation, roots string
}

func findTools(t *testing.T, names []string, wantClientFeatures bool) everythingTools {
	t.Helper()
	find := func(role string, required bool, match func(string) bool) string {
		for _, n := range names {
			if match(strings.ToLower(n)) {
				return n
			}
		}
		if required {
			t.Fatalf("tools/list has no %s tool: %q", role, names)
		}
		return ""
	}
	has := strings.Contains
	return everythingTools{
		echo: find("echo", true, func(n string) bool { return n == "echo" }),
		sum:  find("sum", true, func(n string) bool { return n == "add" || has(n, "sum") }),
		long: find("long-running", true, func(n string) bool { return has(n, "long") && (has(n, "running") || has(n, "operation")) }),
		sampling: find("sampling", wantClientFeatures, func(n string) bool {
			return (has(n, "sampl")) && !has(n, "async")
		}),
		elicitation: find("elicitation", wantClientFeatures, func(n string) bool {
			return has(n, "elicit") && !has(n, "async") && !has(n, "url")
		}),
		roots: find("roots", wantClientFeatures, func(n string) bool { return has(n, "roots") }),
	}
}

// everythingHost starts mcpbridge on url, makes it a client with sampling,
// elicitation and roots, and runs a pipelined handshake. It returns the
// host and the tools found.
func everythingHost(t *testing.T, url string, args ...string) (*Host, everythingTools) {
	t.Helper()
	h := StartBridge(t, url, args...)
	h.Handle("sampling/createMessage", func(params json.RawMessage) (any, *RPCError) {
		var p struct {
			Messages []json.RawMessage `json:"messages"`
		}
		if json.Unmarshal(params, &p) != nil || len(p.Messages) == 0 {
			return nil, &RPCError{Code: -32602, Message: "sampling/createMessage without messages"}
		}
		return samplingAnswer("forty-two from the e2e host"), nil
	})
	h.Handle("elicitation/create", func(params json.RawMessage) (any, *RPCError) {
		var p struct {
			RequestedSchema struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"requestedSchema"`
		}
		if json.Unmarshal(params, &p) != nil {
			return nil, &RPCError{Code: -32602, Message: "bad elicitation/create params"}
		}
		content := map[string]any{}
		if _, ok := p.RequestedSchema.Properties["name"]; ok {
			content["name"] = "Ada Lovelace"
		}
		if _, ok := p.RequestedSchema.Properties["email"]; ok {
			content["email"] = "ada@example.com"
		}
		return map[string]any{"action": "accept", "content": content}, nil
	})
	h.Handle("roots/list", func(json.RawMessage) (any, *RPCError) {
		return map[string]any{"roots": []any{map[string]any{"uri": "file:///e2e/workspace", "name": "e2e workspace"}}}, nil
	})

	// One write: initialize, initialized, tools/list. Tools that depend on
	// the client's capabilities are registered when the server handles
	// notifications/initialized, so this tools/list also shows that the
	// notification reached the server before the request behind it.
	h.Send(
		RequestLine("1", "initialize", initParams(fullCapabilities())),
		NotificationLine("notifications/initialized", nil),
		RequestLine("2", "tools/list", nil),
	)
	init := h.WaitResponse("1")
	if init.Error != nil {
		t.Fatalf("initialize: %s", init.Error)
	}
	var res InitializeResult
	if err := json.Unmarshal(init.Result, &res); err != nil || res.ProtocolVersion == "" {
		t.Fatalf("initialize result %s: %v", clip(init.Result), err)
	}
	if !strings.Contains(strings.ToLower(res.ServerInfo.Name), "everything") {
		t.Errorf("serverInfo.name %q: not server-everything", res.ServerInfo.Name)
	}
	names := toolNamesOf(t, h.WaitResponse("2"))
	return h, findTools(t, names, true)
}

// TestEverythingStreamableHTTP drives server-everything over Streamable
// HTTP: tools, resources, prompts, progress, sampling, elicitation, and the
// server's own roots/list request on the GET stream.
func TestEverythingStreamableHTTP(t *testing.T) {
	t.Parallel()
	base := startEverything(t, "streamableHttp")
	h, tools := everythingHost(t, base+"/mcp")
	exerciseEverything(t, h, tools)

	t.Run("roots", func(t *testing.T) {
		// The server asks for the roots on its own, 350 ms after
		// initialized, on the GET stream; its tool asks again if that
		// request found no stream yet. Either way the host answers.
		got := h.ToolText(tools.roots, map[string]any{})
		if !strings.Contains(got, "file:///e2e/workspace") {
			t.Errorf("%s: the host's root is missing: %q", tools.roots, got)
		}
		if n := len(h.Messages(func(m *Msg) bool { return m.IsRequest() && m.Method == "roots/list" })); n == 0 {
			t.Errorf("no roots/list request reached the host")
		}
	})
}

// TestEverythingSSE drives server-everything's HTTP+SSE endpoint, chosen
// with --transport sse-only and found by http-first's fallback.
func TestEverythingSSE(t *testing.T) {
	t.Parallel()
	base := startEverything(t, "sse")
	for _, c := range []struct {
		name string
		args []string
	}{
		{"sse-only", []string{"--transport", "sse-only"}},
		{"http-first-fallback", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			h, tools := everythingHost(t, base+"/sse", c.args...)
			exerciseEverything(t, h, tools)
		})
	}
}

// exerciseEverything runs what every transport must carry.
func exerciseEverything(t *testing.T, h *Host, tools everythingTools) {
	t.Helper()
	h.Result("ping", nil, nil)

	t.Run("echo and sum", func(t *testing.T) {
		msg := "hello ✓ \"everything\" <&>"
		if got := h.ToolText(tools.echo, map[string]any{"message": msg}); got != "Echo: "+msg {
			t.Errorf("%s: got %q", tools.echo, got)
		}
		if got := h.ToolText(tools.sum, map[string]any{"a": 19, "b": 23}); !strings.Contains(got, "42") {
			t.Errorf("%s 19+23: got %q", tools.sum, got)
		}
	})

	t.Run("resources", func(t *testing.T) {
		var list struct {
			Resources []struct {
				URI string `json:"uri"`
			} `json:"resources"`
		}
		h.Result("resources/list", nil, &list)
		if len(list.Resources) == 0 {
			t.Fatalf("resources/list is empty")
		}
		uri := list.Resources[0].URI
		got := resourceTexts(t, h.Call("resources/read", map[string]any{"uri": uri}))
		if got[uri] == "" {
			t.Errorf("resources/read %s: no content for that uri in %q", uri, got)
		}

		var templates struct {
			ResourceTemplates []struct {
				URITemplate string `json:"uriTemplate"`
				MIMEType    string `json:"mimeType"`
			} `json:"resourceTemplates"`
		}
		h.Result("resources/templates/list", nil, &templates)
		one := regexp.MustCompile(`^[^{}]*\{[A-Za-z_]+\}$`) // one variable, at the end
		for _, tpl := range templates.ResourceTemplates {
			if !one.MatchString(tpl.URITemplate) || !strings.HasPrefix(tpl.MIMEType, "text/") {
				continue
			}
			uri := tpl.URITemplate[:strings.Index(tpl.URITemplate, "{")] + "1"
			got := resourceTexts(t, h.Call("resources/read", map[string]any{"uri": uri}))
			if got[uri] == "" {
				t.Errorf("resources/read %s (from template %s): no text in %q", uri, tpl.URITemplate, got)
			}
			return
		}
		t.Logf("no text resource template with one variable in %+v", templates)
	})

	t.Run("prompts", func(t *testing.T) {
		var list struct {
			Prompts []struct {
				Name      string `json:"name"`
				Arguments []struct {
					Name     string `json:"name"`
					Required bool   `json:"required"`
				} `json:"arguments"`
			} `json:"prompts"`
		}
		h.Result("prompts/list", nil, &list)
		plain, withArgs := "", ""
		var required []string
		for _, p := range list.Prompts {
			var req []string
			for _, a := range p.Arguments {
				if a.Required {
					req = append(req, a.Name)
				}
			}
			switch {
			case len(p.Arguments) == 0 && plain == "":
				plain = p.Name
			case len(req) > 0 && withArgs == "" && !strings.Contains(p.Name, "resource"):
				withArgs, required = p.Name, req
			}
		}
		if plain == "" || withArgs == "" {
			t.Fatalf("prompts/list lacks a prompt without arguments or one with required arguments: %+v", list)
		}
		if got := promptText(t, h.Call("prompts/get", map[string]any{"name": plain})); got == "" {
			t.Errorf("prompts/get %s: empty text", plain)
		}
		args := map[string]string{}
		for _, a := range required {
			args[a] = "Paris"
		}
		if got := promptText(t, h.Call("prompts/get", map[string]any{"name": withArgs, "arguments": args})); !strings.Contains(got, "Paris") {
			t.Errorf("prompts/get %s with %v: got %q", withArgs, args, got)
		}
	})

	t.Run("progress", func(t *testing.T) {
		const steps = 4
		id := h.NewID()
		h.Send(RequestLine(id, "tools/call", callParams(tools.long, map[string]any{"duration": 0.4, "steps": steps}, "everything-progress")))
		ans := h.WaitResponse(id)
		if r := decodeTool(t, tools.long, ans); r.IsError {
			t.Fatalf("%s failed: %s", tools.long, r.text())
		}
		for i := 1; i <= steps; i++ {
			n := h.WaitNotification("notifications/progress", progressFor(`"everything-progress"`))
			p := decodeProgress(t, n)
			if p.Progress != float64(i) || p.Total != steps {
				t.Errorf("progress notification %d: got %+v", i, p)
			}
			if n.Index > ans.Index {
				t.Errorf("progress notification %d (stdout line %d) came after the answer (line %d)", i, n.Index, ans.Index)
			}
		}
	})

	t.Run("sampling", func(t *testing.T) {
		got := h.ToolText(tools.sampling, map[string]any{"prompt": "What is six times seven?", "maxTokens": 20})
		if !strings.Contains(got, "forty-two from the e2e host") {
			t.Errorf("%s: the host's sampling answer is missing: %q", tools.sampling, got)
		}
	})

	t.Run("elicitation", func(t *testing.T) {
		got := h.ToolText(tools.elicitation, map[string]any{})
		if !strings.Contains(got, "Ada Lovelace") {
			t.Errorf("%s: the host's elicitation answer is missing: %q", tools.elicitation, got)
		}
	})
}
