// Package headerhelper is --headers-helper: a command the user names whose
// output — "Name: value" lines, or one JSON object of strings — is added to
// every request to the MCP server (short-lived credentials, a tenant
// header from a vault), the way Claude Code's headersHelper works.
//
// A Helper is a bridge.Authorizer (bridge/transport's Authorize and
// Refused) in front of the sign-in, if any: it adds the helper's headers,
// then lets the sign-in add its token unless the helper gave an
// Authorization header. The command runs on the first request, again when
// its headers are older than the interval, and again on a 401; one run at
// a time, the requests that wait for it sharing its result. A run that
// fails, or does not finish within the timeout, gives every waiting
// request an error naming the helper (never its output: it holds
// secrets, so it is never logged or shown).
//
// The command is split into words the way a shell would split them
// (quotes and backslashes) but run without one: `sh -c '…'` when the user
// wants a shell.
//
// Files: helper.go (Helper, the Authorizer), command.go (Split, running
// the command), output.go (reading its output).
package headerhelper
