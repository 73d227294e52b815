package main

import (
	"cmp"
	"fmt"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcpbridge/mcpbridge/internal/netrule"
	"github.com/mcpbridge/mcpbridge/oauthflow"
	"github.com/mcpbridge/mcpbridge/tokencache"
)

// authOptions are the sign-in flags, with mcp-remote's names and meaning.
type authOptions struct {
	tokenStore      string
	host            string
	callbackPath    string
	staticInfo      string
	staticMetadata  string
	metadataURL     string
	clientCreds     bool
	deviceCode      bool
	useIDToken      bool
	dpop            bool
	successURL      string
	tokenEndpoint   string
	resource        string
	disableResource bool
	authorizeParams []string
	authTimeout     int
}

func (a *authOptions) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&a.tokenStore, "token-store", "auto", "where tokens live: auto (the OS keychain, else files), keychain or file")
	f.StringVar(&a.host, "host", oauthflow.DefaultCallbackHost, "host name in the OAuth redirect URI: localhost or a loopback address (the callback listens on every loopback address it names)")
	f.StringVar(&a.callbackPath, "callback-path", oauthflow.DefaultCallbackPath, "path of the OAuth redirect URI")
	f.StringVar(&a.staticInfo, "static-oauth-client-info", "", "a client registered by hand: JSON or @file with client_id (and client_secret); ${VAR} is filled")
	f.StringVar(&a.staticMetadata, "static-oauth-client-metadata", "", "JSON or @file merged into dynamic client registration; ${VAR} is filled")
	f.StringVar(&a.metadataURL, "client-metadata-url", "", "https URL of a Client ID Metadata Document, used as client_id where the authorization server supports it")
	f.BoolVar(&a.useIDToken, "use-id-token", false, "send the OpenID Connect id token instead of the access token")
	f.BoolVar(&a.dpop, "dpop", false, "bind tokens to a key kept beside them (DPoP, RFC 9449) even where the authorization server does not advertise it")
	f.StringVar(&a.successURL, "auth-success-url", "", "page the browser goes to after a successful sign-in")
	f.BoolVar(&a.deviceCode, "device-code", false, "sign in with the OAuth device grant: open a URL on any device and enter a code (for machines without a browser)")
	f.BoolVar(&a.clientCreds, "client-credentials", false, "machine-to-machine: the OAuth client credentials grant with the client in --static-oauth-client-info (secret or private_key_jwt); no browser")
	f.StringVar(&a.tokenEndpoint, "token-endpoint", "", "with --client-credentials: the token endpoint, skipping discovery (https, or http to this machine)")
	f.StringVar(&a.resource, "resource", "", "RFC 8707 resource to ask tokens for (default: the server URL)")
	f.BoolVar(&a.disableResource, "disable-resource-parameter", false, "send no resource parameter (for authorization servers that refuse it)")
	f.StringArrayVar(&a.authorizeParams, "authorize-param", nil, "extra parameter k=v for the authorization URL (repeatable)")
	f.IntVar(&a.authTimeout, "auth-timeout", int(oauthflow.DefaultAuthTimeout/time.Second), "seconds to wait for the browser sign-in")
}

// signInFlow builds the OAuth sign-in to the server at r from the auth
// flags, for the bridge, login, logout and import-mcp-remote alike, and
// without a bridge.Config. Nothing is opened or read until a request needs
// it. With the user's own Authorization header there is nothing to sign
// in to (their credentials win, as in mcp-remote): nil, nil.
func (o *options) signInFlow(r remote, log *slog.Logger) (*oauthflow.Flow, error) {
	if r.header.Get("Authorization") != "" {
		return nil, nil
	}
	cfg, err := o.auth.config(o, r, log)
	if err != nil {
		return nil, err
	}
	return oauthflow.New(cfg)
}

// storeOptions are the token store's settings: --token-store, in dir.
func (a *authOptions) storeOptions(dir string, notify func(string)) (tokencache.Options, error) {
	mode, err := tokencache.ParseMode(cmp.Or(a.tokenStore, "auto"))
	if err != nil {
		return tokencache.Options{}, usageError{err}
	}
	return tokencache.Options{Dir: dir, Mode: mode, Notice: notify}, nil
}

// config is the sign-in's oauthflow.Config from the flags; the token store
// opens on first use (tokencache.OpenLazily).
func (a *authOptions) config(o *options, r remote, log *slog.Logger) (oauthflow.Config, error) {
	notify := func(msg string) { log.Info(msg) }
	so, err := a.storeOptions(o.configFolder(), notify)
	if err != nil {
		return oauthflow.Config{}, err
	}
	cfg := oauthflow.Config{
		Server: r.url, HTTP: r.client, Log: log, Notify: notify, Open: o.open,
		CallbackHost: a.host, CallbackPath: a.callbackPath,
		AuthTimeout: time.Duration(a.authTimeout) * time.Second,
		Resource:    a.resource, DisableResource: a.disableResource,
		ClientMetadataURL: a.metadataURL,
		ClientCredentials: a.clientCreds, TokenEndpoint: a.tokenEndpoint, DeviceCode: a.deviceCode,
		UseIDToken: a.useIDToken, SuccessURL: a.successURL, DPoP: a.dpop,
	}
	if err := a.checkGrant(); err != nil {
		return oauthflow.Config{}, err
	}
	if cfg.Store, err = tokencache.OpenLazily(so); err != nil {
		return oauthflow.Config{}, err
	}
	if o.callbackPort != 0 {
		cfg.CallbackPorts = []int{o.callbackPort}
	}
	if a.staticInfo != "" {
		if cfg.StaticClient, err = oauthflow.ReadJSONArg(a.staticInfo); err != nil {
			return oauthflow.Config{}, usageError{fmt.Errorf("--static-oauth-client-info: %w", err)}
		}
	}
	if a.staticMetadata != "" {
		if cfg.ClientMetadata, err = oauthflow.ReadJSONArg(a.staticMetadata); err != nil {
			return oauthflow.Config{}, usageError{fmt.Errorf("--static-oauth-client-metadata: %w", err)}
		}
	}
	cfg.Identity = oauthflow.Identity(r.header, cfg)
	if cfg.AuthorizeParams, err = oauthflow.ParseAuthorizeParams(a.authorizeParams); err != nil {
		return oauthflow.Config{}, usageError{fmt.Errorf("--authorize-param %w", err)}
	}
	return cfg, nil
}

// checkGrant refuses, at start, grant flags that cannot work together.
func (a *authOptions) checkGrant() error {
	if a.tokenEndpoint != "" {
		// The same rule oauthflow holds the endpoint to when it sends the
		// client's secret there: refused here, at start, instead.
		if _, err := netrule.Check("--token-endpoint", a.tokenEndpoint); !a.clientCreds || err != nil {
			return usageError{fmt.Errorf("--token-endpoint takes an https URL (or http to this machine) and goes with --client-credentials")}
		}
	}
	if a.clientCreds && a.staticInfo == "" {
		return usageError{fmt.Errorf("--client-credentials needs the client in --static-oauth-client-info")}
	}
	return nil
}
