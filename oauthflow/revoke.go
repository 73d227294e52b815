package oauthflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/mcpbridge/mcpbridge/tokencache"
)

// errNoRevocation: the authorization server offers no revocation endpoint
// (RFC 8414 §2 revocation_endpoint); nothing to do there.
var errNoRevocation = errors.New("the authorization server offers no revocation")

// revoke asks the authorization server to revoke the refresh token (which
// revokes the grant) and the access token (RFC 7009 §2). Servers that do
// not offer revocation are left alone.
func (f *Flow) revoke(ctx context.Context, rec *record) error {
	as, err := f.authServerOf(ctx, rec.Issuer)
	if err != nil {
		return err
	}
	if as.RevocationEndpoint == "" {
		return errNoRevocation
	}
	for hint, tok := range map[string]string{"refresh_token": rec.Token.RefreshToken, "access_token": rec.Token.AccessToken} {
		if tok == "" {
			continue
		}
		if err := revokeOne(ctx, f.cfg.HTTP, as.RevocationEndpoint, &rec.Client, tok, hint); err != nil {
			return err
		}
	}
	return nil
}

func revokeOne(ctx context.Context, hc *http.Client, endpoint string, c *Client, token, hint string) error {
	endpoint, err := sendTo("revocation_endpoint", endpoint)
	if err != nil {
		return fmt.Errorf("revocation: %w", err)
	}
	form := url.Values{"token": {token}, "token_type_hint": {hint}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, nil)
	if err != nil {
		return err
	}
	authenticate(req, form, c)
	resp, err := ruled(hc).Do(req)
	if err != nil {
		return fmt.Errorf("revocation: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("revocation refused (HTTP %d)", resp.StatusCode)
	}
	return nil
}

// revokeStored revokes the tokens of a stored credentials record (for
// `mcpbridge logout --all`, which has the records but not the flows), and
// records it with r (nil: nothing recorded).
func revokeStored(ctx context.Context, hc *http.Client, r Recorder, m tokencache.Meta, raw []byte) error {
	var rec record
	if err := json.Unmarshal(raw, &rec); err != nil || rec.Issuer == "" {
		return fmt.Errorf("not a stored token record")
	}
	f := storedFlow(hc, r, m)
	err := f.revoke(ctx, &rec)
	f.loggedOut(ctx, &rec, err)
	if !errors.Is(err, errNoRevocation) {
		return err
	}
	return nil
}
