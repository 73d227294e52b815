package oauthflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/mcpbridge/mcpbridge/internal/netrule"
	"github.com/mcpbridge/mcpbridge/internal/safetext"
)

// ProtectedResource is an MCP server's protected resource metadata
// (RFC 9728 §2).
type ProtectedResource struct {
	Resource               string   `json:"resource"`
	AuthorizationServers   []string `json:"authorization_servers"`
	ScopesSupported        []string `json:"scopes_supported,omitempty"`
	BearerMethodsSupported []string `json:"bearer_methods_supported,omitempty"`
	ResourceName           string   `json:"resource_name,omitempty"`
}

// AuthServer is authorization server metadata (RFC 8414 §2, and the OpenID
// Connect Discovery fields MCP uses).
type AuthServer struct {
	Issuer                                     string   `json:"issuer"`
	AuthorizationEndpoint                      string   `json:"authorization_endpoint"`
	TokenEndpoint                              string   `json:"token_endpoint"`
	RegistrationEndpoint                       string   `json:"registration_endpoint,omitempty"`
	RevocationEndpoint                         string   `json:"revocation_endpoint,omitempty"`
	DeviceAuthorizationEndpoint                string   `json:"device_authorization_endpoint,omitempty"`
	ScopesSupported                            []string `json:"scopes_supported,omitempty"`
	ResponseTypesSupported                     []string `json:"response_types_supported,omitempty"`
	GrantTypesSupported                        []string `json:"grant_types_supported,omitempty"`
	CodeChallengeMethodsSupported              []string `json:"code_challenge_methods_supported,omitempty"`
	TokenEndpointAuthMethodsSupported          []string `json:"token_endpoint_auth_methods_supported,omitempty"`
	ClientIDMetadataDocumentSupported          bool     `json:"client_id_metadata_document_supported,omitempty"`
	AuthorizationResponseIssParameterSupported bool     `json:"authorization_response_iss_parameter_supported,omitempty"`
	DPoPSigningAlgValuesSupported              []string `json:"dpop_signing_alg_values_supported,omitempty"` // RFC 9449 §5.1
}

// Errors a caller (or a test) may branch on.
var (
	ErrNoMetadata       = errors.New("no metadata document found")
	ErrIssuerMismatch   = errors.New("the metadata names another issuer")
	ErrResourceMismatch = errors.New("the protected resource metadata names another resource")
	ErrNoPKCE           = errors.New("the authorization server does not offer PKCE with S256")
)

// Discoverer fetches metadata documents.
type Discoverer struct {
	// HTTP carries the requests; nil means http.DefaultClient.
	HTTP *http.Client
}

// maxDocument bounds a metadata document.
const maxDocument = 1 << 20

// ResourceMetadataURLs lists where to look for the server's protected
// resource metadata, in the order of the MCP spec (authorization server
// discovery §Protected Resource Metadata Discovery Requirements): the URL
// from the WWW-Authenticate challenge, then the well-known URI with the
// endpoint's path inserted, then the well-known URI at the root.
func ResourceMetadataURLs(server *url.URL, fromChallenge string) []string {
	var out []string
	if fromChallenge != "" {
		out = append(out, fromChallenge)
	}
	root := &url.URL{Scheme: server.Scheme, Host: server.Host, Path: "/.well-known/oauth-protected-resource"}
	if p := strings.TrimSuffix(server.EscapedPath(), "/"); p != "" {
		withPath := *root
		withPath.Path += p
		out = append(out, withPath.String())
	}
	return append(out, root.String())
}

// Resource finds and validates the server's protected resource metadata,
// trying each URL of ResourceMetadataURLs until one gives a document.
func (d *Discoverer) Resource(ctx context.Context, server *url.URL, fromChallenge string) (*ProtectedResource, error) {
	if fromChallenge != "" {
		checked, err := netrule.CheckString("resource_metadata", fromChallenge) // RFC 9728 §5.1
		if err != nil {
			return nil, fmt.Errorf("the WWW-Authenticate challenge: %w", err)
		}
		fromChallenge = checked
	}
	var errs []error
	for _, u := range ResourceMetadataURLs(server, fromChallenge) {
		var prm ProtectedResource
		err := d.fetch(ctx, u, &prm)
		if err == nil {
			err = prm.check(server)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", u, err) // a wrong document is an attack, not a miss
			}
			return &prm, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", u, err))
	}
	return nil, fmt.Errorf("%w: %w", ErrNoMetadata, errors.Join(errs...))
}

// check applies RFC 9728 §3.3: the document must describe this server. The
// resource may be less specific than the endpoint (the spec's canonical URI
// may be the origin), but it must be the same origin and a prefix of the
// endpoint's path at a segment boundary.
func (p *ProtectedResource) check(server *url.URL) error {
	if len(p.AuthorizationServers) == 0 {
		return errors.New("the protected resource metadata lists no authorization server")
	}
	r, err := netrule.Check("resource", p.Resource)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrResourceMismatch, err)
	}
	p.Resource = r.String()
	if origin(r) != origin(server) {
		return fmt.Errorf("%w: %s is not %s", ErrResourceMismatch, safetext.EscapeN(p.Resource, 0), netrule.Redact(server))
	}
	rp, sp := strings.TrimSuffix(r.EscapedPath(), "/"), strings.TrimSuffix(server.EscapedPath(), "/")
	if rp != "" && rp != sp && !strings.HasPrefix(sp, rp+"/") {
		return fmt.Errorf("%w: %s does not cover %s", ErrResourceMismatch, safetext.EscapeN(p.Resource, 0), netrule.Redact(server))
	}
	for i, as := range p.AuthorizationServers { // each an issuer (RFC 9728 §2)
		checked, err := netrule.CheckString("authorization_servers", as)
		if err != nil {
			return fmt.Errorf("the protected resource metadata: %w", err)
		}
		p.AuthorizationServers[i] = checked
	}
	return nil
}

