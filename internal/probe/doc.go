// Package probe is the diagnosis behind `mcpbridge probe`: it checks, one
// step at a time, the way from this machine to an MCP server (the
// settings, DNS, TCP, TLS, the transport, the sign-in, the protocol era
// and a real session through the bridge) and reports each step's
// findings, and its error and a hint when it fails. The command parses
// flags, calls Run and prints the Report.
//
// It is a client made of the bridge's own parts, not a second one: SSE
// events, media types, bounded bodies, the HTTP+SSE endpoint rule and the
// transport fallback rule are bridge/transport's; messages are
// bridge/jsonrpc's and bridge's; server/discover is the bridge's own era
// probe request, read as the bridge reads it; the sign-in steps are
// oauthflow's discovery; the TLS step verifies with internal/httpclient's
// settings. Every text a step keeps is made inert with internal/safetext
// (and the command line's secrets hidden) before anyone sees it.
//
//   - probe.go: Config, Run, the order of the steps, the time budget.
//   - report.go: Report, Step and Details (the --json report: its field
//     names are a documented interface; WriteJSON prints it), and hints.
//   - text.go: a step as the command prints it: mark, name, findings.
//   - runner.go: running one step: its time limit, progress, inert texts.
//   - settings.go: the command line as the bridge takes it, and SignInOf,
//     the sign-in among its credentials.
//   - reach.go: DNS and TCP, to the server or to its proxy.
//   - tls.go: the TLS handshake, through a proxy's CONNECT tunnel.
//   - http.go: one request to the server and its JSON or SSE answer.
//   - transport.go: which transport answers: Streamable HTTP, HTTP+SSE.
//   - answers.go: what a refusal, or an answer that is not MCP, means.
//   - session.go: the probe's initialize, and ending the session it opened.
//   - discover.go: server/discover, the bridge's era probe.
//   - auth.go: the challenge and the metadata up to the authorization server.
//   - store.go: what the token store holds (StoredFor reads the index),
//     and the sign-in.
//   - host.go: a real bridge in this process, with the probe as its host.
//   - mcp.go: initialize and the lists through that bridge, then its exit.
package probe
