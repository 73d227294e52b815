package main

import (
	"net/http"
	"testing"

	"github.com/mcpbridge/mcpbridge/tokencache"
)

// TestTokenNamesAreStable: the names tokens are stored under, from the
// headers and identity parts the command line gives, are those earlier
// releases stored them under (pinned from the derivation they used): a
// change would sign every user out.
func TestTokenNamesAreStable(t *testing.T) {
	server := "https://mcp.example.com/mcp"
	for want, id := range map[string][]string{
		"tokens-615ecc367ef0ec75b361510796b298e3": identity(nil),
		"tokens-ae617d0a1d814d264071fde02ba39d04": identity(http.Header{"X-Tenant": {"acme"}}, "client=c1"),
		"tokens-8fee0489e850d00b21a4a94b6db3fcbf": identity(http.Header{"X-Tenant": {"acme", "b"}, "Accept": {"x"}}, "client=c1", "scope=a b"),
	} {
		if got := tokencache.TokensName(server, server, id); got != want {
			t.Errorf("identity %q: name %s, want %s", id, got, want)
		}
	}
}
