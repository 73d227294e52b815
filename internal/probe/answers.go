package probe

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/mcpbridge/mcpbridge/internal/safetext"
	"github.com/mcpbridge/mcpbridge/oauthflow"
)

// refusal handles a 401 or 403: a 401 before any sign-in leads to the
// authorization steps; anything else is a failure with a hint.
func (p *prober) refusal(st *Step, resp *http.Response, raw []byte) (outcome, error) {
	p.challenges = resp.Header.Values("WWW-Authenticate")
	if resp.StatusCode == http.StatusUnauthorized && !p.authorized {
		p.wantsAuth = true
		if p.bridge.Header.Get("Authorization") != "" {
			st.set("credentials", "your Authorization header was refused (see the authorization steps)")
		} else {
			st.set("sign_in", "needed (see the authorization steps)")
		}
		return needsAuth, nil
	}
	ch := firstChallenge(p.challenges)
	if resp.StatusCode == http.StatusForbidden && ch.Error == "insufficient_scope" {
		return failed, withHint(fmt.Errorf("the token lacks a scope the server wants (HTTP 403, %s)", strings.Join(ch.Scope, " ")),
			`sign in again with that scope: mcpbridge login URL --static-oauth-client-metadata '{"scope":"…"}'`)
	}
	if resp.StatusCode == http.StatusForbidden {
		err := errors.New("the server refused access (HTTP 403)")
		if s := safetext.Line(raw, 160); s != "" {
			err = fmt.Errorf("%w: %s", err, s)
		}
		return failed, withHint(err, "the answer above says why; your account may not be allowed to use this server, or a gateway refuses this host name: ask the server's administrator")
	}
	return failed, withHint(errors.New("the server refused the token from the sign-in (HTTP 401)"),
		"run mcpbridge logout URL and probe again; if it persists, check --resource and the scopes with the server's administrator")
}

func firstChallenge(values []string) oauthflow.Challenge {
	ch, _ := oauthflow.Bearer(oauthflow.ParseWWWAuthenticate(values))
	return ch
}

// unexpectedAnswer describes an answer that is not MCP.
func unexpectedAnswer(resp *http.Response, raw []byte) error {
	ct := resp.Header.Get("Content-Type")
	if ct == "" {
		ct = "no Content-Type"
	}
	err := fmt.Errorf("the server answered %s (%s)", resp.Status, ct)
	if s := safetext.Line(raw, 160); s != "" {
		err = fmt.Errorf("%w: %s", err, s)
	}
	switch {
	case resp.StatusCode >= 500:
		return withHint(err, "the server failed; its logs say why. A web page here may mean the URL points at a website, not its MCP endpoint (often /mcp)")
	case resp.StatusCode == http.StatusTooManyRequests:
		return withHint(err, "the server limits requests: wait a little and probe again")
	case resp.StatusCode/100 == 2:
		return withHint(err, "the answer is not JSON-RPC: check that the URL is the MCP endpoint, not a web page")
	}
	return withHint(err, "check the URL; the server's logs say why it refused")
}
