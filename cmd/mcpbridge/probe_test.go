package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpbridge/mcpbridge/internal/fakeas"
	"github.com/mcpbridge/mcpbridge/internal/logx"
	"github.com/mcpbridge/mcpbridge/internal/probe"
)

// The probe runs in this process, as `mcpbridge probe … --json`, against
// real servers on 127.0.0.1: the official Go SDK's Streamable HTTP and
// HTTP+SSE handlers, one behind the fake authorization server, a dead
// port, an HTML error page and a TLS server with an unknown CA.

// probeReportJSON is what --json prints.
type probeReportJSON struct {
	Mcpbridge string     `json:"mcpbridge"`
	OS        string     `json:"os"`
	Arch      string     `json:"arch"`
	URL       string     `json:"url"`
	OK        bool       `json:"ok"`
	Failed    []string   `json:"failed"`
	Steps     []stepJSON `json:"steps"`
}

type stepJSON struct {
	Name       string         `json:"name"`
	OK         bool           `json:"ok"`
	Required   bool           `json:"required"`
	DurationMS int64          `json:"duration_ms"`
	Details    map[string]any `json:"details"`
	Error      string         `json:"error"`
	Hint       string         `json:"hint"`
}

func (r probeReportJSON) names() []string {
	var out []string
	for _, s := range r.Steps {
		out = append(out, s.Name)
	}
	return out
}

func (r probeReportJSON) step(t *testing.T, name string) stepJSON {
	t.Helper()
	for _, s := range r.Steps {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no step %q among %v", name, r.names())
	return stepJSON{}
}

type probeRun struct {
	code   int
	report probeReportJSON
	stdout string
	stderr string
}

// runProbeCmd runs `mcpbridge probe --json ARGS` in this process, with its
// own config folder unless the caller set one.
func runProbeCmd(t *testing.T, args ...string) probeRun {
	t.Helper()
	if os.Getenv("MCPBRIDGE_CONFIG_DIR") == "" {
		t.Setenv("MCPBRIDGE_CONFIG_DIR", t.TempDir())
	}
	t.Setenv("NODE_EXTRA_CA_CERTS", "")
	var out, errOut bytes.Buffer
	code := run(context.Background(), append([]string{"probe", "--json", "--token-store", "file"}, args...),
		ioStreams{in: strings.NewReader(""), out: &out, err: &errOut})
	r := probeRun{code: code, stdout: out.String(), stderr: errOut.String()}
	if err := json.Unmarshal(out.Bytes(), &r.report); err != nil {
		t.Fatalf("stdout is not one JSON report (%v):\n%s\nstderr:\n%s", err, out.String(), errOut.String())
	}
	return r
}

// stderrShows checks that stderr has a line for each step, with its mark.
func (r probeRun) stderrShows(t *testing.T) {
	t.Helper()
	for _, s := range r.report.Steps {
		mark := map[bool]string{true: "✓", false: "✗"}[s.OK]
		if !s.OK && !s.Required {
			mark = "·"
		}
		if !strings.Contains(r.stderr, mark+" "+s.Name+" ") {
			t.Errorf("stderr has no line %q:\n%s", mark+" "+s.Name, r.stderr)
		}
	}
}

// noSecrets fails if any of the values shows on stdout or stderr.
func (r probeRun) noSecrets(t *testing.T, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(r.stdout, s) || strings.Contains(r.stderr, s) {
			t.Errorf("a secret (%d characters) appears in the output", len(s))
		}
	}
}

func detail(s stepJSON, key string) string { return fmt.Sprint(s.Details[key]) }

