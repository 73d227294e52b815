package oauthflow

import (
	"strings"

	"github.com/mcpbridge/mcpbridge/internal/safetext"
)

// fixedScopes is the scope to ask for when the user named one (--scope,
// Config.Scopes): exactly those scopes, whatever the challenge, the
// protected resource metadata (RFC 9728 §2 scopes_supported) or the
// authorization server's offline_access suggest; on a step-up
// (insufficient_scope, RFC 6750 §3.1) those plus what the server demands,
// ahead of which the user is told. asked is what the flow would ask for
// otherwise (on a step-up: what it had, and what the server demands).
func (f *Flow) fixedScopes(ch Challenge, asked []string) ([]string, bool) {
	if len(f.cfg.Scopes) == 0 {
		return nil, false
	}
	if ch.Error != "insufficient_scope" {
		return f.cfg.Scopes, true
	}
	scopes := union(f.cfg.Scopes, asked)
	if len(scopes) > len(f.cfg.Scopes) {
		f.cfg.Notify("the server " + f.shown() + " demands more than --scope names (" + safetext.Escape(strings.Join(ch.Scope, " ")) +
			"); asking for: " + safetext.Escape(strings.Join(scopes, " ")))
	}
	return scopes, true
}

// announce says, before the browser opens (or the device code is shown),
// which server is being signed in to, at which authorization server, and
// which scopes are asked for: the user sees what they are about to grant.
func (f *Flow) announce(as *AuthServer, scopes []string) {
	asked := "no particular scope (the authorization server chooses)"
	if len(scopes) > 0 {
		asked = "scopes " + safetext.Escape(strings.Join(scopes, " "))
	}
	f.cfg.Notify("signing in to " + f.shown() + " at authorization server " + safetext.EscapeN(as.Issuer, 0) + ", asking for " + asked)
}
