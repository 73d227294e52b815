package probe

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mcpbridge/mcpbridge/bridge"
)

// testProber is a prober past the settings step, for the server at raw.
func testProber(t *testing.T, raw string) *prober {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return &prober{cfg: Config{Version: "test", Flags: Flags{HeadersTimeout: 5 * time.Second}}, run: &runner{},
		budget: newBudget(time.Minute), bridge: bridge.Config{URL: u, HTTPClient: &http.Client{}}, init: initialize("test")}
}

// only returns the one step the prober ran.
func only(t *testing.T, p *prober) *Step {
	t.Helper()
	if len(p.run.steps) != 1 {
		t.Fatalf("%d steps", len(p.run.steps))
	}
	return p.run.steps[0]
}

// TestAnswerFromStream: the answer to the request is found after the
// server's notifications, requests, unnamed-type events and answers to
// other ids; a stream that ends first, or runs past the probe's budget,
// is an error.
func TestAnswerFromStream(t *testing.T) {
	stream := ": keep-alive\n\n" +
		"data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}\n\n" +
		"data: {\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ping\"}\n\n" +
		"event: other\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"wrong\":true}}\n\n" +
		"data: {\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{}}\n\n" +
		"data: {\"jsonrpc\":\"2.0\",\n" + "data:  \"id\":1,\"result\":{\"ok\":true}}\n\n"
	m, err := answerFromStream(strings.NewReader(stream), []byte("1"))
	if err != nil || string(m.Result) != `{"ok":true}` {
		t.Fatalf("answer %v, %v", m, err)
	}
	if _, err := answerFromStream(strings.NewReader("data: {}\n\n"), []byte("1")); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("a stream that ends: %v", err)
	}
	huge := strings.NewReader("data: " + strings.Repeat("x", maxAnswer) + "\n\n")
	if _, err := answerFromStream(huge, []byte("1")); err == nil {
		t.Error("a stream past the budget was read")
	}
}

// TestTunnel: an http:// proxy's answers to CONNECT: 200 is a tunnel, 407
// and a refusal are errors with the hint that says what to do.
func TestTunnel(t *testing.T) {
	for answer, want := range map[string]string{
		"HTTP/1.1 200 Connection established\r\n\r\n":                             "",
		"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n": "HTTPS_PROXY=http://user:password@",
		"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n":                     "NO_PROXY",
	} {
		client, server := net.Pipe()
		go func() {
			defer server.Close()
			req, err := http.ReadRequest(bufio.NewReader(server))
			if err != nil || req.Method != http.MethodConnect || req.Host != "example.com:443" || req.Header.Get("Proxy-Authorization") == "" {
				fmt.Fprint(server, "HTTP/1.1 400 Bad Request\r\n\r\n")
				return
			}
			fmt.Fprint(server, answer)
		}()
		proxy, _ := url.Parse("http://user:pw@proxy.example:3128")
		ctx, cancel := newBudget(time.Minute).within(t.Context(), 5*time.Second)
		err := tunnel(ctx, client, proxy, "example.com:443")
		cancel()
		client.Close()
		var h *hinted
		switch {
		case want == "" && err != nil:
			t.Errorf("%q: %v", answer, err)
		case want != "" && (!errors.As(err, &h) || !strings.Contains(h.hint, want)):
			t.Errorf("%q: %v, want a hint with %q", answer, err, want)
		}
	}
}

// TestTunnelAnswerIsBounded: a proxy that sends endless headers costs the
// probe its budget of them, not its memory.
func TestTunnelAnswerIsBounded(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	go func() {
		defer server.Close()
		_, _ = http.ReadRequest(bufio.NewReader(server))
		fmt.Fprint(server, "HTTP/1.1 200 OK\r\n")
		for i := 0; i < 2*maxProxyAnswer/16; i++ {
			if _, err := fmt.Fprint(server, "X-Filler: abcdef\r\n"); err != nil {
				return
			}
		}
	}()
	proxy, _ := url.Parse("http://proxy.example:3128")
	ctx, cancel := newBudget(time.Minute).within(t.Context(), 5*time.Second)
	defer cancel()
	if err := tunnel(ctx, client, proxy, "example.com:443"); err == nil {
		t.Error("endless headers made a tunnel")
	}
}