// sdkServer is a Go SDK server with five tools, a resource and a prompt,
// listing two items a page (so lists take several pages).
func sdkServer() *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "probe-go-sdk", Version: "2.0.0"}, &mcp.ServerOptions{PageSize: 2})
	for _, name := range []string{"alpha", "bravo", "charlie", "delta", "echo"} {
		mcp.AddTool(s, &mcp.Tool{Name: name, Description: "tool " + name},
			func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
				return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: name}}}, nil, nil
			})
	}
	s.AddResource(&mcp.Resource{URI: "test://readme", Name: "readme", MIMEType: "text/plain"},
		func(_ context.Context, r *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: r.Params.URI, Text: "hi"}}}, nil
		})
	s.AddPrompt(&mcp.Prompt{Name: "greet"}, func(context.Context, *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
		return &mcp.GetPromptResult{}, nil
	})
	return s
}

func serveAt(t *testing.T, path string, h http.Handler, start func(http.Handler) *httptest.Server) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle(path, h)
	ts := start(mux)
	t.Cleanup(func() { ts.CloseClientConnections(); ts.Close() })
	return ts
}

func streamableHandler(opts *mcp.StreamableHTTPOptions) http.Handler {
	srv := sdkServer()
	return mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv }, opts)
}

// TestProbeStreamableHTTP: every step passes against the Go SDK's
// Streamable HTTP server; the report has the versions, counts (over
// several pages) and the first tool names, and no header value shows.
func TestProbeStreamableHTTP(t *testing.T) {
	ts := serveAt(t, "/mcp", streamableHandler(nil), httptest.NewServer)
	t.Setenv("PROBE_TEST_KEY", "k3y-value-not-to-show")
	r := runProbeCmd(t, ts.URL+"/mcp", "--header", "X-Api-Key: ${PROBE_TEST_KEY}")
	if r.code != 0 || !r.report.OK || len(r.report.Failed) != 0 {
		t.Fatalf("exit %d, report ok %v, failed %v\n%s", r.code, r.report.OK, r.report.Failed, r.stderr)
	}
	want := []string{"settings", "dns", "tcp", "streamable-http", "authorization", "server/discover",
		"initialize", "tools/list", "resources/list", "prompts/list", "bridge-exit"}
	if got := r.report.names(); !slices.Equal(got, want) {
		t.Fatalf("steps %v, want %v", got, want)
	}
	if r.report.Mcpbridge == "" || r.report.OS == "" || r.report.Arch == "" {
		t.Errorf("version or platform missing: %+v", r.report)
	}
	if s := r.report.step(t, "settings"); detail(s, "headers") != "[X-Api-Key]" {
		t.Errorf("settings headers = %v", s.Details["headers"])
	}
	tr := r.report.step(t, "streamable-http")
	if detail(tr, "transport") != "streamable-http" || detail(tr, "session_id_given") != "true" ||
		!strings.HasPrefix(detail(tr, "session_closed"), "yes") || detail(tr, "protocol_version") != "2025-11-25" {
		t.Errorf("streamable-http details: %v", tr.Details)
	}
	if d := r.report.step(t, "server/discover"); !strings.Contains(detail(d, "supported_versions"), "2025-11-25") {
		t.Errorf("server/discover details: %v (%s)", d.Details, d.Error)
	}
	init := r.report.step(t, "initialize")
	if detail(init, "server") != "probe-go-sdk 2.0.0" || detail(init, "protocol_version") != "2025-11-25" {
		t.Errorf("initialize details: %v", init.Details)
	}
	tools := r.report.step(t, "tools/list")
	if detail(tools, "count") != "5" || detail(tools, "pages") != "3" || detail(tools, "first") != "[alpha bravo charlie delta echo]" {
		t.Errorf("tools/list details: %v", tools.Details)
	}
	for _, m := range []string{"resources/list", "prompts/list"} {
		if s := r.report.step(t, m); detail(s, "count") != "1" {
			t.Errorf("%s details: %v", m, s.Details)
		}
	}
	r.stderrShows(t)
	r.noSecrets(t, "k3y-value-not-to-show")
}

