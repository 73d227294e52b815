package oauthflow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/netrule"
)

// The defaults New fills in for settings left zero.
const (
	DefaultCallbackHost       = "localhost"
	DefaultCallbackPath       = "/oauth/callback"
	DefaultAuthTimeout        = 5 * time.Minute
	DefaultDevicePollInterval = 5 * time.Second // RFC 8628 §3.2
)

// Config is what a Flow needs. Server, HTTP and Store are required.
type Config struct {
	Server *url.URL     // the MCP endpoint
	HTTP   *http.Client // for the authorization server (same proxy and CA settings)
	// Store keeps the credentials (store.go). A Flow asks it only
	// Stored until something is to be read or written: give a store that
	// opens on first use (tokencache.OpenLazily) and a bridge that never
	// signs in never wakes a keychain.
	Store  Store
	Log    *slog.Logger         // nil discards
	Notify func(msg string)     // a sentence for the user on stderr (the URL to open); nil: Log
	Open   func(u string) error // opens the browser; nil: OpenBrowser
	// Paste, when set, reads the address the browser was redirected to,
	// pasted by the user (sign-in over SSH); the loopback callback still
	// listens, and whichever answers first counts.
	Paste func(ctx context.Context) (string, error)

	CallbackHost  string        // redirect URI host, a loopback name or address; default DefaultCallbackHost
	CallbackPorts []int         // default DefaultCallbackPorts(Server)
	CallbackPath  string        // default DefaultCallbackPath
	AuthTimeout   time.Duration // how long a sign-in may take; default DefaultAuthTimeout

	Resource        string     // RFC 8707 resource; default the server's canonical URI
	DisableResource bool       // send no resource (for servers that refuse it)
	AuthorizeParams url.Values // extra authorization request parameters
	// AuthServerMetadataURL, when set, is where the authorization server's
	// metadata is read instead of discovering it (asmetadata.go): https, or
	// http to this machine.
	AuthServerMetadataURL string
	// Scopes, when set, are exactly the scopes asked for (--scope); a
	// step-up adds what the server demands, and says so (scope.go).
	Scopes []string

	StaticClient      map[string]any // --static-oauth-client-info
	ClientMetadataURL string         // --client-metadata-url: an https URL used as client_id
	// ClientCredentials uses the client credentials grant instead of the
	// browser (machine-to-machine); TokenEndpoint, when set, skips discovery.
	ClientCredentials bool
	TokenEndpoint     string
	// DeviceCode signs in with the device grant (RFC 8628) instead of a
	// browser on this machine.
	DeviceCode bool
	// DevicePollInterval is the device grant's polling step: the wait
	// between token requests when the authorization server names no
	// interval, and the least wait when it names a shorter one (RFC 8628
	// §3.2: 5 s); each slow_down answer adds as much again (§3.5: 5 s).
	// Default DefaultDevicePollInterval.
	DevicePollInterval time.Duration
	// UseIDToken presents the OpenID Connect id token instead of the
	// access token (servers that check identity against an OIDC JWKS, such
	// as AWS Cognito in front of Bedrock AgentCore).
	UseIDToken bool
	// SuccessURL, when set, is where the browser goes after a sign-in.
	SuccessURL string
	// DPoP binds the tokens to a key pair (RFC 9449, dpop.go) even when
	// the authorization server does not advertise it; without it, DPoP is
	// used when the server does.
	DPoP bool
	// Workload signs in as a workload with the JWT its platform issued it
	// (RFC 7523 §2.1 jwt-bearer, SEP-1933; jwtbearer.go), read from this
	// token source (assertion.go: file:PATH, env:NAME, command:CMD) at
	// every token request.
	Workload string
	// IdPIssuer signs in through the enterprise identity provider with
	// this issuer (enterprise-managed authorization, enterprise.go), as
	// the client IdPClient names (client_id, client_secret, redirect_uris);
	// IdPIDToken, a token source, supplies the id token instead of the
	// browser sign-in at the provider.
	IdPIssuer  string
	IdPClient  map[string]any
	IdPIDToken string

	ClientMetadata map[string]any // --static-oauth-client-metadata, merged into registration
	// Identity holds whatever else changes which token is valid (headers
	// that identify the user, the client, the scope), in a stable order;
	// the store folds it into the tokens' name (tokencache.TokensName).
	Identity []string
	// Recorder, when set, keeps the grant ledger (grants.go): every
	// sign-in, refresh, step-up, refusal, logout and forgetting. Nil
	// records nothing.
	Recorder Recorder
	// Account names one of several sign-ins to the same server (--account:
	// work and personal, tenants): its tokens, registrations and ledger
	// events are kept apart from the others' (account.go). "" is the
	// default account.
	Account string

	// Now is the clock that stamps tokens when issued and tells when they
	// expire (the refresh margin, the notices of lifetime.go) and when
	// sign-ins started (ratelimit.go): tests advance it instead of
	// waiting. The JWT assertions of private_key_jwt carry the wall clock,
	// as the authorization server checks them against its own. Default
	// time.Now.
	Now func() time.Time
}

