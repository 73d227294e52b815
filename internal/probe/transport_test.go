package probe

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestEndpointEventIsHeldToTheBridgesRule: the HTTP+SSE endpoint is
// resolved against the stream's URL and must stay on its origin, as the
// bridge's transport requires before it posts there; it shows redacted.
func TestEndpointEventIsHeldToTheBridgesRule(t *testing.T) {
	for endpoint, ok := range map[string]bool{"/messages?session=1": true, "http://evil.example/messages": false} {
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprintf(w, "event: endpoint\ndata: %s\n\n", endpoint)
		}))
		p := testProber(t, ts.URL+"/sse")
		out := p.tryGET(t.Context(), false)
		ts.Close()
		st := only(t, p)
		switch {
		case ok && (out != answered || st.Details.Get("endpoint") != ts.URL+"/messages?session=REDACTED"):
			t.Errorf("%s: outcome %v, %+v %v", endpoint, out, st, st.Details.vals)
		case !ok && (out != failed || !strings.Contains(st.Error, "another origin")):
			t.Errorf("%s: outcome %v, error %q", endpoint, out, st.Error)
		}
	}
}

// TestPOSTFallsBackAsTheTransportDoes: a 404 without a JSON-RPC error
// makes the Streamable HTTP step one not needed, so HTTP+SSE comes next;
// a 404 carrying a JSON-RPC error is the server's answer.
func TestPOSTFallsBackAsTheTransportDoes(t *testing.T) {
	for body, want := range map[string]outcome{
		"not here": refused,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"bad"}}`: failed,
	} {
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, body)
		}))
		p := testProber(t, ts.URL+"/mcp")
		out := p.tryPOST(t.Context(), true)
		ts.Close()
		if st := only(t, p); out != want || st.Required != (want != refused) {
			t.Errorf("%s: outcome %v, step %+v", body, out, st)
		}
	}
}

// TestLargeRefusalStillLeadsToSignIn: a 401 whose page is too large to
// quote is still a request for credentials.
func TestLargeRefusalStillLeadsToSignIn(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer resource_metadata="https://example.com/prm"`)
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(strings.Repeat("x", 2*maxAnswer)))
	}))
	defer ts.Close()
	p := testProber(t, ts.URL+"/mcp")
	if out := p.tryPOST(t.Context(), true); out != needsAuth || !p.wantsAuth || len(p.challenges) != 1 {
		t.Errorf("outcome %v, wants auth %v, challenges %v, step %+v", out, p.wantsAuth, p.challenges, only(t, p))
	}
}
