package fakeas

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/netrule"
)

// Options shape a Server. The zero value is an honest, spec-following
// authorization server: RFC 8414 metadata, dynamic registration, S256
// PKCE, iss in authorization responses, refresh tokens that do not rotate.
// Boolean quirks are named so that false is the well-behaved default.
type Options struct {
	// IssuerPath is appended to the server's origin to make the issuer
	// (e.g. "/tenant1"); the well-known URIs then use path insertion
	// (RFC 8414 §3.1) and the endpoints live under it.
	IssuerPath string

	// Clients are pre-registered clients (MCP client registration
	// §Pre-registration).
	Clients []Client

	// ScopesSupported is advertised in the metadata. nil: mcp:read,
	// mcp:write and offline_access.
	ScopesSupported []string
	// DefaultScopes are granted when an authorization request names none
	// (RFC 6749 §3.3).
	DefaultScopes []string
	// StrictScopes refuses, with invalid_scope, scopes that are not in
	// ScopesSupported. Otherwise any requested scope is granted.
	StrictScopes bool
	// ExtraScopes are granted on top of what each authorization request
	// asks for: a server that grants more than asked (RFC 6749 §3.3 lets
	// it, and says so in the token response's scope).
	ExtraScopes []string

	// CodeChallengeMethods is advertised as
	// code_challenge_methods_supported. nil: ["S256"]; an empty non-nil
	// slice leaves the field out (a server a client must refuse). The
	// authorization endpoint requires S256 whatever this says.
	CodeChallengeMethods []string

	// NoRegistration leaves registration_endpoint out of the metadata and
	// answers 404 at /register.
	NoRegistration bool
	// OpenIDConfiguration serves the metadata at the OpenID Connect
	// discovery URIs too (path insertion and path appending).
	OpenIDConfiguration bool
	// OIDCOnly serves the metadata only at the OpenID Connect URIs: the
	// RFC 8414 well-known URI answers 404.
	OIDCOnly bool
	// WrongIssuer, when set, is the issuer the metadata documents claim
	// (a client MUST refuse them, RFC 8414 §3.3).
	WrongIssuer string
	// CIMD advertises client_id_metadata_document_supported and accepts
	// https URLs as client_id (draft-ietf-oauth-client-id-metadata-document).
	CIMD bool
	// CIMDHTTPClient, when set, fetches client ID metadata documents and
	// checks them (client_id identical to the URL, redirect_uris, public
	// client). nil: the document is not fetched and any loopback
	// redirect_uri is accepted for an https client_id.
	CIMDHTTPClient *http.Client

	// HideIssSupport leaves authorization_response_iss_parameter_supported
	// out of the metadata (RFC 9207 §3).
	HideIssSupport bool
	// OmitIss sends authorization responses without iss.
	OmitIss bool
	// WrongIss, when set, is sent as iss instead of the issuer (a mix-up;
	// the client must refuse the response, RFC 9207 §2.4).
	WrongIss string
	// AuthorizeError, when set (e.g. "access_denied"), is the error every
	// authorization request that passes client checks is answered with,
	// by redirect (RFC 6749 §4.1.2.1).
	AuthorizeError string
	// LoopbackAnyPort lets a loopback redirect_uri differ from the
	// registered one in its port (RFC 8252 §7.3, OAuth 2.1 §8.4.2).
	// Otherwise redirect URIs are compared as strings.
	LoopbackAnyPort bool
	// StrictApplicationType applies OpenID Connect registration rules:
	// application_type defaults to "web", and web clients may not use
	// http or localhost redirect URIs (invalid_redirect_uri).
	StrictApplicationType bool
	// ForceAuthMethod, when set, is the token_endpoint_auth_method the
	// server registers whatever the client asked for (RFC 7591 §3.2.1
	// lets a server replace requested values).
	ForceAuthMethod string

	// RejectResource refuses requests that carry a resource parameter
	// with invalid_target, as Microsoft Entra ID does.
	RejectResource bool
	// RequireResource refuses requests (authorization and token, refresh
	// included) without a resource parameter with invalid_target.
	RequireResource bool
	// Resources, when set, are the only resources tokens are issued for
	// (others: invalid_target, RFC 8707 §2).
	Resources []string

	// AccessTokenTTL is the access token lifetime. 0: one hour.
	AccessTokenTTL time.Duration
	// NoExpiresIn leaves expires_in out of token responses.
	NoExpiresIn bool
	// CodeTTL is the authorization code lifetime. 0: one minute.
	CodeTTL time.Duration
	// NoRefreshTokens never issues refresh tokens.
	NoRefreshTokens bool
	// RefreshNeedsOfflineAccess issues a refresh token only when the
	// granted scope includes offline_access.
	RefreshNeedsOfflineAccess bool
	// RefreshNeedsGrantType issues a refresh token only to clients whose
	// grant_types include refresh_token, and refuses the refresh grant
	// (unauthorized_client) to the others.
	RefreshNeedsGrantType bool
	// RotateRefreshTokens makes refresh tokens single use: each refresh
	// returns a new one, and presenting a used one revokes the whole
	// grant and answers invalid_grant (OAuth 2.1 §4.3.1). Without it a
	// refresh answers no refresh_token and the old one stays valid.
	RotateRefreshTokens bool
	// RefreshTokenTTL is the refresh token lifetime. 0: no expiry.
	RefreshTokenTTL time.Duration

	// Now is the clock (it is called with the server's lock held: it must
	// not call the Server). nil: time.Now.
	Now func() time.Time
}

