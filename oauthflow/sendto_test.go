package oauthflow

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countingTransport fails every request it is given, counting them.
type countingTransport struct{ n atomic.Int32 }

func (c *countingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	c.n.Add(1)
	return nil, http.ErrServerClosed
}

// TestSecretsGoOnlyWhereTheRuleAllows: the code, verifier, client secret,
// refresh token and tokens are never sent to an endpoint that breaks the
// network rule, wherever it came from — a stored record's token_endpoint
// (refresh uses tokenRequest), a stored record's revocation endpoint
// (revokeStored), a flag or a document.
func TestSecretsGoOnlyWhereTheRuleAllows(t *testing.T) {
	ctx := context.Background()
	tr := &countingTransport{}
	hc := &http.Client{Transport: tr}
	c := &Client{ClientID: "c", ClientSecret: "s3cret", AuthMethod: "client_secret_post"}
	for _, endpoint := range []string{"http://evil.example/token", "file:///tmp/x", "javascript:x", "https://u:p@as.example/t", "", "https://as.example/t#f"} {
		sends := map[string]func() error{
			"token_endpoint": func() error {
				_, err := tokenRequest(ctx, hc, endpoint, c, map[string][]string{"refresh_token": {"rt"}}, time.Now)
				return err
			},
			"registration_endpoint": func() error {
				_, err := Register(ctx, hc, &AuthServer{RegistrationEndpoint: endpoint + "x"}, "http://127.0.0.1:1/cb", nil)
				return err
			},
			"device_authorization_endpoint": func() error {
				_, err := requestDeviceCode(ctx, hc, endpoint, c, map[string][]string{})
				return err
			},
			"revocation_endpoint": func() error { return revokeOne(ctx, hc, endpoint, c, "at", "access_token") },
		}
		for field, send := range sends {
			if field == "registration_endpoint" && endpoint == "" {
				continue // "" means no registration offered: its own error
			}
			if err := send(); err == nil || !strings.Contains(err.Error(), field) {
				t.Errorf("%s %q: %v, want a refusal naming the field", field, endpoint, err)
			}
		}
	}
	if n := tr.n.Load(); n != 0 {
		t.Errorf("%d requests went out", n)
	}
}
