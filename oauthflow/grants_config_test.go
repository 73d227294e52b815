package oauthflow_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mcpbridge/mcpbridge/oauthflow"
)

// TestGrantSettingsCheckedAtStart: settings that cannot work are refused
// by New, before anything is asked of the network or the store.
func TestGrantSettingsCheckedAtStart(t *testing.T) {
	u, _ := url.Parse("https://mcp.example/mcp")
	idp := map[string]any{"client_id": "c"}
	for _, tc := range []struct {
		name string
		set  func(*oauthflow.Config)
		want string
	}{
		{"two grants", func(c *oauthflow.Config) { c.ClientCredentials, c.Workload = true, "env:X" }, "choose one"},
		{"workload source", func(c *oauthflow.Config) { c.Workload = "/var/run/token" }, "file:PATH"},
		{"idp client", func(c *oauthflow.Config) { c.IdPIssuer = "https://idp.example" }, "--idp-client-info"},
		{"idp issuer rule", func(c *oauthflow.Config) { c.IdPIssuer, c.IdPClient = "http://idp.example", idp }, "idp-issuer"},
		{"idp token alone", func(c *oauthflow.Config) { c.IdPIDToken = "env:X" }, "go with --idp-issuer"},
		{"idp token source", func(c *oauthflow.Config) {
			c.IdPIssuer, c.IdPClient, c.IdPIDToken = "https://idp.example", idp, "token"
		}, "--idp-id-token"},
		{"token endpoint alone", func(c *oauthflow.Config) { c.TokenEndpoint = "https://as.example/token" }, "--client-credentials"},
		{"client credentials without client", func(c *oauthflow.Config) { c.ClientCredentials = true }, "--static-oauth-client-info"},
	} {
		cfg := oauthflow.Config{Server: u, HTTP: http.DefaultClient, Store: filesIn(t, t.TempDir())}
		tc.set(&cfg)
		if _, err := oauthflow.New(cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error naming %s", tc.name, err, tc.want)
		}
	}
	cfg := oauthflow.Config{Server: u, HTTP: http.DefaultClient, Store: filesIn(t, t.TempDir()),
		IdPIssuer: "https://idp.example", IdPClient: idp, IdPIDToken: "command:idp-cli token", DPoP: true}
	if _, err := oauthflow.New(cfg); err != nil {
		t.Errorf("a good enterprise setting refused: %v", err)
	}
}