// withDefaults checks c and fills in what was left zero: the one place
// settings are validated.
func (c Config) withDefaults() (Config, error) {
	if c.Server == nil || c.HTTP == nil || c.Store == nil {
		return c, errors.New("oauthflow: Server, HTTP and Store are required")
	}
	if c.Account != "" {
		if err := checkAccount(c.Account); err != nil {
			return c, fmt.Errorf("oauthflow: %w", err)
		}
		c.Store = accountStore{Store: c.Store, account: c.Account}
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Notify == nil {
		log := c.Log
		c.Notify = func(msg string) { log.Info(msg) }
	}
	if c.Open == nil {
		c.Open = OpenBrowser
	}
	if c.CallbackHost == "" {
		c.CallbackHost = DefaultCallbackHost
	}
	if _, err := loopbackAddrs(c.CallbackHost); err != nil {
		return c, fmt.Errorf("oauthflow: %w", err) // refused at start, not at the first sign-in
	}
	if c.AuthServerMetadataURL != "" {
		if _, err := netrule.Check("--auth-server-metadata-url", c.AuthServerMetadataURL); err != nil {
			return c, fmt.Errorf("oauthflow: %w", err)
		}
	}
	if c.CallbackPath == "" {
		c.CallbackPath = DefaultCallbackPath
	}
	if len(c.CallbackPorts) == 0 {
		c.CallbackPorts = DefaultCallbackPorts(c.Server.String())
	}
	if c.AuthTimeout <= 0 {
		c.AuthTimeout = DefaultAuthTimeout
	}
	if c.DevicePollInterval <= 0 {
		c.DevicePollInterval = DefaultDevicePollInterval
	}
	if c.Resource == "" {
		c.Resource = CanonicalResource(c.Server)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c, c.checkGrants()
}

// checkGrants refuses, at start, sign-in settings that cannot work
// together or cannot work at all.
func (c Config) checkGrants() error {
	n := 0
	for _, on := range []bool{c.ClientCredentials, c.DeviceCode, c.Workload != "", c.IdPIssuer != ""} {
		if on {
			n++
		}
	}
	if n > 1 {
		return errors.New("choose one of --client-credentials, --device-code, --workload-identity and --idp-issuer")
	}
	if c.TokenEndpoint != "" {
		// The rule the endpoint is held to when the client's secret goes
		// there (sendTo): refused at start instead.
		if _, err := netrule.CheckString("--token-endpoint", c.TokenEndpoint); !c.ClientCredentials || err != nil {
			return errors.New("--token-endpoint takes an https URL (or http to this machine) and goes with --client-credentials")
		}
	}
	if c.ClientCredentials && c.StaticClient == nil {
		return errors.New("--client-credentials needs the client in --static-oauth-client-info")
	}
	if c.Workload != "" {
		if err := checkSource("--workload-identity", c.Workload); err != nil {
			return err
		}
	}
	if c.IdPIssuer == "" {
		if c.IdPIDToken != "" || c.IdPClient != nil {
			return errors.New("--idp-id-token and --idp-client-info go with --idp-issuer")
		}
		return nil
	}
	if _, err := netrule.CheckString("--idp-issuer", c.IdPIssuer); err != nil {
		return err
	}
	if id, _ := c.IdPClient["client_id"].(string); id == "" {
		return errors.New("--idp-issuer needs the client registered at the identity provider: --idp-client-info with its client_id")
	}
	if c.IdPIDToken != "" {
		return checkSource("--idp-id-token", c.IdPIDToken)
	}
	return nil
}
