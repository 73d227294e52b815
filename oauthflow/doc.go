// Package oauthflow is mcpbridge's OAuth client for MCP servers, following
// the MCP authorization specification
// (https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization).
//
// It owns discovery — the WWW-Authenticate challenge (RFC 6750 §3, RFC 9728
// §5.1), protected resource metadata (RFC 9728) and authorization server
// metadata (RFC 8414, OpenID Connect Discovery) in the spec's order, with
// the checks that keep a client from being sent elsewhere — and, as they
// land, client registration, the loopback PKCE browser flow, refresh and
// step-up. It stores nothing itself: credentials go to a tokencache.Store.
package oauthflow