// Client is a client the server knows.
type Client struct {
	ID     string
	Secret string // "" for a public client
	// AuthMethod is the token_endpoint_auth_method: "none",
	// "client_secret_post" or "client_secret_basic". "": "none" without
	// a Secret, "client_secret_basic" with one.
	AuthMethod string
	// RedirectURIs are compared exactly (see Options.LoopbackAnyPort).
	// Empty for a pre-registered client: any loopback http URI.
	RedirectURIs []string
	// GrantTypes: empty means authorization_code and refresh_token for a
	// pre-registered client.
	GrantTypes []string
	// Metadata is the client metadata as registered (RFC 7591 §3.2.1).
	Metadata map[string]any
	// CIMD marks a client known by its client ID metadata document URL.
	CIMD bool
}

// Server is a running fake authorization server.
type Server struct {
	ts     *httptest.Server
	issuer string
	path   string // IssuerPath, without a trailing slash

	mu      sync.Mutex
	opts    Options
	clients map[string]*Client
	codes   map[string]*authCode
	access  map[string]*accessToken
	refresh map[string]*refreshToken
	grants  []*grant
	log     logs
}

// New starts a server on 127.0.0.1. Close it when done (t.Cleanup).
func New(opts Options) *Server {
	s := &Server{
		clients: map[string]*Client{},
		codes:   map[string]*authCode{},
		access:  map[string]*accessToken{},
		refresh: map[string]*refreshToken{},
	}
	s.path = strings.TrimSuffix(opts.IssuerPath, "/")
	if s.path != "" && !strings.HasPrefix(s.path, "/") {
		s.path = "/" + s.path
	}
	s.opts = withDefaults(opts)
	for _, c := range opts.Clients {
		if c.AuthMethod == "" {
			c.AuthMethod = "none"
			if c.Secret != "" {
				c.AuthMethod = "client_secret_basic"
			}
		}
		if len(c.GrantTypes) == 0 {
			c.GrantTypes = []string{"authorization_code", "refresh_token"}
		}
		s.clients[c.ID] = &c
	}
	s.ts = httptest.NewServer(http.HandlerFunc(s.serve))
	s.issuer = s.ts.URL + s.path
	return s
}

