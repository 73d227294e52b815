// Package fakeas is an OAuth 2.1 authorization server for tests: honest
// (it follows the MCP authorization specification and RFCs 6749, 6750,
// 7009, 7591, 7636, 8414, 8707, 9207 and 9728 and refuses what a real
// server refuses: a wrong code_verifier, a reused code, another
// redirect_uri, a challenge that is not S256, a reused rotated refresh
// token) and configurable with the quirks of servers met in the wild
// (no registration endpoint, OpenID-only discovery, a wrong issuer, no or a
// wrong iss, Entra's refusal of the resource parameter, refresh tokens only
// with offline_access).
//
// It auto-approves: GET /authorize redirects at once to the client's
// redirect_uri with a code, so Browse (or FollowRedirects) plays the
// user's browser and a test completes a sign-in with no person and no
// real browser. It records what clients sent (registrations, authorization
// and token requests, the resource and scope of each refresh, revocations)
// so tests can assert on it, and it guards a test MCP server: Validate
// checks a bearer token, Protect answers 401 and 403 with the RFC 9728 and
// RFC 6750 challenges, ProtectedResourceMetadata serves RFC 9728 metadata
// naming this server.
//
// It is an ordinary package, not a _test one, so any package's tests can
// import it; only tests may. The product binary never links it (`mcpbridge
// demo --oauth` has its own authorization server in internal/demo), and
// internal/hygiene fails if ./cmd/mcpbridge comes to depend on it.
//
// Files: server.go (Server, its options and URLs), authorize.go (the
// authorization endpoint), token.go (the token endpoint and its grants),
// register.go (dynamic client registration), resource.go (the protected
// test MCP server), browser.go (Browse, the user's browser played), logs.go
// (what clients sent, for assertions).
package fakeas
