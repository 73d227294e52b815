package oauthflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/safetext"
)

// Token is what the token endpoint gave (RFC 6749 §5.1), kept as JSON in
// the token store.
type Token struct {
	AccessToken  string    `json:"access_token"`
	TokenType    string    `json:"token_type,omitempty"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	Expiry       time.Time `json:"expiry,omitzero"`
	Scope        string    `json:"scope,omitempty"`
	IDToken      string    `json:"id_token,omitempty"`
	Issued       time.Time `json:"issued,omitzero"`
}

// maxExpiresIn caps a token's announced lifetime (ten years): larger values
// would overflow time.Duration and put the expiry in the past, renewing the
// token at every request.
const maxExpiresIn = 10 * 365 * 24 * 3600

// refreshMargin is how long before expiry the token is renewed: a minute,
// or a fifth of its lifetime for short-lived tokens (renewing a 30-second
// token a minute early would renew it at every request).
func (t *Token) refreshMargin() time.Duration {
	if t.Issued.IsZero() || t.Expiry.IsZero() {
		return time.Minute
	}
	return min(time.Minute, t.Expiry.Sub(t.Issued)/5)
}

// expiring reports whether the token should be renewed at now.
func (t *Token) expiring(now time.Time) bool { return t.expiresWithin(now, t.refreshMargin()) }

// expiresWithin reports whether the token expires within d of now (a
// token without expiry never does: it is used until the server refuses
// it, RFC 6749 §5.1 makes expires_in only RECOMMENDED).
func (t *Token) expiresWithin(now time.Time, d time.Duration) bool {
	return !t.Expiry.IsZero() && t.Expiry.Sub(now) < d
}

// TokenError is an error answer of the token endpoint (RFC 6749 §5.2).
type TokenError struct {
	Status      int
	Code        string
	Description string
}

func (e *TokenError) Error() string {
	// The server's text, escaped (safetext): it reaches the terminal.
	msg := fmt.Sprintf("the authorization server refused the token request (HTTP %d, %s)", e.Status, safetext.EscapeN(e.Code, 80))
	if e.Description != "" {
		msg += ": " + safetext.Escape(e.Description)
	}
	return msg
}

// isTokenError reports whether err is a token endpoint error with code.
func isTokenError(err error, code string) bool {
	var te *TokenError
	return errors.As(err, &te) && te.Code == code
}

// authenticate sets the client's authentication (RFC 6749 §2.3.1) and the
// form body on a request to the token or revocation endpoint.
func authenticate(req *http.Request, form url.Values, c *Client) {
	switch c.AuthMethod {
	case "client_secret_basic":
		req.SetBasicAuth(url.QueryEscape(c.ClientID), url.QueryEscape(c.ClientSecret))
	case "client_secret_post":
		form.Set("client_id", c.ClientID)
		form.Set("client_secret", c.ClientSecret)
	default: // "none": a public client names itself; a workload may have no client (jwtbearer.go)
		if c.ClientID != "" {
			form.Set("client_id", c.ClientID)
		}
	}
	body := form.Encode()
	req.Body = io.NopCloser(strings.NewReader(body))
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
}

// exchange sends a request to the authorization server and reads its
// answer (1 MiB at most): the status and the body.
func exchange(hc *http.Client, req *http.Request, what string) (int, []byte, error) {
	status, _, raw, err := exchangeHeader(hc, req, what)
	return status, raw, err
}

// exchangeHeader is exchange with the answer's header (a DPoP-Nonce).
func exchangeHeader(hc *http.Client, req *http.Request, what string) (int, http.Header, []byte, error) {
	req.Header.Set("Accept", "application/json")
	resp, err := ruled(hc).Do(req)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("%s: %w", what, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("%s: %w", what, err)
	}
	return resp.StatusCode, resp.Header, raw, nil
}

// refusal describes an error answer by its status and first bytes.
func refusal(what string, status int, raw []byte) error {
	return fmt.Errorf("%s refused (HTTP %d): %s", what, status, safetext.Line(raw, 300))
}

// tokenError reads an error answer of a token endpoint (RFC 6749 §5.2).
func tokenError(status int, raw []byte) *TokenError {
	te := &TokenError{Status: status}
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(raw, &e) == nil {
		te.Code, te.Description = e.Error, e.Description
	}
	if te.Code == "" {
		te.Code = "no_error_code"
	}
	return te
}

// tokenRequest posts a grant to the token endpoint with the client's
// authentication, and decodes the token. It is written by hand rather than
// through x/oauth2's Exchange and refresher so that every request — refresh
// included — carries the RFC 8707 resource the MCP spec requires
// (golang/oauth2#521). now stamps the token's issue time (Config.Now).
func tokenRequest(ctx context.Context, hc *http.Client, endpoint string, c *Client, form url.Values, now func() time.Time) (*Token, error) {
	endpoint, err := sendTo("token_endpoint", endpoint)
	if err != nil {
		return nil, fmt.Errorf("token request: %w", err)
	}
	status, raw, bound, err := postToken(ctx, hc, endpoint, c, form) // with a DPoP proof if ctx says (dpop.go)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, tokenError(status, raw)
	}
	var t struct {
		Token
		ExpiresIn json.Number `json:"expires_in"`
	}
	if err := json.Unmarshal(raw, &t); err != nil || t.AccessToken == "" {
		return nil, fmt.Errorf("the token endpoint answered HTTP 200 without an access token")
	}
	if !strings.EqualFold(t.TokenType, "bearer") && t.TokenType != "" && !(bound && isDPoP(t.Token)) {
		return nil, fmt.Errorf("the token endpoint issued a %s token; only Bearer is supported", safetext.EscapeN(t.TokenType, 40))
	}
	t.Issued = now()
	if secs, err := t.ExpiresIn.Int64(); err == nil && secs > 0 {
		secs = min(secs, maxExpiresIn) // a hostile value must not overflow into the past
		t.Expiry = t.Issued.Add(time.Duration(secs) * time.Second)
	}
	return &t.Token, nil
}