// TestProbeLegacySSE: a POST to an HTTP+SSE server is refused, so the
// probe falls back to the GET stream as the spec says, and the bridge
// then works over that transport.
func TestProbeLegacySSE(t *testing.T) {
	srv := sdkServer()
	ts := serveAt(t, "/sse", mcp.NewSSEHandler(func(*http.Request) *mcp.Server { return srv }, nil), httptest.NewServer)
	r := runProbeCmd(t, ts.URL+"/sse")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	post := r.report.step(t, "streamable-http")
	if post.OK || post.Required {
		t.Errorf("the refused POST should be a step not needed: %+v", post)
	}
	legacy := r.report.step(t, "legacy-sse")
	if !legacy.OK || detail(legacy, "transport") != "legacy-sse" || !strings.Contains(detail(legacy, "endpoint"), ts.URL) {
		t.Errorf("legacy-sse: %+v", legacy)
	}
	if slices.Contains(r.report.names(), "server/discover") {
		t.Error("server/discover was sent to a legacy server")
	}
	if s := r.report.step(t, "tools/list"); detail(s, "count") != "5" {
		t.Errorf("tools/list over HTTP+SSE: %v", s.Details)
	}
	r.stderrShows(t)
}

// TestProbeSignsIn: behind an authorization server, the probe reads the
// challenge and both metadata documents, signs in with the bridge's flow
// (through $BROWSER), then runs the session signed in; a second probe
// reuses the stored token; with --no-login and nothing stored it fails
// with a hint. No token shows anywhere.
func TestProbeSignsIn(t *testing.T) {
	as := fakeas.New(fakeas.Options{})
	t.Cleanup(as.Close)
	mux := http.NewServeMux()
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	resource := ts.URL + "/mcp"
	prm := fakeas.ResourceMetadataURL(resource)
	mux.Handle("/mcp", as.ProtectResource(streamableHandler(nil), resource, prm, "mcp:read"))
	u, _ := url.Parse(prm)
	mux.Handle(u.Path, as.ProtectedResourceMetadata(resource, []string{"mcp:read"}))

	dir := t.TempDir()
	t.Setenv("MCPBRIDGE_CONFIG_DIR", dir)
	t.Setenv("MCPBRIDGE_TEST_BROWSER", "1")
	t.Setenv("BROWSER", os.Args[0]+" -test.run=^TestHelperBrowser$ %s")

	r := runProbeCmd(t, resource, "--auth-timeout", "20")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	ch := r.report.step(t, "www-authenticate")
	if detail(ch, "resource_metadata") != prm || detail(ch, "scope") != "[mcp:read]" {
		t.Errorf("www-authenticate: %v", ch.Details)
	}
	if s := r.report.step(t, "resource-metadata"); detail(s, "found") != "true" || detail(s, "resource") != resource {
		t.Errorf("resource-metadata: %v %s", s.Details, s.Error)
	}
	asStep := r.report.step(t, "authorization-server")
	if detail(asStep, "issuer") != as.URL() || detail(asStep, "pkce_s256") != "true" || detail(asStep, "client") != "dynamic client registration" {
		t.Errorf("authorization-server: %v %s", asStep.Details, asStep.Error)
	}
	if s := r.report.step(t, "credentials"); detail(s, "token_for_these_settings") != "false" {
		t.Errorf("credentials before the sign-in: %v", s.Details)
	}
	if s := r.report.step(t, "sign-in"); !s.OK || detail(s, "signed_in") != "true" || s.Details["token_expires"] == nil || detail(s, "refresh_token") != "true" {
		t.Errorf("sign-in: %+v", s)
	}
	if s := r.report.step(t, "streamable-http (signed in)"); !s.OK || detail(s, "status") != "200 OK" {
		t.Errorf("streamable-http (signed in): %+v", s)
	}
	if s := r.report.step(t, "tools/list"); detail(s, "count") != "5" {
		t.Errorf("tools/list: %v", s.Details)
	}
	r.stderrShows(t)
	secrets := storedSecrets(t, dir)
	if len(secrets) == 0 {
		t.Fatal("found no stored token to check for")
	}
	r.noSecrets(t, secrets...)

	again := runProbeCmd(t, resource)
	if again.code != 0 || slices.Contains(again.report.names(), "sign-in") {
		t.Fatalf("second probe: exit %d, steps %v\n%s", again.code, again.report.names(), again.stderr)
	}
	if s := again.report.step(t, "credentials"); detail(s, "token_for_these_settings") != "true" || detail(s, "signed_in") != "true" {
		t.Errorf("credentials when signed in: %v", s.Details)
	}
	if st := as.Stats(); st.AuthorizeRequests != 1 {
		t.Errorf("authorization requests %d, want 1", st.AuthorizeRequests)
	}
	again.noSecrets(t, secrets...)

	t.Setenv("MCPBRIDGE_CONFIG_DIR", t.TempDir())
	none := runProbeCmd(t, resource, "--no-login")
	cred := none.report.step(t, "credentials")
	if none.code != 1 || cred.OK || !strings.Contains(cred.Hint, "mcpbridge login") || slices.Contains(none.report.names(), "initialize") {
		t.Errorf("--no-login without a token: exit %d, %+v, steps %v", none.code, cred, none.report.names())
	}
}

