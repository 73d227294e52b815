package oauthflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Adopted is a sign-in another OAuth client made for this server, to be
// taken over: the token response it kept and the client registration the
// tokens were issued to.
type Adopted struct {
	AccessToken, TokenType, RefreshToken, IDToken string
	ExpiresAt                                     time.Time // zero: not known
	GrantedScope                                  string    // the token response's scope (RFC 6749 §5.1)
	Scopes                                        []string  // what the sign-in asked for, asked again on refresh and step-up
	Issuer                                        string    // the authorization server; "" finds it as a sign-in does

	ClientID, ClientSecret string
	AuthMethod             string // token_endpoint_auth_method; "": none, or client_secret_basic with a secret
	RedirectURIs           []string
}

// Adopt keeps a as this server's sign-in, so the bridge starts signed in
// and refreshes from then on. The authorization server is a.Issuer's, or
// found as for a sign-in; nothing is sent to it but metadata requests.
func (f *Flow) Adopt(ctx context.Context, a Adopted) error {
	if a.AccessToken == "" || a.ClientID == "" {
		return errors.New("adopt a sign-in: an access token and a client id are needed")
	}
	as, err := f.adoptedAuthServer(ctx, a.Issuer)
	if err != nil {
		return err
	}
	client := adoptedClient(as.Issuer, a)
	rec := &record{Issuer: as.Issuer, TokenEndpoint: as.TokenEndpoint, Client: client, Scopes: a.Scopes, Resource: f.resourceFor(nil),
		Token: Token{AccessToken: a.AccessToken, TokenType: a.TokenType, RefreshToken: a.RefreshToken, IDToken: a.IDToken,
			Scope: a.GrantedScope, Expiry: a.ExpiresAt}}
	raw, err := json.Marshal(client)
	if err != nil {
		return fmt.Errorf("adopt a sign-in: %w", err)
	}
	if err := f.cfg.Store.Put(ctx, clientName(as.Issuer), raw, clientMeta(f, as.Issuer)); err != nil {
		return fmt.Errorf("store the client registration: %w", err)
	}
	return f.save(ctx, rec)
}

// adoptedClient is the registration a's tokens were issued to. Without a
// recorded token_endpoint_auth_method a client with a secret uses
// client_secret_basic (RFC 7591 §2's default), one without none.
func adoptedClient(issuer string, a Adopted) Client {
	c := Client{Issuer: issuer, ClientID: a.ClientID, ClientSecret: a.ClientSecret, AuthMethod: a.AuthMethod,
		RedirectURIs: a.RedirectURIs, Source: "registered"}
	if c.AuthMethod == "" {
		c.AuthMethod = "none"
		if c.ClientSecret != "" {
			c.AuthMethod = "client_secret_basic"
		}
	}
	return c
}

// adoptedAuthServer is the issuer's metadata, or discovery's.
func (f *Flow) adoptedAuthServer(ctx context.Context, issuer string) (*AuthServer, error) {
	if issuer != "" {
		return (&Discoverer{HTTP: f.cfg.HTTP}).AuthServer(ctx, issuer)
	}
	as, _, err := f.discover(ctx, Challenge{})
	return as, err
}
