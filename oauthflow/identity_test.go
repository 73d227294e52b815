package oauthflow

import (
	"net/http"
	"slices"
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

// TestIdentityFromConfig: the parts come from the client settings, in the
// order the pinned names above were derived with.
func TestIdentityFromConfig(t *testing.T) {
	h := http.Header{"X-Tenant": {"acme"}}
	c := Config{StaticClient: map[string]any{"client_id": "c1"}, ClientMetadata: map[string]any{"scope": "a b"}}
	got, want := Identity(h, c), identity(h, "client=c1", "scope=a b")
	if !slices.Equal(got, want) {
		t.Errorf("Identity = %q, want %q", got, want)
	}
	c = Config{ClientMetadataURL: "https://app.example/cimd.json", ClientCredentials: true}
	if got := Identity(nil, c); !slices.Equal(got, []string{"cimd=https://app.example/cimd.json", "grant=client_credentials"}) {
		t.Errorf("Identity = %q", got)
	}
}

func TestParseAuthorizeParams(t *testing.T) {
	if q, err := ParseAuthorizeParams(nil); q != nil || err != nil {
		t.Errorf("none: %v, %v", q, err)
	}
	q, err := ParseAuthorizeParams([]string{"prompt=consent", "a=1", "a=2=3"})
	if err != nil || q.Get("prompt") != "consent" || !slices.Equal(q["a"], []string{"1", "2=3"}) {
		t.Errorf("got %v, %v", q, err)
	}
	for _, bad := range []string{"novalue", "=v"} {
		if _, err := ParseAuthorizeParams([]string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