// TestProbeAuthServerMetadataURL: a server with no protected resource
// metadata, and --auth-server-metadata-url: the probe reads the
// authorization server's metadata where the flag says, as the sign-in
// does, and signs in there.
func TestProbeAuthServerMetadataURL(t *testing.T) {
	as := fakeas.New(fakeas.Options{})
	t.Cleanup(as.Close)
	mux := http.NewServeMux()
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	resource := ts.URL + "/mcp"
	mux.Handle("/mcp", as.ProtectResource(streamableHandler(nil), resource, ""))
	t.Setenv("MCPBRIDGE_CONFIG_DIR", t.TempDir())
	t.Setenv("MCPBRIDGE_TEST_BROWSER", "1")
	t.Setenv("BROWSER", os.Args[0]+" -test.run=^TestHelperBrowser$ %s")

	r := runProbeCmd(t, resource, "--auth-timeout", "20", "--auth-server-metadata-url", as.MetadataURL())
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	asStep := r.report.step(t, "authorization-server")
	if detail(asStep, "from") != "--auth-server-metadata-url" || detail(asStep, "issuer") != as.URL() || detail(asStep, "pkce_s256") != "true" {
		t.Errorf("authorization-server: %v %s", asStep.Details, asStep.Error)
	}
	if s := r.report.step(t, "sign-in"); !s.OK || detail(s, "signed_in") != "true" {
		t.Errorf("sign-in: %+v", s)
	}
	if st := as.Stats(); st.AuthorizeRequests != 1 {
		t.Errorf("authorization requests %d, want 1", st.AuthorizeRequests)
	}
}

// TestProbeDeadPort: nothing listens; the TCP step fails at once with a
// hint, and the probe stops there.
func TestProbeDeadPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	start := time.Now()
	r := runProbeCmd(t, "http://"+addr+"/mcp")
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("took %v, want a fast failure", took)
	}
	tcp := r.report.step(t, "tcp")
	if r.code != 1 || r.report.OK || tcp.OK || !strings.Contains(tcp.Hint, "nothing listens") || !slices.Equal(r.report.Failed, []string{"tcp"}) {
		t.Errorf("exit %d, failed %v, tcp %+v", r.code, r.report.Failed, tcp)
	}
	if got := r.report.names(); got[len(got)-1] != "tcp" {
		t.Errorf("steps after the failure: %v", got)
	}
	r.stderrShows(t)
}

