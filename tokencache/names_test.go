package tokencache

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

// TestTokensName: the names the store gives tokens and registrations are
// the documented derivation (computed here independently), pinned: a
// change would orphan every stored credential.
func TestTokensName(t *testing.T) {
	server, resource := "https://mcp.example.com/mcp", "https://mcp.example.com/mcp"
	identity := []string{"X-Tenant", "acme", "client=c1"}
	folded := sha256.Sum256([]byte("8:X-Tenant4:acme9:client=c1"))
	if got, want := TokensName(server, resource, identity), Name("tokens", server, resource, hex.EncodeToString(folded[:])); got != want {
		t.Errorf("TokensName = %s, want %s", got, want)
	}
	if got := TokensName(server, resource, identity); got != "tokens-ae617d0a1d814d264071fde02ba39d04" {
		t.Errorf("TokensName changed: %s", got)
	}
	none := TokensName(server, resource, nil)
	if none != Name("tokens", server, resource, "") {
		t.Errorf("TokensName without identity = %s", none)
	}
	if none == TokensName(server, resource, []string{""}) || none == TokensName(server, "", nil) {
		t.Error("no identity, one empty identity part and another resource meet")
	}
	issuer := "https://auth.example.com"
	if ClientName(issuer) != Name("client", issuer) || DeviceClientName(issuer) != Name("client-device", issuer) {
		t.Errorf("ClientName %s, DeviceClientName %s", ClientName(issuer), DeviceClientName(issuer))
	}
}

// TestAccountName: an account's names keep their kind, differ per account
// and from the default account's, and are pinned.
func TestAccountName(t *testing.T) {
	name := ClientName("https://auth.example.com")
	if AccountName(name, "") != name {
		t.Error("the default account's name changed")
	}
	work, home := AccountName(name, "work"), AccountName(name, "home")
	if work == home || work == name || work != Name("client", "account", "work", name) || validName(work) != nil {
		t.Errorf("AccountName: work %s, home %s", work, home)
	}
	if got := AccountName("tokens-ae617d0a1d814d264071fde02ba39d04", "work"); got != "tokens-39f2538deb2b5146ce32be96e8d2f140" {
		t.Errorf("AccountName changed: %s", got)
	}
}
