package oauthflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Import takes over the credentials mcp-remote (0.15) stored for this
// server: its tokens (<hash>_tokens.json) and client registration
// (<hash>_client_info.json). The authorization server is found as for a
// sign-in, so refresh works from then on. Nothing is sent to the server
// but metadata requests.
func (f *Flow) Import(ctx context.Context, tokensJSON, clientJSON []byte) error {
	var t struct {
		AccessToken  string  `json:"access_token"`
		TokenType    string  `json:"token_type"`
		RefreshToken string  `json:"refresh_token"`
		IDToken      string  `json:"id_token"`
		ExpiresAt    float64 `json:"expires_at"` // milliseconds since the epoch
		Scope        string  `json:"scope"`
		Requested    string  `json:"requested_scope"`
		Issuer       string  `json:"issuer"`
	}
	if err := json.Unmarshal(tokensJSON, &t); err != nil || t.AccessToken == "" {
		return errors.New("mcp-remote's tokens file holds no access token")
	}
	var c struct {
		ClientID     string   `json:"client_id"`
		ClientSecret string   `json:"client_secret"`
		AuthMethod   string   `json:"token_endpoint_auth_method"`
		RedirectURIs []string `json:"redirect_uris"`
	}
	if err := json.Unmarshal(clientJSON, &c); err != nil || c.ClientID == "" {
		return errors.New("mcp-remote's client file holds no client_id")
	}
	as, err := f.importedAuthServer(ctx, t.Issuer)
	if err != nil {
		return err
	}
	client := Client{Issuer: as.Issuer, ClientID: c.ClientID, ClientSecret: c.ClientSecret, AuthMethod: c.AuthMethod,
		RedirectURIs: c.RedirectURIs, Source: "registered"}
	if client.AuthMethod == "" {
		client.AuthMethod = "none"
		if client.ClientSecret != "" {
			client.AuthMethod = "client_secret_basic"
		}
	}
	scope := t.Requested
	if scope == "" {
		scope = t.Scope
	}
	rec := &record{Issuer: as.Issuer, TokenEndpoint: as.TokenEndpoint, Client: client, Scopes: strings.Fields(scope), Resource: f.resourceFor(nil),
		Token: Token{AccessToken: t.AccessToken, TokenType: t.TokenType, RefreshToken: t.RefreshToken, IDToken: t.IDToken, Scope: t.Scope}}
	if t.ExpiresAt > 0 {
		rec.Token.Expiry = time.UnixMilli(int64(t.ExpiresAt))
	}
	raw, _ := json.Marshal(client)
	if err := f.cfg.Store.Put(ctx, clientName(as.Issuer), raw, clientMeta(f, as.Issuer)); err != nil {
		return fmt.Errorf("store the client registration: %w", err)
	}
	return f.save(ctx, rec)
}

// importedAuthServer is the issuer mcp-remote recorded, or discovery's.
func (f *Flow) importedAuthServer(ctx context.Context, issuer string) (*AuthServer, error) {
	if issuer != "" {
		return (&Discoverer{HTTP: f.cfg.HTTP}).AuthServer(ctx, issuer)
	}
	as, _, err := f.discover(ctx, Challenge{})
	return as, err
}
