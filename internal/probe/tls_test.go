package probe

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

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
