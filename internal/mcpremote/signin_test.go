package mcpremote

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mcpbridge/mcpbridge/oauthflow"
)

// TestParseSignIn: mcp-remote's two files as oauthflow adopts them; the
// scope asked again is the one mcp-remote asked for, else the one granted.
func TestParseSignIn(t *testing.T) {
	const client = `{"client_id":"c1","client_secret":"s","redirect_uris":["http://localhost:3334/oauth/callback"]}`
	got, err := parseSignIn([]byte(`{"access_token":"at","token_type":"Bearer","refresh_token":"rt","id_token":"it",
		"expires_in":3600,"expires_at":1700000000123,"scope":"mcp:read","requested_scope":"mcp:read offline_access","issuer":"https://as.example"}`), []byte(client))
	if err != nil {
		t.Fatal(err)
	}
	want := oauthflow.Adopted{AccessToken: "at", TokenType: "Bearer", RefreshToken: "rt", IDToken: "it",
		ExpiresAt: time.UnixMilli(1700000000123), GrantedScope: "mcp:read", Scopes: []string{"mcp:read", "offline_access"},
		Issuer: "https://as.example", ClientID: "c1", ClientSecret: "s", RedirectURIs: []string{"http://localhost:3334/oauth/callback"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	got, err = parseSignIn([]byte(`{"access_token":"at","scope":"a b"}`), []byte(client))
	if err != nil || !reflect.DeepEqual(got.Scopes, []string{"a", "b"}) || !got.ExpiresAt.IsZero() || got.Issuer != "" {
		t.Errorf("without requested_scope, expires_at, issuer: %+v, %v", got, err)
	}
}

func TestParseSignInRefusals(t *testing.T) {
	for _, tc := range []struct{ tokens, client, want string }{
		{`{"token_type":"Bearer"}`, `{"client_id":"c"}`, "no access token"},
		{`not json`, `{"client_id":"c"}`, "tokens file"},
		{`{"access_token":"at"}`, `{"client_secret":"s"}`, "no client_id"},
		{`{"access_token":"at"}`, `[1]`, "client file"},
	} {
		if _, err := parseSignIn([]byte(tc.tokens), []byte(tc.client)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parseSignIn(%s, %s) = %v, want %q", tc.tokens, tc.client, err, tc.want)
		}
	}
}

// TestReadSignInFiles: the files are found under the hash, a missing one
// is named, and one over the budget is not read.
func TestReadSignInFiles(t *testing.T) {
	f := Files{Dir: t.TempDir(), Hash: Hash([]string{"https://x.example/mcp?key=secret"})}
	if _, err := ReadSignIn("https://x.example/mcp?key=secret", f); err == nil || !strings.Contains(err.Error(), "no tokens of mcp-remote") || strings.Contains(err.Error(), "secret") {
		t.Errorf("no files: %v", err)
	}
	_ = os.WriteFile(f.Tokens(), []byte(`{"access_token":"at"}`), 0o600)
	if !f.Stored() {
		t.Error("Stored is false with a tokens file")
	}
	if _, err := ReadSignIn("https://x.example/mcp", f); err == nil || !strings.Contains(err.Error(), "not its client registration") {
		t.Errorf("no client file: %v", err)
	}
	_ = os.WriteFile(f.ClientInfo(), []byte(`{"client_id":"c"}`), 0o600)
	if a, err := ReadSignIn("https://x.example/mcp", f); err != nil || a.AccessToken != "at" || a.ClientID != "c" {
		t.Errorf("ReadSignIn = %+v, %v", a, err)
	}
	big := append([]byte(`{"client_id":"c","x":"`), make([]byte, maxSignInFile)...)
	_ = os.WriteFile(f.ClientInfo(), big, 0o600)
	if _, err := ReadSignIn("https://x.example/mcp", f); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("a client file over the budget: %v", err)
	}
}

// TestServerFiles: import-mcp-remote's files are under
// $MCP_REMOTE_CONFIG_DIR (else ~/.mcp-auth)/mcp-remote-v1, named by the
// MD5 of the URL unless a hash is given.
func TestServerFiles(t *testing.T) {
	t.Setenv(EnvConfigDir, "/mr")
	if f := ServerFiles("https://x.example/mcp", ""); f.Dir != filepath.Join("/mr", "mcp-remote-v1") || f.Hash != Hash([]string{"https://x.example/mcp"}) {
		t.Errorf("ServerFiles = %+v", f)
	}
	if f := ServerFiles("https://x.example/mcp", "abc"); f.Hash != "abc" || f.Tokens() != filepath.Join("/mr", "mcp-remote-v1", "abc_tokens.json") {
		t.Errorf("with a hash: %+v", f)
	}
	home, _ := os.UserHomeDir()
	if d := ConfigDir(""); d != filepath.Join(home, ".mcp-auth", "mcp-remote-v1") {
		t.Errorf("ConfigDir = %s", d)
	}
}
