package oidc

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
)

// The protected MCP server: the official Go SDK's streamable HTTP handler
// behind its auth.RequireBearerToken middleware, with the parts the SDK
// leaves to the server written here: a verifier of the authorization
// server's JWT access tokens (RFC 9068: signature against its JWKS, issuer,
// audience = this resource, expiry, scope) and the protected resource
// metadata (RFC 9728) naming the authorization server.

// mcpScope is the scope the server requires and the provider grants.
const mcpScope = "mcp:tools"

// seenToken is an access token the server accepted or refused.
type seenToken struct {
	at       time.Time
	jti, sub string
	iat, exp time.Time
	refused  string // why, when refused
}

// protectedServer is the MCP server and what it saw.
type protectedServer struct {
	resource string // its URL, the RFC 8707 resource
	issuer   string
	http     *http.Client

	mu      sync.Mutex
	keys    map[string]*rsa.PublicKey // the issuer's JWKS by kid
	tokens  []seenToken
	revoked map[string]bool // jti → refused from now on (revokeSeen)
}

// revokeSeen makes the server refuse every access token it has seen so
// far, as a resource server does whose token expired or was revoked: the
// next request carrying one gets 401 invalid_token.
func (s *protectedServer) revokeSeen() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.revoked == nil {
		s.revoked = map[string]bool{}
	}
	for _, t := range s.tokens {
		s.revoked[t.jti] = true
	}
}

// handler serves the MCP endpoint at path and its metadata.
func (s *protectedServer) handler(path string) http.Handler {
	srv := mcp.NewServer(&mcp.Implementation{Name: "e2e-oidc-protected", Version: "1.0.0"}, nil)
	mcp.AddTool(srv, &mcp.Tool{Name: "whoami", Description: "says who signed in"},
		func(_ context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, any, error) {
			who := "nobody"
			if req.Extra != nil && req.Extra.TokenInfo != nil {
				who = req.Extra.TokenInfo.UserID
			}
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "signed in as " + who}}}, nil, nil
		})
	metadataPath := "/.well-known/oauth-protected-resource" + path
	mcpHandler := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv }, nil)
	mux := http.NewServeMux()
	mux.Handle(path, auth.RequireBearerToken(s.verify, &auth.RequireBearerTokenOptions{
		ResourceMetadataURL: strings.TrimSuffix(s.resource, path) + metadataPath,
		Scopes:              []string{mcpScope},
	})(mcpHandler))
	mux.Handle(metadataPath, auth.ProtectedResourceMetadataHandler(&oauthex.ProtectedResourceMetadata{
		Resource:               s.resource,
		AuthorizationServers:   []string{s.issuer},
		ScopesSupported:        []string{mcpScope},
		BearerMethodsSupported: []string{"header"},
	}))
	return mux
}

// accepted returns the tokens the server accepted, in order.
func (s *protectedServer) accepted() []seenToken {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []seenToken
	for _, t := range s.tokens {
		if t.refused == "" {
			out = append(out, t)
		}
	}
	return out
}

// summary describes every token the server saw, for failure messages.
func (s *protectedServer) summary() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	for _, t := range s.tokens {
		status := "accepted"
		if t.refused != "" {
			status = "refused: " + t.refused
		}
		fmt.Fprintf(&b, "  %s jti=%s iat=%s exp=%s %s\n", t.at.Format("15:04:05.000"), t.jti,
			t.iat.Format("15:04:05"), t.exp.Format("15:04:05"), status)
	}
	return b.String()
}

// verify is the auth.TokenVerifier: an RS256 JWT access token (RFC 9068)
// signed by the issuer, for this resource, unexpired, with the scope.
func (s *protectedServer) verify(ctx context.Context, token string, _ *http.Request) (*auth.TokenInfo, error) {
	seen := seenToken{at: time.Now()}
	info, err := s.check(ctx, token, &seen)
	if err != nil {
		seen.refused = err.Error()
	}
	s.mu.Lock()
	s.tokens = append(s.tokens, seen)
	s.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", auth.ErrInvalidToken, err)
	}
	return info, nil
}

