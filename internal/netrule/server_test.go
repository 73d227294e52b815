package netrule

import (
	"strings"
	"testing"
)

func TestServerURL(t *testing.T) {
	tests := []struct {
		name      string
		raw       string
		allowHTTP bool
		wantErr   string // "" when the URL is accepted
	}{
		{"https", "https://example.com/mcp", false, ""},
		{"https with port and query", "https://example.com:8443/mcp?x=1", false, ""},
		{"https IP", "https://203.0.113.7/mcp", false, ""},
		{"http to 127.0.0.1", "http://127.0.0.1:8080/mcp", false, ""},
		{"http to another loopback address", "http://127.0.0.2/mcp", false, ""},
		{"http to localhost", "http://localhost:3000/mcp", false, ""},
		{"http to LOCALHOST", "http://LOCALHOST/mcp", false, ""},
		{"http to [::1]", "http://[::1]:3000/mcp", false, ""},
		{"http to example.com refused", "http://example.com/mcp", false, "--allow-http"},
		{"http to a private address refused", "http://10.0.0.5:8080/mcp", false, "--allow-http"},
		{"http to a name starting with localhost refused", "http://localhost.example.com/mcp", false, "--allow-http"},
		{"http to a name ending in localhost-ish refused", "http://mylocalhost/mcp", false, "--allow-http"},
		{"http to a nip.io loopback name refused", "http://127.0.0.1.nip.io/mcp", false, "--allow-http"},
		{"http with --allow-http", "http://example.com/mcp", true, ""},
		{"http to a private address with --allow-http", "http://10.0.0.5:8080/mcp", true, ""},
		{"ftp refused", "ftp://example.com/mcp", false, "http"},
		{"ws refused", "ws://example.com/mcp", false, "http"},
		{"wss refused", "wss://example.com/mcp", false, "http"},
		{"file refused", "file:///etc/passwd", false, "server URL"},
		{"ftp refused even with --allow-http", "ftp://example.com/mcp", true, "http"},
		{"no scheme", "example.com/mcp", false, "server URL"},
		{"host and port, no scheme", "localhost:3000", false, "server URL"},
		{"empty", "", false, "server URL"},
		{"scheme only", "https://", false, "server URL"},
		{"not a URL", "https://exa mple.com/", false, "server URL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, err := ServerURL(tc.raw, tc.allowHTTP)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("ServerURL(%q) = %v", tc.raw, err)
				}
				if u.String() != tc.raw {
					t.Errorf("URL = %q, want %q", u, tc.raw)
				}
				return
			}
			if err == nil {
				t.Fatalf("ServerURL(%q) accepted it", tc.raw)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q does not mention %q", err, tc.wantErr)
			}
		})
	}
}

// TestServerURLPlainHTTPRefusalIsASentence: the refusal explains itself and
// the way out.
func TestServerURLPlainHTTPRefusalIsASentence(t *testing.T) {
	_, err := ServerURL("http://example.com/mcp", false)
	if err == nil {
		t.Fatal("accepted")
	}
	msg := err.Error()
	for _, want := range []string{"example.com", "https://", "--allow-http"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q does not mention %q", msg, want)
		}
	}
	if !strings.HasSuffix(msg, "trusted") && !strings.HasSuffix(msg, ".") {
		t.Errorf("%q does not read as a sentence", msg)
	}
}