// TestProbeHTMLErrorPage: a 500 with an HTML page fails the transport
// step with the status, the page's start and a hint.
func TestProbeHTMLErrorPage(t *testing.T) {
	ts := serveAt(t, "/mcp", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, "<html><head><title>Oops</title></head><body>Internal error</body></html>")
	}), httptest.NewServer)
	r := runProbeCmd(t, ts.URL+"/mcp")
	s := r.report.step(t, "streamable-http")
	if r.code != 1 || s.OK || !strings.Contains(s.Error, "500") || !strings.Contains(s.Error, "<title>Oops") ||
		!strings.Contains(s.Hint, "logs") || detail(s, "content_type") != "text/html; charset=utf-8" {
		t.Errorf("exit %d, %+v", r.code, s)
	}
	r.stderrShows(t)
}

// TestProbeTLS: a server whose CA this machine does not trust fails the
// TLS step with the certificate's names and the --ca-file hint; with
// --ca-file naming that CA every step passes.
func TestProbeTLS(t *testing.T) {
	ts := serveAt(t, "/mcp", streamableHandler(nil), func(h http.Handler) *httptest.Server {
		ts := httptest.NewUnstartedServer(h)
		ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
		ts.StartTLS()
		return ts
	})
	r := runProbeCmd(t, ts.URL+"/mcp")
	tlsStep := r.report.step(t, "tls")
	if r.code != 1 || tlsStep.OK || !strings.Contains(tlsStep.Hint, "--ca-file") || !strings.Contains(tlsStep.Hint, "NODE_EXTRA_CA_CERTS") ||
		!strings.Contains(detail(tlsStep, "certificate_issuer"), "Acme") {
		t.Errorf("unknown CA: exit %d, %+v", r.code, tlsStep)
	}
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	ok := runProbeCmd(t, ts.URL+"/mcp", "--ca-file", ca)
	if ok.code != 0 {
		t.Fatalf("with --ca-file: exit %d\n%s", ok.code, ok.stderr)
	}
	if s := ok.report.step(t, "tls"); !strings.HasPrefix(detail(s, "version"), "TLS 1.") || s.Details["certificate_expires"] == nil {
		t.Errorf("tls details: %v", s.Details)
	}
	ok.stderrShows(t)
}

// TestProbeThroughProxy: with --enable-proxy the binary reaches the
// server only through the HTTPS_PROXY's CONNECT tunnels: the reachability
// steps name the proxy, TLS runs through the tunnel, and so do the
// transport and the bridge.
func TestProbeThroughProxy(t *testing.T) {
	// The SDK refuses a Host that is not loopback unless told otherwise.
	ts := serveAt(t, "/mcp", streamableHandler(&mcp.StreamableHTTPOptions{DisableLocalhostProtection: true}), httptest.NewTLSServer)
	proxy, tunnels := connectProxy(t, ts.Listener.Addr().String())
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	// example.com is in the test certificate; only the proxy knows where it is.
	c := startChild(t, []string{"MCPBRIDGE_CONFIG_DIR=" + t.TempDir(), "HTTPS_PROXY=" + proxy, "https_proxy=", "NO_PROXY=", "no_proxy="},
		"probe", "https://example.com/mcp", "--enable-proxy", "--ca-file", ca, "--json", "--token-store", "file")
	c.stdin.Close()
	outCh := make(chan []byte, 1)
	go func() { b, _ := io.ReadAll(c.stdout); outCh <- b }()
	out := <-outCh
	if code := c.wait(t, 20*time.Second); code != 0 {
		t.Fatalf("exit %d\n%s", code, c.stderrText())
	}
	var rep probeReportJSON
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("stdout: %v\n%s", err, out)
	}
	if s := rep.step(t, "settings"); detail(s, "proxy") != "on: "+proxy {
		t.Errorf("settings proxy = %v", s.Details["proxy"])
	}
	if s := rep.step(t, "dns"); detail(s, "via_proxy") != proxy {
		t.Errorf("dns: %v", s.Details)
	}
	if s := rep.step(t, "tls"); !strings.Contains(detail(s, "tunnel"), proxy) || !strings.HasPrefix(detail(s, "version"), "TLS") {
		t.Errorf("tls: %v %s", s.Details, s.Error)
	}
	if n := tunnels.Load(); n < 3 { // the TLS step, the transport step, the bridge
		t.Errorf("%d tunnels through the proxy, want at least 3", n)
	}
}

