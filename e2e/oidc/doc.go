// Package oidc holds an end-to-end test of mcpbridge's browser sign-in
// against a real, independent authorization server: npm's oidc-provider
// (dynamic client registration, PKCE, RFC 8707 resource indicators, JWT
// access tokens and its real login and consent pages) protecting an MCP
// server built on the official Go SDK, with the login completed in headless
// Chromium driven by playwright-core.
//
// The test signs in once through Chromium, starts a second mcpbridge that
// reuses the stored tokens without a browser, and waits past the short
// access-token lifetime to prove the refresh (with the resource parameter).
// Then `mcpbridge grants --json` must show the sign-in and the refresh,
// and after `logout` the revocation, with no token the provider issued.
//
//	bash e2e/oidc/setup.sh && go test -count=1 ./e2e/oidc/
//
// Without the setup (node, /usr/bin/chromium and the npm packages in
// <repo>/.cache/npm-oidc) the test is skipped, or fails when CI=true.
package oidc
