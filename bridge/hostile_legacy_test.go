package bridge

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/httpclient"
)

// Attack 4: the HTTP+SSE endpoint event names a URL from the network. Once
// resolved against the stream URL it must pass netrule and stay on the
// stream's origin; the initialize then fails, naming why, and no POST
// leaves for it.
func TestHostileLegacyEndpoint(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, want string
		endpoint   func(host string) string
	}{
		{"user info", "user info", func(host string) string { return "http://evil:secret@" + host + "/messages" }},
		{"fragment", "fragment", func(string) string { return "/messages#x" }},
		{"another origin", "another origin", func(string) string { return "http://127.0.0.2:9/messages" }},
		{"scheme-relative another origin", "another origin", func(string) string { return "//127.0.0.2:9/messages" }},
		{"space", "space or control", func(string) string { return "/mess ages" }},
		{"control character", "space or control", func(string) string { return "/messages\x01" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			inBubble(t, func(t *testing.T) {
				var srv *faultServer
				srv = newFaultServer(t, func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
					if r.Method != http.MethodGet {
						http.Error(w, "no", http.StatusTeapot)
						return
					}
					writeSSE(w, "event: endpoint\ndata: "+tc.endpoint(r.Host))
					srv.blockUntilGone(r)
				})
				h := startHost(t, srv.URL, withTransport(SSEOnly))
				h.send(initializeLine)
				e := h.failure("1", "refusing the endpoint", tc.want)
				t.Logf("the client was told: %s", e.Message)
				for _, r := range srv.requests() {
					if r.Method == http.MethodPost {
						t.Errorf("a POST left for a refused endpoint: %s %s", r.Method, r.Path)
					}
				}
			})
		})
	}
}

// An endpoint event trickled forever is cut within --body-timeout of its
// first byte (the stream itself may stay silent between events).
func TestHostileLegacyTrickledEndpoint(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		var srv *faultServer
		srv = newFaultServer(t, func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			w.Header().Set("Content-Type", "text/event-stream")
			w.WriteHeader(http.StatusOK)
			for _, c := range []byte("event: endpoint\ndata: /messages" + strings.Repeat("x", 1000)) {
				if _, err := w.Write([]byte{c}); err != nil {
					return
				}
				flush(w)
				select {
				case <-time.After(20 * time.Millisecond):
				case <-r.Context().Done():
					return
				case <-srv.quit:
					return
				}
			}
		})
		h := startHost(t, srv.URL, withTransport(SSEOnly), withBodyTimeout(300*time.Millisecond))
		start := time.Now()
		h.send(initializeLine)
		h.failure("1", "did not complete an SSE event")
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("the trickled endpoint held initialize %v", d)
		}
	})
}

// A legacy request whose answer never comes, on a stream that stays open,
// ends after AnswerTimeout; the bridge keeps serving.
func TestHostileLegacyAnswerNeverComes(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		l := newLegacyServer(t)
		h := startHost(t, l.s.URL, withTransport(SSEOnly), func(c *Config, _ *httpclient.Options) { c.AnswerTimeout = 300 * time.Millisecond })
		h.send(initializeLine)
		h.result("1")
		l.setAnswer(func(req *seenRequest) (string, bool) {
			return echoResult(req), req.Msg.Method != "tools/call" || string(req.Msg.ID) != "2"
		})
		h.send(toolsCall(2, "never"))
		h.failure("2", "carried no message for 300ms")
		h.send(toolsCall(3, "fine"))
		h.result("3")
	})
}

// Attack 5: a redirect target is a URL from the network: same origin, and
// netrule for the rest.
func TestHostileRedirectTargets(t *testing.T) {
	t.Parallel()
	cases := []struct {
		origin, target string
		want           string // "" for allowed
	}{
		{"https://a.example/mcp", "https://a.example/v2/mcp", ""},
		{"https://a.example/mcp", "http://a.example/mcp", "another origin"},
		{"https://a.example/mcp", "https://b.example/mcp", "another origin"},
		{"https://a.example/mcp", "https://user:pw@a.example/mcp", "user info"},
		{"http://127.0.0.1:8080/mcp", "http://127.0.0.1:8080/other", ""},
		{"http://10.0.0.5:8080/mcp", "http://10.0.0.5:8080/other", ""}, // the user's own --allow-http
		{"http://10.0.0.5:8080/mcp", "http://u@10.0.0.5:8080/other", "user info"},
	}
	for _, c := range cases {
		o, _ := url.Parse(c.origin)
		u, _ := url.Parse(c.target)
		err := httpclient.SameOriginRedirects(&http.Request{URL: u}, []*http.Request{{URL: o}})
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s → %s: refused: %v", c.origin, c.target, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s → %s: err = %v, want one naming %q", c.origin, c.target, err, c.want)
		}
	}
}

// End to end: a server redirects the POST to a URL with user info on its
// own host; the request fails naming it and nothing follows the redirect.
func TestHostileRedirectWithUserInfo(t *testing.T) {
	t.Parallel()
	inBubble(t, func(t *testing.T) {
		srv := newFaultServer(t, func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
			if r.URL.Path == "/mcp" {
				http.Redirect(w, r, "http://steal:me@"+r.Host+"/elsewhere", http.StatusTemporaryRedirect)
				return
			}
			_, _ = io.WriteString(w, "followed")
		})
		h := startHost(t, srv.URL, withTransport(HTTPOnly))
		h.send(initializeLine)
		h.failure("1", "refusing a redirect", "user info")
		for _, r := range srv.requests() {
			if r.Path != "/mcp" {
				t.Errorf("the bridge followed the redirect to %s", r.Path)
			}
		}
	})
}
