package probe

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mcpbridge/mcpbridge/bridge/era"
	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
)

// TestDiscoverSendsTheBridgesRequest: the step POSTs the bridge's own
// server/discover request for the probe's initialize (body and headers),
// and reads the answer as the bridge does: a result, an
// unsupported-version error, a modern error about the request, a page.
func TestDiscoverSendsTheBridgesRequest(t *testing.T) {
	for _, c := range []struct {
		name, answer string
		want         map[string]string
	}{
		{"result", `{"jsonrpc":"2.0","id":%s,"result":{"supportedVersions":["2026-07-28"],"capabilities":{"tools":{}},` +
			`"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"srv","version":"3"}}}}`,
			map[string]string{"supported_versions": "[2026-07-28]", "speaks_2026-07-28": "true", "server": "srv 3", "capabilities": "[tools]"}},
		{"unsupported", `{"jsonrpc":"2.0","id":%s,"error":{"code":-32022,"message":"no","data":{"supported":["2025-11-25"]}}}`,
			map[string]string{"supported_versions": "[2025-11-25]", "speaks_2026-07-28": "false"}},
		{"header mismatch", `{"jsonrpc":"2.0","id":%s,"error":{"code":-32020,"message":"header"}}`,
			map[string]string{"supported_versions": "[2026-07-28]", "speaks_2026-07-28": "true"}},
		{"page", ``, map[string]string{"speaks_2026-07-28": "false", "answer": "404 Not Found nope"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var body []byte
			var hdr http.Header
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ = io.ReadAll(r.Body)
				hdr = r.Header
				m, _ := jsonrpc.Parse(body)
				if c.answer == "" || m == nil {
					http.Error(w, "nope", http.StatusNotFound)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, c.answer, m.ID)
			}))
			defer ts.Close()
			p := testProber(t, ts.URL+"/mcp")
			p.discover(t.Context())
			st := only(t, p)
			want := era.DiscoverRequest(initialize("test"), "test")
			sent, err := jsonrpc.Parse(body)
			if err != nil || !bytes.Equal(jsonrpc.WithRequestID(sent, want.ID).Raw, want.Raw) {
				t.Errorf("sent %s (%v), want the bridge's %s", body, err, want.Raw)
			}
			for _, k := range []string{"Mcp-Method", "Mcp-Protocol-Version"} {
				if hdr.Get(k) != want.Header.Get(k) {
					t.Errorf("%s: %q, want %q", k, hdr.Get(k), want.Header.Get(k))
				}
			}
			for k, v := range c.want {
				if got := fmt.Sprint(st.Details.Get(k)); !strings.HasPrefix(got, v) {
					t.Errorf("%s = %q, want %q (details %v)", k, got, v, st.Details.vals)
				}
			}
		})
	}
}
