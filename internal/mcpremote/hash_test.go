package mcpremote

import (
	"crypto/md5"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
)

// TestHash pins mcp-remote 0.15.1's getServerUrlHash: MD5 of the
// parts joined by "|", objects as JSON.stringify(obj, sortedKeys) writes them.
func TestHash(t *testing.T) {
	md := func(s string) string { sum := md5.Sum([]byte(s)); return hex.EncodeToString(sum[:]) }
	const u = "https://x.example/mcp"
	hf := filepath.Join(t.TempDir(), "h")
	_ = os.WriteFile(hf, []byte("# team\nX-Team: blue\n\nB-Second:  two\n"), 0o600)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{u}, md(u)},
		{[]string{u, "3334", "--allow-http", "--transport", "sse-only"}, md(u)},
		{[]string{u, "--header", "Z: ${TOKEN}", "--header", "A:b \"q\""}, md(u + `|{"A":"b \"q\"","Z":"${TOKEN}"}`)},
		{[]string{u, "--header-file", hf}, md(u + `|{"B-Second":"two","X-Team":"blue"}`)},
		{[]string{u, "--resource", " https://r.example ", "--authorize-param", "b=2", "--authorize-param", "a=1=x"},
			md(u + `|https://r.example|{"a":"1=x","b":"2"}`)},
		{[]string{u, "--resource", "https://r.example", "--disable-resource-parameter"}, md(u)},
		{[]string{u, "--client-metadata-url", "https://c.example/m.json"}, md(u + "|https://c.example/m.json")},
		{[]string{u, "--client-metadata-url", "https://c.example/"}, md(u)}, // invalid: ignored by mcp-remote
		{[]string{u, "--client-credentials", "--token-endpoint", "https://as.example"}, md(u + "|https://as.example/")},
		{[]string{u, "--token-endpoint", "https://as.example/t"}, md(u)}, // mcp-remote refuses this; it never stored anything
	} {
		if got := Hash(tc.args); got != tc.want {
			t.Errorf("Hash(%q) = %s, want %s", tc.args, got, tc.want)
		}
	}
}