func withDefaults(o Options) Options {
	if o.ScopesSupported == nil {
		o.ScopesSupported = []string{"mcp:read", "mcp:write", "offline_access"}
	}
	if o.CodeChallengeMethods == nil {
		o.CodeChallengeMethods = []string{"S256"}
	}
	if o.AccessTokenTTL == 0 {
		o.AccessTokenTTL = time.Hour
	}
	if o.CodeTTL == 0 {
		o.CodeTTL = time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.OIDCOnly {
		o.OpenIDConfiguration = true
	}
	return o
}

// Configure changes the options of a running server, e.g. to make it
// start refusing the resource parameter mid-test. f sees the options in
// effect, defaults filled in. IssuerPath and Clients cannot change.
func (s *Server) Configure(f func(*Options)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.opts
	f(&o)
	o.IssuerPath, o.Clients = s.opts.IssuerPath, s.opts.Clients
	s.opts = withDefaults(o)
}

// Close shuts the server down.
func (s *Server) Close() { s.ts.Close() }

// URL is the issuer identifier: http://127.0.0.1:port plus IssuerPath.
func (s *Server) URL() string { return s.issuer }

// Origin is scheme://host:port, without IssuerPath.
func (s *Server) Origin() string { return s.ts.URL }

// MetadataURL is the RFC 8414 well-known URI of the metadata (with path
// insertion when the issuer has a path).
func (s *Server) MetadataURL() string {
	return s.ts.URL + "/.well-known/oauth-authorization-server" + s.path
}

// OpenIDConfigurationURLs are the OpenID Connect discovery URIs served
// when Options.OpenIDConfiguration is set: path insertion, then (for an
// issuer with a path) path appending.
func (s *Server) OpenIDConfigurationURLs() []string {
	u := []string{s.ts.URL + "/.well-known/openid-configuration" + s.path}
	if s.path != "" {
		u = append(u, s.issuer+"/.well-known/openid-configuration")
	}
	return u
}

// AuthorizeURL is the authorization endpoint.
func (s *Server) AuthorizeURL() string { return s.issuer + "/authorize" }

// TokenURL is the token endpoint.
func (s *Server) TokenURL() string { return s.issuer + "/token" }

// RegisterURL is the registration endpoint (served unless
// Options.NoRegistration).
func (s *Server) RegisterURL() string { return s.issuer + "/register" }

// RevokeURL is the revocation endpoint (RFC 7009).
func (s *Server) RevokeURL() string { return s.issuer + "/revoke" }

// Client returns a registered (or pre-registered, or CIMD) client.
func (s *Server) Client(id string) (Client, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	if !ok {
		return Client{}, false
	}
	cl := *c
	cl.RedirectURIs, cl.GrantTypes, cl.Metadata = slices.Clone(c.RedirectURIs), slices.Clone(c.GrantTypes), maps.Clone(c.Metadata)
	return cl, true
}

func (s *Server) now() time.Time { return s.opts.Now() }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.log.requests = append(s.log.requests, r.Method+" "+r.URL.Path)
	opts := s.opts
	s.mu.Unlock()

	p := r.URL.Path
	switch {
	case p == "/.well-known/oauth-authorization-server"+s.path && !opts.OIDCOnly:
		s.serveMetadata(w, r, false)
	case opts.OpenIDConfiguration && slices.Contains(s.oidcPaths(), p):
		s.serveMetadata(w, r, true)
	case p == s.path+"/jwks" && opts.OpenIDConfiguration:
		writeJSON(w, http.StatusOK, map[string]any{"keys": []any{}})
	case p == s.path+"/authorize":
		s.authorize(w, r)
	case p == s.path+"/token":
		s.token(w, r)
	case p == s.path+"/register" && !opts.NoRegistration:
		s.register(w, r)
	case p == s.path+"/revoke":
		s.revoke(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) oidcPaths() []string {
	p := []string{"/.well-known/openid-configuration" + s.path}
	if s.path != "" {
		p = append(p, s.path+"/.well-known/openid-configuration")
	}
	return p
}

// Metadata returns the authorization server metadata document as served
// (RFC 8414 §2).
func (s *Server) Metadata() map[string]any {
	s.mu.Lock()
	o := s.opts
	s.mu.Unlock()
	return s.metadata(o, false)
}

func (s *Server) metadata(o Options, oidc bool) map[string]any {
	authMethods := []string{"none", "client_secret_post", "client_secret_basic"}
	m := map[string]any{
		"issuer":                                     s.issuer,
		"authorization_endpoint":                     s.AuthorizeURL(),
		"token_endpoint":                             s.TokenURL(),
		"revocation_endpoint":                        s.RevokeURL(),
		"scopes_supported":                           o.ScopesSupported,
		"response_types_supported":                   []string{"code"},
		"response_modes_supported":                   []string{"query"},
		"grant_types_supported":                      []string{"authorization_code", "refresh_token"},
		"token_endpoint_auth_methods_supported":      authMethods,
		"revocation_endpoint_auth_methods_supported": authMethods,
	}
	if o.WrongIssuer != "" {
		m["issuer"] = o.WrongIssuer
	}
	if !o.NoRegistration {
		m["registration_endpoint"] = s.RegisterURL()
	}
	if len(o.CodeChallengeMethods) > 0 {
		m["code_challenge_methods_supported"] = o.CodeChallengeMethods
	}
	if !o.HideIssSupport {
		m["authorization_response_iss_parameter_supported"] = true
	}
	if o.CIMD {
		m["client_id_metadata_document_supported"] = true
	}
	if oidc { // fields OpenID Connect Discovery §3 requires
		m["jwks_uri"] = s.issuer + "/jwks"
		m["subject_types_supported"] = []string{"public"}
		m["id_token_signing_alg_values_supported"] = []string{"RS256"}
	}
	return m
}

func (s *Server) serveMetadata(w http.ResponseWriter, r *http.Request, oidc bool) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	s.mu.Lock()
	o := s.opts
	s.log.metadataServed++
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, s.metadata(o, oidc))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// oauthError is an error response body (RFC 6749 §5.2, RFC 7591 §3.2.2).
type oauthError struct {
	Code        string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

func (e *oauthError) Error() string { return e.Code + ": " + e.Description }

func errorf(code, desc string) *oauthError { return &oauthError{Code: code, Description: desc} }

// checkRedirectURI accepts an absolute URI without fragment that is
// loopback http or https (RFC 7591 §2, RFC 8252 §7.3, OAuth 2.1 §2.3.1).
func checkRedirectURI(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return errorf("invalid_redirect_uri", "not a URI: "+raw)
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return errorf("invalid_redirect_uri", "a redirect URI must not have a fragment: "+raw)
	case u.Scheme == "https" && u.Host != "":
		return nil
	case u.Scheme == "http" && netrule.IsLoopback(u.Hostname()):
		return nil
	}
	return errorf("invalid_redirect_uri", "redirect URIs must be https or loopback http: "+raw)
}
