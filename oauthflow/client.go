package oauthflow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Client is the OAuth client identity mcpbridge uses with one authorization
// server: pre-registered, a Client ID Metadata Document URL, or registered
// dynamically (RFC 7591). It is kept per issuer: client ids are only valid
// at the server that issued them (MCP client registration §Authorization
// Server Binding).
type Client struct {
	Issuer       string   `json:"issuer"`
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret,omitempty"`
	AuthMethod   string   `json:"token_endpoint_auth_method,omitempty"` // none, client_secret_post, client_secret_basic
	RedirectURIs []string `json:"redirect_uris,omitempty"`
	Source       string   `json:"source"` // "static", "metadata-document" or "registered"
}

// ReadClientArgs fills cfg's StaticClient, ClientMetadata and IdPClient
// from the flag values that give them (ReadJSONArg each; "": not given):
// --static-oauth-client-info, --static-oauth-client-metadata and
// --idp-client-info, in that order. An error names the flag.
func ReadClientArgs(cfg *Config, staticInfo, staticMetadata, idpClient string) error {
	for _, j := range []struct {
		flag, arg string
		to        *map[string]any
	}{
		{"--static-oauth-client-info", staticInfo, &cfg.StaticClient},
		{"--static-oauth-client-metadata", staticMetadata, &cfg.ClientMetadata},
		{"--idp-client-info", idpClient, &cfg.IdPClient},
	} {
		if j.arg == "" {
			continue
		}
		m, err := ReadJSONArg(j.arg)
		if err != nil {
			return fmt.Errorf("%s: %w", j.flag, err)
		}
		*j.to = m
	}
	return nil
}

// ReadJSONArg reads a flag value that is JSON or @file, with ${VAR} filled
// from the environment (mcp-remote's --static-oauth-client-info and
// --static-oauth-client-metadata).
func ReadJSONArg(arg string) (map[string]any, error) {
	text := arg
	if name, ok := strings.CutPrefix(arg, "@"); ok {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		text = string(b)
	}
	text = envRef().ReplaceAllStringFunc(text, func(ref string) string {
		v, _ := json.Marshal(os.Getenv(ref[2 : len(ref)-1]))
		return string(v[1 : len(v)-1]) // escaped for a JSON string
	})
	var m map[string]any
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	return m, nil
}

var envRef = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\$\{[A-Za-z_][A-Za-z0-9_]*\}`) })

// StaticClient turns --static-oauth-client-info into a Client.
func StaticClient(info map[string]any, issuer string) (*Client, error) {
	str := func(k string) string { s, _ := info[k].(string); return s }
	c := &Client{Issuer: issuer, ClientID: str("client_id"), ClientSecret: str("client_secret"),
		AuthMethod: str("token_endpoint_auth_method"), Source: "static"}
	if c.ClientID == "" {
		return nil, errors.New("--static-oauth-client-info has no client_id")
	}
	if c.AuthMethod == "" {
		switch {
		case info["private_key"] != nil || info["private_key_file"] != nil:
			c.AuthMethod = "private_key_jwt"
		case c.ClientSecret != "":
			c.AuthMethod = "client_secret_basic"
		default:
			c.AuthMethod = "none"
		}
	}
	return c, nil
}

// chooseAuthMethod picks how a registered client authenticates: none for a
// public native client when the server allows it, then post, then basic
// (RFC 8414 §2: the default when the server lists nothing is basic).
func chooseAuthMethod(as *AuthServer) string {
	supported := as.TokenEndpointAuthMethodsSupported
	if len(supported) == 0 {
		return "client_secret_basic"
	}
	for _, m := range []string{"none", "client_secret_post", "client_secret_basic"} {
		if slices.Contains(supported, m) {
			return m
		}
	}
	return supported[0]
}

// Register performs dynamic client registration (RFC 7591) for a native
// loopback client, merging the user's --static-oauth-client-metadata.
func Register(ctx context.Context, hc *http.Client, as *AuthServer, redirectURI string, extra map[string]any) (*Client, error) {
	if as.RegistrationEndpoint == "" {
		return nil, errors.New("the authorization server offers no client registration; pass a client registered by hand with --static-oauth-client-info")
	}
	meta := map[string]any{
		"client_name":                "mcpbridge",
		"redirect_uris":              []string{redirectURI},
		"grant_types":                []string{"authorization_code", "refresh_token"},
		"response_types":             []string{"code"},
		"token_endpoint_auth_method": chooseAuthMethod(as),
		"application_type":           "native",
		"software_id":                "github.com/mcpbridge/mcpbridge",
	}
	if redirectURI == "" { // a device-grant client (RFC 8628): no redirect at all
		delete(meta, "redirect_uris")
		delete(meta, "response_types")
		meta["grant_types"] = []string{deviceGrant, "refresh_token"}
	}
	for k, v := range extra {
		meta[k] = v
	}
	endpoint, err := sendTo("registration_endpoint", as.RegistrationEndpoint)
	if err != nil {
		return nil, fmt.Errorf("client registration: %w", err)
	}
	body, _ := json.Marshal(meta)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	status, raw, err := exchange(hc, req, "client registration")
	if err != nil {
		return nil, err
	}
	if status != http.StatusCreated && status != http.StatusOK {
		return nil, refusal("client registration", status, raw)
	}
	var got struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
		AuthMethod   string `json:"token_endpoint_auth_method"`
	}
	if err := json.Unmarshal(raw, &got); err != nil || got.ClientID == "" {
		return nil, errors.New("client registration answered without a client_id")
	}
	method := got.AuthMethod
	if method == "" {
		method, _ = meta["token_endpoint_auth_method"].(string)
	}
	c := &Client{Issuer: as.Issuer, ClientID: got.ClientID, ClientSecret: got.ClientSecret, AuthMethod: method, Source: "registered"}
	if redirectURI != "" {
		c.RedirectURIs = []string{redirectURI}
	}
	return c, nil
}