// connectProxy is an HTTP proxy that answers every CONNECT with a tunnel
// to target, counting them.
func connectProxy(t *testing.T, target string) (string, *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var tunnels atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go tunnelTo(c, target, &tunnels)
		}
	}()
	return "http://" + ln.Addr().String(), &tunnels
}

func tunnelTo(c net.Conn, target string, tunnels *atomic.Int32) {
	defer c.Close()
	br := bufio.NewReader(c)
	req, err := http.ReadRequest(br)
	if err != nil || req.Method != http.MethodConnect {
		_, _ = io.WriteString(c, "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
		return
	}
	up, err := net.Dial("tcp", target)
	if err != nil {
		_, _ = io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
		return
	}
	defer up.Close()
	tunnels.Add(1)
	_, _ = io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n")
	go func() { _, _ = io.Copy(up, br); up.Close() }()
	_, _ = io.Copy(c, up)
}

// TestProbeSlowServer: a server that never answers costs the probe its
// --timeout, not more, and the step says which flag gives it more time.
func TestProbeSlowServer(t *testing.T) {
	release := make(chan struct{})
	ts := serveAt(t, "/mcp", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}), httptest.NewServer)
	defer close(release)
	start := time.Now()
	r := runProbeCmd(t, ts.URL+"/mcp", "--timeout", "1")
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("took %v with --timeout 1", took)
	}
	s := r.report.step(t, "streamable-http")
	if r.code != 1 || s.OK || !strings.Contains(s.Hint, "--timeout") || !strings.Contains(s.Hint, "--headers-timeout") {
		t.Errorf("exit %d, %+v", r.code, s)
	}
}

// TestProbeProgress: a step that takes long prints "still waiting" lines
// while it runs, then its line when it passes. The server's first answer
// waits until three such lines were written (the ticker: every 20 ms).
func TestProbeProgress(t *testing.T) {
	var slowed atomic.Bool
	wrote := make(chan struct{}, 100)
	mcp := streamableHandler(nil)
	ts := serveAt(t, "/mcp", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !slowed.Swap(true) {
			for range 3 {
				select {
				case <-wrote:
				case <-time.After(5 * time.Second):
					t.Error("no progress line within 5 s")
				}
			}
		}
		mcp.ServeHTTP(w, r)
	}), httptest.NewServer)
	t.Setenv("MCPBRIDGE_CONFIG_DIR", t.TempDir())
	var o *probeOptions
	cmd := newProbeCmd(ioStreams{in: strings.NewReader(""), out: io.Discard, err: io.Discard}, func(_ context.Context, got *probeOptions) error {
		o = got
		return nil
	})
	cmd.SetArgs([]string{ts.URL + "/mcp", "--token-store", "file"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	buf := &lockedBuffer{}
	w := logx.Serialized(io.MultiWriter(buf, writeSignal(wrote)))
	rep := probe.Run(t.Context(), o.config(slog.New(slog.DiscardHandler), w, 20*time.Millisecond))
	out := buf.String()
	if !rep.OK || strings.Count(out, "streamable-http: still waiting for the server's answer") < 3 || !strings.Contains(out, "✓ streamable-http") {
		t.Errorf("output:\n%s", out)
	}
}

// writeSignal is a writer that sends on c at each progress line.
type writeSignal chan struct{}

func (c writeSignal) Write(p []byte) (int, error) {
	if !bytes.Contains(p, []byte("still waiting")) {
		return len(p), nil
	}
	select {
	case c <- struct{}{}:
	default:
	}
	return len(p), nil
}
