// Package oauthflow is mcpbridge's OAuth client for MCP servers, following
// the MCP authorization specification
// (https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization).
//
// It owns discovery — the WWW-Authenticate challenge (RFC 6750 §3, RFC 9728
// §5.1), protected resource metadata (RFC 9728) and authorization server
// metadata (RFC 8414, OpenID Connect Discovery) in the spec's order, with
// the checks that keep a client from being sent elsewhere — and, as they
// land, client registration, the loopback PKCE browser flow, refresh and
// step-up. It stores nothing itself: credentials go to the Config's Store,
// an interface of the five things a sign-in asks of storage —
//
//	Stored(name string) (bool, error) // from the index alone: wakes no keychain
//	Get(ctx, name) ([]byte, error)    // tokencache.ErrNotFound when none
//	Put(ctx, name, secret, tokencache.Meta) error
//	Delete(ctx, name) error
//	Lock(ctx, name) (unlock func(), err error) // cross-process
//
// which *tokencache.Store and *tokencache.Lazy (opened on first use) meet.
// The names are the store's: oauthflow hands tokencache.TokensName the
// server, resource and identity, and ClientName or DeviceClientName the
// issuer. It imports tokencache for that vocabulary alone (Meta,
// ErrNotFound, the names), nothing that opens or reads anything.
//
// Everything a server or its authorization server sends is hostile until
// checked: every URL passes internal/netrule by field before it is opened,
// printed or sent to (endpoints.go), every text from the network reaches
// errors and notices through internal/safetext, and the server URL is shown
// only through netrule.Redact (its query may hold an API key).
//
// Files:
//   - config.go: Config, its defaults and their one check (withDefaults)
//   - store.go: Store, what a Flow asks of the token store
//   - flow.go: Flow, Authorize/Refused/Login/Logout, the record kept
//   - login.go: the browser sign-in, authorization request, client choice
//   - ratelimit.go: the limit on sign-ins a server starts
//   - discovery.go: protected resource and authorization server metadata
//   - asmetadata.go: authorization server metadata from a URL the user
//     names (--auth-server-metadata-url)
//   - endpoints.go: the network rule for endpoints and redirects
//   - challenge.go: WWW-Authenticate parsing
//   - loopback.go: the callback server; loopback_bind.go (and the
//     per-OS loopback_*.go): binding every loopback address of the host
//   - browser.go: the opener, and the command line per OS
//   - client.go: static clients and dynamic registration (RFC 7591), and
//     the JSON-or-@file flag values that give clients (ReadClientArgs)
//   - token.go: token requests, client authentication, error answers
//   - refresh.go, revoke.go: refresh (RFC 6749 §6), revocation (RFC 7009)
//   - lifetime.go: what the user is told of a sign-in that cannot be
//     renewed (no refresh token): when it ends, and why the browser opens
//   - forget.go: signing out of every server (revoke, then delete),
//     ForgetAllIn recording it in the grant ledger beside the store
//   - identity.go: what besides the server names a token (Config.Identity),
//     and the extra authorization parameters
//   - device.go: the device grant (RFC 8628)
//   - credentials.go: the client credentials grant, private_key_jwt
//   - dpop.go: DPoP (RFC 9449): the key beside the tokens, proofs on token
//     and MCP requests, the servers' nonces; jws.go: the JWS signing it uses
//   - jwtbearer.go: the jwt-bearer grant (RFC 7523 §2.1) and workload
//     identity; assertion.go: the token sources (file:, env:, command:)
//   - enterprise.go: enterprise-managed authorization: the identity
//     provider's sign-in, kept apart, and its ID-JAG (RFC 8693)
//   - scope.go: --scope (exactly the scopes named) and the line that says,
//     before the browser opens, what is asked of whom
//   - account.go: --account, each account's credentials kept apart
//   - grants.go: the grant ledger's Recorder and the events the flow
//     records (internal/ledger writes them); StoreIn, a token store and
//     the ledger beside it
//   - adopt.go: taking over a sign-in another client made (internal/mcpremote
//     reads mcp-remote's files into one)
package oauthflow
