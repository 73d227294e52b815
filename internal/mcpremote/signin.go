package mcpremote

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/netrule"
	"github.com/mcpbridge/mcpbridge/oauthflow"
)

// tokensFile is <hash>_tokens.json as mcp-remote 0.15 writes it: the token
// response, with expires_at (milliseconds since the epoch), the scope it
// asked for and the issuer added.
type tokensFile struct {
	AccessToken  string  `json:"access_token"`
	TokenType    string  `json:"token_type"`
	RefreshToken string  `json:"refresh_token"`
	IDToken      string  `json:"id_token"`
	ExpiresAt    float64 `json:"expires_at"`
	Scope        string  `json:"scope"`
	Requested    string  `json:"requested_scope"`
	Issuer       string  `json:"issuer"`
}

// clientFile is <hash>_client_info.json: the registration answer (RFC 7591
// §3.2.1) as mcp-remote kept it.
type clientFile struct {
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret"`
	AuthMethod   string   `json:"token_endpoint_auth_method"`
	RedirectURIs []string `json:"redirect_uris"`
}

// Import takes over the sign-in mcp-remote stored in f for server: its
// tokens and client registration, kept the way flow keeps its own.
// mcp-remote's files are only read.
func Import(ctx context.Context, flow *oauthflow.Flow, server string, f Files) error {
	a, err := ReadSignIn(server, f)
	if err != nil {
		return err
	}
	return flow.Adopt(ctx, a)
}

// ReadSignIn reads the sign-in mcp-remote stored in f for server.
func ReadSignIn(server string, f Files) (oauthflow.Adopted, error) {
	tokens, err := readFile(f.Tokens(), maxSignInFile)
	if err != nil {
		return oauthflow.Adopted{}, fmt.Errorf("no tokens of mcp-remote for %s in %s (%w); was it run with other flags? see --help", shownURL(server), f.Dir, err)
	}
	client, err := readFile(f.ClientInfo(), maxSignInFile)
	if err != nil {
		return oauthflow.Adopted{}, fmt.Errorf("mcp-remote's tokens are there but not its client registration: %w", err)
	}
	return parseSignIn(tokens, client)
}

// parseSignIn turns the two files into a sign-in to adopt. The scopes
// asked again on refresh are those mcp-remote asked for, else those granted.
func parseSignIn(tokensJSON, clientJSON []byte) (oauthflow.Adopted, error) {
	var t tokensFile
	if err := json.Unmarshal(tokensJSON, &t); err != nil {
		return oauthflow.Adopted{}, fmt.Errorf("read mcp-remote's tokens file: %w", err)
	}
	if t.AccessToken == "" {
		return oauthflow.Adopted{}, errors.New("mcp-remote's tokens file holds no access token")
	}
	var c clientFile
	if err := json.Unmarshal(clientJSON, &c); err != nil {
		return oauthflow.Adopted{}, fmt.Errorf("read mcp-remote's client file: %w", err)
	}
	if c.ClientID == "" {
		return oauthflow.Adopted{}, errors.New("mcp-remote's client file holds no client_id")
	}
	a := oauthflow.Adopted{AccessToken: t.AccessToken, TokenType: t.TokenType, RefreshToken: t.RefreshToken, IDToken: t.IDToken,
		GrantedScope: t.Scope, Scopes: strings.Fields(cmp.Or(t.Requested, t.Scope)), Issuer: t.Issuer,
		ClientID: c.ClientID, ClientSecret: c.ClientSecret, AuthMethod: c.AuthMethod, RedirectURIs: c.RedirectURIs}
	if t.ExpiresAt > 0 {
		a.ExpiresAt = time.UnixMilli(int64(t.ExpiresAt))
	}
	return a, nil
}

// shownURL is the server URL for a message: without password or query
// values (netrule.Redact); the message is escaped where it is printed.
func shownURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(not a URL)"
	}
	return netrule.Redact(u)
}