// origin is scheme://host:port in lower case with the default port spelled
// out, so https://EXAMPLE.com and https://example.com:443 compare equal
// (the spec asks to accept upper-case scheme and host).
func origin(u *url.URL) string {
	host, port := strings.ToLower(u.Hostname()), u.Port()
	scheme := strings.ToLower(u.Scheme)
	if port == "" {
		port = map[string]string{"https": "443", "http": "80"}[scheme]
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// AuthServerMetadataURLs lists where an issuer's metadata may be, in the
// spec's priority order (authorization server discovery §Authorization
// Server Metadata Discovery): for an issuer with a path, OAuth with path
// insertion, OpenID Connect with path insertion, OpenID Connect with the
// path appended; without a path, OAuth then OpenID Connect.
func AuthServerMetadataURLs(issuer string) ([]string, error) {
	u, err := url.Parse(issuer)
	if err != nil || u.Scheme == "" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%s is not an issuer identifier (RFC 8414 §2)", safetext.Escape(issuer))
	}
	base := u.Scheme + "://" + u.Host
	p := strings.TrimSuffix(u.EscapedPath(), "/")
	if p == "" {
		return []string{base + "/.well-known/oauth-authorization-server", base + "/.well-known/openid-configuration"}, nil
	}
	return []string{
		base + "/.well-known/oauth-authorization-server" + p,
		base + "/.well-known/openid-configuration" + p,
		base + p + "/.well-known/openid-configuration",
	}, nil
}

// AuthServer fetches the issuer's metadata, trying each URL in order, and
// refuses a document whose issuer is not identical to the one asked for
// (RFC 8414 §3.3, OpenID Connect Discovery §4.3): never weakened.
func (d *Discoverer) AuthServer(ctx context.Context, issuer string) (*AuthServer, error) {
	urls, err := AuthServerMetadataURLs(issuer)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, u := range urls {
		var as AuthServer
		if err := d.fetch(ctx, u, &as); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", u, err))
			continue
		}
		if as.Issuer != issuer {
			return nil, fmt.Errorf("%s: %w: %s, not %s", u, ErrIssuerMismatch, safetext.Escape(as.Issuer), safetext.Escape(issuer))
		}
		if err := as.checkEndpoints(); err != nil {
			return nil, fmt.Errorf("%s: %w", u, err)
		}
		return &as, nil
	}
	return nil, fmt.Errorf("%w for %s: %w", ErrNoMetadata, issuer, errors.Join(errs...))
}

// CheckPKCE refuses an authorization server that does not advertise S256
// (MCP authorization §Authorization Code Protection: clients MUST refuse to
// proceed when code_challenge_methods_supported is absent or lacks it).
func (a *AuthServer) CheckPKCE() error {
	if !slices.Contains(a.CodeChallengeMethodsSupported, "S256") {
		return fmt.Errorf("%w (code_challenge_methods_supported: %s)", ErrNoPKCE, safetext.Escape(fmt.Sprint(a.CodeChallengeMethodsSupported)))
	}
	return nil
}

// fetch GETs a JSON document into v. Metadata travels over HTTPS, or plain
// HTTP to this machine only.
func (d *Discoverer) fetch(ctx context.Context, target string, v any) error {
	u, err := netrule.Check("metadata URL", target)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := ruled(d.HTTP).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocument+1))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	if len(body) > maxDocument {
		return errors.New("document larger than 1 MiB")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("not a JSON metadata document: %w", err)
	}
	return nil
}

// LegacyAuthServer is discovery for servers of protocol 2025-03-26, which
// predate protected resource metadata: the authorization server is the MCP
// server's origin; its RFC 8414 metadata (issuer checked like any other),
// or when there is none the default endpoints /authorize, /token and
// /register (2025-03-26 authorization §2.3.3). PKCE S256 was mandatory for
// every client then, so it is assumed when there is no metadata to say.
func (d *Discoverer) LegacyAuthServer(ctx context.Context, server *url.URL) (*AuthServer, error) {
	issuer := server.Scheme + "://" + server.Host
	as, err := d.AuthServer(ctx, issuer)
	if err == nil || !errors.Is(err, ErrNoMetadata) {
		return as, err
	}
	return &AuthServer{
		Issuer:                        issuer,
		AuthorizationEndpoint:         issuer + "/authorize",
		TokenEndpoint:                 issuer + "/token",
		RegistrationEndpoint:          issuer + "/register",
		CodeChallengeMethodsSupported: []string{"S256"},
	}, nil
}
