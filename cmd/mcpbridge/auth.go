package main

import (
	"cmp"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcpbridge/mcpbridge/internal/cmdutil"
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
	scope           string
	asMetadataURL   string
	account         string
	authTimeout     int

	workload, idpIssuer, idpClient, idpIDToken string // the agent-identity grants
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
	f.StringVar(&a.workload, "workload-identity", "", "machine-to-machine: sign in with this workload's JWT (RFC 7523 jwt-bearer), read from file:PATH (again at every token request), env:NAME or command:CMD; no browser")
	f.StringVar(&a.idpIssuer, "idp-issuer", "", "enterprise-managed authorization: sign in through this identity provider, which issues an ID-JAG for each server (RFC 8693, then jwt-bearer)")
	f.StringVar(&a.idpClient, "idp-client-info", "", "with --idp-issuer: this client at the identity provider, JSON or @file with client_id (client_secret, redirect_uris); ${VAR} is filled")
	f.StringVar(&a.idpIDToken, "idp-id-token", "", "with --idp-issuer: the id token from file:PATH, env:NAME or command:CMD instead of the browser sign-in at the provider")
	f.StringVar(&a.resource, "resource", "", "RFC 8707 resource to ask tokens for (default: the server URL)")
	f.BoolVar(&a.disableResource, "disable-resource-parameter", false, "send no resource parameter (for authorization servers that refuse it)")
	f.StringVar(&a.scope, "scope", "", `ask for exactly these scopes, "a b" (a step-up may add what the server demands, and says so)`)
	f.StringVar(&a.asMetadataURL, "auth-server-metadata-url", "", "read the authorization server's metadata from this URL instead of discovering it (https, or http to this machine)")
	f.StringVar(&a.account, "account", "", "a name for this sign-in, to keep several apart on one server (work, personal): own tokens, registration and ledger")
	cmdutil.Repeatable(f, &a.authorizeParams, "authorize-param", "extra parameter k=v for the authorization URL (repeatable)")
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
	f, err := oauthflow.New(cfg)
	if err != nil {
		return nil, usageError{err} // settings that cannot work together
	}
	return f, nil
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
// opens on first use (oauthflow.StoreIn).
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
		Workload: a.workload, IdPIssuer: a.idpIssuer, IdPIDToken: a.idpIDToken,
		Scopes: strings.Fields(a.scope), AuthServerMetadataURL: a.asMetadataURL, Account: a.account,
	}
	if cfg.Store, cfg.Recorder, err = oauthflow.StoreIn(so); err != nil {
		return oauthflow.Config{}, err
	}
	if o.callbackPort != 0 {
		cfg.CallbackPorts = []int{o.callbackPort}
	}
	if err := oauthflow.ReadClientArgs(&cfg, a.staticInfo, a.staticMetadata, a.idpClient); err != nil {
		return oauthflow.Config{}, usageError{err}
	}
	cfg.Identity = oauthflow.Identity(r.header, cfg)
	if cfg.AuthorizeParams, err = oauthflow.ParseAuthorizeParams(a.authorizeParams); err != nil {
		return oauthflow.Config{}, usageError{fmt.Errorf("--authorize-param %w", err)}
	}
	return cfg, nil
}
