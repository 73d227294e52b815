package oauthflow

import (
	"fmt"
	"net/http"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/netrule"
)

// Every URL a server or its authorization server names goes through the
// one network rule (netrule) before anything is opened, printed or sent to
// it, and only its re-serialized form is used from then on. The endpoints
// that receive a code, a PKCE verifier, a client secret, an assertion or a
// token are held to it again where the request is made (sendTo), whatever
// named them: a document, the token store, a flag.

// checkEndpoints applies the rule to the endpoints of authorization server
// metadata (RFC 8414 §2, RFC 7009 §4, RFC 8628 §4, RFC 7591 §3) and keeps
// their re-serialized forms. An endpoint that breaks it refuses the whole
// document: an authorization server that names http://elsewhere or
// javascript: is not one to sign in with.
func (a *AuthServer) checkEndpoints() error {
	for _, e := range []struct {
		field string
		value *string
	}{
		{"authorization_endpoint", &a.AuthorizationEndpoint},
		{"token_endpoint", &a.TokenEndpoint},
		{"registration_endpoint", &a.RegistrationEndpoint},
		{"revocation_endpoint", &a.RevocationEndpoint},
		{"device_authorization_endpoint", &a.DeviceAuthorizationEndpoint},
	} {
		if *e.value == "" {
			continue // absent: whoever needs it says so
		}
		checked, err := netrule.CheckString(e.field, *e.value)
		if err != nil {
			return fmt.Errorf("authorization server metadata: %w", err)
		}
		*e.value = checked
	}
	return nil
}

// sendTo is the rule at the point of sending: the re-serialized endpoint,
// or why nothing may be sent there.
func sendTo(field, endpoint string) (string, error) {
	checked, err := netrule.CheckString(field, endpoint)
	if err != nil {
		return "", fmt.Errorf("nothing sent: %w", err)
	}
	return checked, nil
}

// maxRedirects is how many redirects a request to a server follows, as
// net/http's default.
const maxRedirects = 10

// exchangeTimeout bounds one whole exchange with an authorization server
// or a metadata host, body included: a document or token answer trickled
// a byte at a time must not hold a request (or a refresh) forever.
const exchangeTimeout = time.Minute

// ruled is hc with every redirect held to the rule (a redirect's target is
// a URL from the network too): a metadata document or an endpoint that
// answers 30x towards http://elsewhere or another scheme is not followed.
// The caller's own CheckRedirect, if any, still applies after it. Each
// exchange ends within exchangeTimeout, or the caller's own shorter limit.
func ruled(hc *http.Client) *http.Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	c := *hc
	if c.Timeout <= 0 || c.Timeout > exchangeTimeout {
		c.Timeout = exchangeTimeout
	}
	next := hc.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if err := netrule.CheckURL(req.URL); err != nil {
			return &netrule.Error{Field: "redirect", Value: req.URL.String(), Reason: err.Error()}
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		return nil
	}
	return &c
}