func (s *protectedServer) check(ctx context.Context, token string, seen *seenToken) (*auth.TokenInfo, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errors.New("not a JWT")
	}
	var header struct {
		Alg, Kid, Typ string
	}
	if err := decodeSegment(parts[0], &header); err != nil {
		return nil, fmt.Errorf("header: %v", err)
	}
	if header.Alg != "RS256" {
		return nil, fmt.Errorf("alg %q, want RS256", header.Alg)
	}
	if !strings.EqualFold(strings.TrimPrefix(strings.ToLower(header.Typ), "application/"), "at+jwt") {
		return nil, fmt.Errorf("typ %q, want at+jwt (RFC 9068)", header.Typ)
	}
	key, err := s.key(ctx, header.Kid)
	if err != nil {
		return nil, err
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, errors.New("signature is not base64url")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(key, crypto.SHA256, digest[:], sig); err != nil {
		return nil, errors.New("bad signature")
	}
	var claims struct {
		Iss      string          `json:"iss"`
		Sub      string          `json:"sub"`
		Aud      json.RawMessage `json:"aud"`
		Exp      int64           `json:"exp"`
		Iat      int64           `json:"iat"`
		Jti      string          `json:"jti"`
		Scope    string          `json:"scope"`
		ClientID string          `json:"client_id"`
	}
	if err := decodeSegment(parts[1], &claims); err != nil {
		return nil, fmt.Errorf("claims: %v", err)
	}
	seen.jti, seen.sub = claims.Jti, claims.Sub
	seen.iat, seen.exp = time.Unix(claims.Iat, 0), time.Unix(claims.Exp, 0)
	var aud []string
	if json.Unmarshal(claims.Aud, &aud) != nil {
		var one string
		if json.Unmarshal(claims.Aud, &one) == nil {
			aud = []string{one}
		}
	}
	switch {
	case claims.Iss != s.issuer:
		return nil, fmt.Errorf("iss %q, want %q", claims.Iss, s.issuer)
	case !slices.Contains(aud, s.resource):
		return nil, fmt.Errorf("aud %v does not name %s", aud, s.resource)
	case claims.Exp == 0 || time.Now().After(time.Unix(claims.Exp, 0)):
		return nil, fmt.Errorf("expired at %s", time.Unix(claims.Exp, 0).Format(time.TimeOnly))
	case claims.Sub == "" || claims.ClientID == "":
		return nil, errors.New("no sub or client_id")
	case s.isRevoked(claims.Jti):
		return nil, errors.New("revoked by the test")
	}
	return &auth.TokenInfo{
		Scopes:     strings.Fields(claims.Scope),
		Expiration: time.Unix(claims.Exp, 0),
		UserID:     claims.Sub,
		Extra:      map[string]any{"jti": claims.Jti, "client_id": claims.ClientID},
	}, nil
}

func (s *protectedServer) isRevoked(jti string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.revoked[jti]
}

func decodeSegment(seg string, v any) error {
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return errors.New("not base64url")
	}
	return json.Unmarshal(raw, v)
}

// key returns the issuer's RSA key kid, fetching its JWKS (jwks_uri of its
// OpenID Connect metadata) when the kid is not known yet.
func (s *protectedServer) key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	s.mu.Lock()
	k := s.keys[kid]
	s.mu.Unlock()
	if k != nil {
		return k, nil
	}
	var meta struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := s.getJSON(ctx, s.issuer+"/.well-known/openid-configuration", &meta); err != nil {
		return nil, err
	}
	if meta.Issuer != s.issuer || meta.JWKSURI == "" {
		return nil, fmt.Errorf("issuer metadata names %q, jwks_uri %q", meta.Issuer, meta.JWKSURI)
	}
	var set struct {
		Keys []struct {
			Kty, Kid, Use, N, E string
		} `json:"keys"`
	}
	if err := s.getJSON(ctx, meta.JWKSURI, &set); err != nil {
		return nil, err
	}
	keys := map[string]*rsa.PublicKey{}
	for _, j := range set.Keys {
		if j.Kty != "RSA" || (j.Use != "" && j.Use != "sig") {
			continue
		}
		n, err1 := base64.RawURLEncoding.DecodeString(j.N)
		e, err2 := base64.RawURLEncoding.DecodeString(j.E)
		if err1 != nil || err2 != nil || len(e) > 4 {
			continue
		}
		keys[j.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	s.mu.Lock()
	s.keys = keys
	s.mu.Unlock()
	if k = keys[kid]; k == nil {
		return nil, fmt.Errorf("no RSA signing key %q in the issuer's JWKS", kid)
	}
	return k, nil
}

func (s *protectedServer) getJSON(ctx context.Context, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: HTTP %d", u, resp.StatusCode)
	}
	return json.Unmarshal(body, v)
}
