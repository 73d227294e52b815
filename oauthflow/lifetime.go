package oauthflow

// A sign-in that cannot be renewed. The authorization server decides
// whether it issues a refresh token (MCP authorization §Refresh Tokens: a
// client MUST NOT assume one will be issued); without one the browser
// opens again when the access token expires, or, for a token without
// expires_in (RFC 6749 §5.1 makes it only RECOMMENDED), when the server
// refuses it. The user is told both times: once when the token comes, with
// the time the next sign-in will be needed, and again just before the
// browser opens, with the reason.

// expiryLayout shows a token's expiry in the user's time zone.
const expiryLayout = "2006-01-02 15:04:05 MST"

// noticeLifetime tells the user, once per sign-in (login calls it when the
// token is stored), that rec's token came without a refresh token and when
// the next sign-in will be needed. The client credentials grant asks again
// by itself, prompting no one: nothing to tell.
func (f *Flow) noticeLifetime(rec *record) {
	if rec.Token.RefreshToken != "" || f.cfg.ClientCredentials {
		return
	}
	if rec.Token.Expiry.IsZero() {
		f.cfg.Notify("the authorization server of " + f.shown() + " issued no refresh token and named no expiry: " +
			"the token is used until the server refuses it, then requests wait for a new sign-in in the browser")
		return
	}
	f.cfg.Notify("the authorization server of " + f.shown() + " issued no refresh token: this sign-in lasts until " +
		rec.Token.Expiry.Local().Format(expiryLayout) + ", then requests wait for a new sign-in in the browser")
}

// whySignIn is the reason given before the browser opens for a sign-in the
// server started (a 401) after one that worked, when there was no refresh
// token to renew the token: it expired, or the server refused it. "" for a
// first sign-in, for a step-up (403 insufficient_scope, whose own line
// names the scopes) and when a refresh token was kept (Refused logs why
// the refresh failed).
func (f *Flow) whySignIn(had *record, ch Challenge) string {
	if had == nil || ch.Error == "insufficient_scope" || had.Token.RefreshToken != "" {
		return ""
	}
	if !had.Token.Expiry.IsZero() && !f.cfg.Now().Before(had.Token.Expiry) {
		return "the access token for " + f.shown() + " expired at " + had.Token.Expiry.Local().Format(expiryLayout) +
			" and the authorization server issued no refresh token; signing in again"
	}
	return "the server refused the access token for " + f.shown() +
		" and the authorization server issued no refresh token; signing in again"
}
