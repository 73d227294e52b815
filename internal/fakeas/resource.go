package fakeas

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Validate checks a bearer access token as a resource server would
// (introspection, in effect): it is known, not expired, not revoked, and
// its grant is not revoked. It returns the token's scopes and the resource
// (audience) it was issued for ("" when the client sent no resource).
func (s *Server) Validate(token string) (scopes []string, resource string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	at, found := s.access[token]
	if !found || at.revoked || at.grant.revoked || !s.now().Before(at.expires) {
		return nil, "", false
	}
	return slices.Clone(at.scopes), at.resource, true
}

// TokenInfo is what Protect learned of the request's token.
type TokenInfo struct {
	Token    string
	Scopes   []string
	Resource string
}

type tokenInfoKey struct{}

// TokenInfoFrom returns the token a Protect handler accepted, from the
// request context of the handler it guards.
func TokenInfoFrom(ctx context.Context) (TokenInfo, bool) {
	ti, ok := ctx.Value(tokenInfoKey{}).(TokenInfo)
	return ti, ok
}

// Protect guards next as an MCP server guards itself (MCP authorization
// §Access Token Usage, RFC 6750 §3, RFC 9728 §5.1): a request without a
// valid "Authorization: Bearer" token gets 401 with
// WWW-Authenticate: Bearer resource_metadata="…", scope="…" (and
// error="invalid_token" when a token was sent); a token lacking one of
// requiredScopes gets 403 with error="insufficient_scope". Tokens in the
// query string are not looked at. The token's audience is not checked:
// see ProtectResource.
func (s *Server) Protect(next http.Handler, resourceMetadataURL string, requiredScopes ...string) http.Handler {
	return s.protect(next, "", resourceMetadataURL, requiredScopes)
}

// ProtectResource is Protect that also refuses (401, invalid_token)
// tokens not issued for resource (RFC 8707 audience; MCP servers MUST
// check it), tokens issued with no resource included.
func (s *Server) ProtectResource(next http.Handler, resource, resourceMetadataURL string, requiredScopes ...string) http.Handler {
	if resource == "" {
		panic("fakeas: ProtectResource needs a resource")
	}
	return s.protect(next, resource, resourceMetadataURL, requiredScopes)
}

func (s *Server) protect(next http.Handler, resource, prm string, required []string) http.Handler {
	required = slices.Clone(required)
	challenge := func(w http.ResponseWriter, status int, errCode, desc string) {
		parts := []string{}
		if errCode != "" {
			parts = append(parts, "error="+quote(errCode))
		}
		if prm != "" {
			parts = append(parts, "resource_metadata="+quote(prm))
		}
		if len(required) > 0 {
			parts = append(parts, "scope="+quote(strings.Join(required, " ")))
		}
		if errCode != "" && desc != "" {
			parts = append(parts, "error_description="+quote(desc))
		}
		h := "Bearer"
		if len(parts) > 0 {
			h += " " + strings.Join(parts, ", ")
		}
		w.Header().Set("WWW-Authenticate", h)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		if desc == "" {
			desc = http.StatusText(status)
		}
		_, _ = fmt.Fprintln(w, desc)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		scheme, token, _ := strings.Cut(auth, " ")
		token = strings.TrimSpace(token)
		if auth == "" || !strings.EqualFold(scheme, "Bearer") || token == "" {
			// RFC 6750 §3.1: no error code when no credentials came.
			challenge(w, http.StatusUnauthorized, "", "")
			return
		}
		scopes, aud, ok := s.Validate(token)
		switch {
		case !ok:
			challenge(w, http.StatusUnauthorized, "invalid_token", "the access token is unknown, expired or revoked")
			return
		case resource != "" && aud != resource:
			challenge(w, http.StatusUnauthorized, "invalid_token", fmt.Sprintf("the access token is for %q, not %q", aud, resource))
			return
		}
		for _, need := range required {
			if !slices.Contains(scopes, need) {
				challenge(w, http.StatusForbidden, "insufficient_scope", "the access token lacks scope "+need)
				return
			}
		}
		ctx := context.WithValue(r.Context(), tokenInfoKey{}, TokenInfo{Token: token, Scopes: scopes, Resource: aud})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// quote makes an RFC 9110 quoted-string.
func quote(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
}

// ProtectedResourceMetadata serves RFC 9728 §2 metadata for resource,
// naming this server in authorization_servers. Mount it where the
// resource's metadata lives (see ResourceMetadataURL).
func (s *Server) ProtectedResourceMetadata(resource string, scopes []string) http.Handler {
	doc := map[string]any{
		"resource":                 resource,
		"authorization_servers":    []string{s.issuer},
		"bearer_methods_supported": []string{"header"},
	}
	if len(scopes) > 0 {
		doc["scopes_supported"] = slices.Clone(scopes)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		writeJSON(w, http.StatusOK, doc)
	})
}

// ResourceMetadataURL is the RFC 9728 §3.1 well-known URI of a resource's
// metadata: https://host/mcp has https://host/.well-known/oauth-protected-resource/mcp.
func ResourceMetadataURL(resource string) string {
	u, err := url.Parse(resource)
	if err != nil {
		return ""
	}
	p := strings.TrimSuffix(u.EscapedPath(), "/")
	return u.Scheme + "://" + u.Host + "/.well-known/oauth-protected-resource" + p
}

// Grant issues tokens to a known client as if its user had just
// approved (a pre-seeded token cache, for instance): an access token and,
// unless the options withhold it, a refresh token ("" otherwise).
func (s *Server) Grant(clientID string, scopes []string, resource string) (accessToken, refreshToken string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[clientID]
	if !ok {
		return "", "", fmt.Errorf("fakeas: unknown client %q", clientID)
	}
	g := &grant{clientID: c.ID, scopes: slices.Clone(scopes), resource: resource}
	s.grants = append(s.grants, g)
	resp := s.issue(c, g, g.scopes, nil)
	rt, _ := resp["refresh_token"].(string)
	return resp["access_token"].(string), rt, nil
}

// ExpireAccessTokens makes every access token issued so far expired, so
// the next request with one gets 401 and the client must refresh.
func (s *Server) ExpireAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	past := s.now().Add(-1)
	for _, at := range s.access {
		at.expires = past
	}
}

// RevokeAll revokes every grant, as a user removing the app's access
// would: access and refresh tokens stop working, and the client must
// sign in again.
func (s *Server) RevokeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.grants {
		g.revoked = true
	}
}
