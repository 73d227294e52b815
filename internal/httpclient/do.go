package httpclient

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Do sends req through c as c.Do does: c's cookies, and its redirect
// policy (New's: SameOriginRedirects) over the redirects net/http follows
// (RFC 9110 §15.4: 301, 302 and 303 as a GET without the body, 307 and 308
// as they were, with the body again). c.Do copies every request's headers
// before sending it, for a redirect that rarely comes; on a bridge sending
// one small POST per message that copy and the bookkeeping around it were
// 5% of its CPU per call. A client with a Timeout goes through c.Do.
//
// Unlike c.Do, Do adds no Referer to a redirected request and keeps every
// header: a redirect the policy lets through is on the same origin.
func Do(c *http.Client, req *http.Request) (*http.Response, error) {
	if c.Timeout != 0 {
		return c.Do(req)
	}
	rt := c.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	first := req
	var via []*http.Request
	for {
		resp, err := sendOne(c.Jar, rt, req)
		if err != nil {
			return nil, urlError(first, req, err)
		}
		next, err := redirected(c, first, req, resp, via)
		if err != nil || next == nil {
			return resp, err
		}
		via = append(via, req)
		req = next
	}
}

// sendOne is one exchange, with the jar's cookies for its URL, keeping the
// ones the answer sets (net/http's Client.send).
func sendOne(jar http.CookieJar, rt http.RoundTripper, req *http.Request) (*http.Response, error) {
	if jar != nil {
		for _, ck := range jar.Cookies(req.URL) {
			req.AddCookie(ck)
		}
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp == nil {
		return nil, errors.New("http: RoundTripper returned a nil *Response with a nil error")
	}
	if resp.Body == nil {
		resp.Body = http.NoBody
	}
	if jar != nil {
		if rc := resp.Cookies(); len(rc) > 0 {
			jar.SetCookies(req.URL, rc)
		}
	}
	return resp, nil
}

// redirected returns the request that follows resp, or nil when resp is
// the answer. After an error resp is closed (net/http's Client.Do returns
// it with the policy's error).
func redirected(c *http.Client, first, req *http.Request, resp *http.Response, via []*http.Request) (*http.Request, error) {
	method, body := req.Method, false
	switch resp.StatusCode {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther:
		if method != http.MethodGet && method != http.MethodHead {
			method = http.MethodGet
		}
	case http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		body = req.Body != nil && req.Body != http.NoBody || req.ContentLength > 0
		if body && first.GetBody == nil {
			return nil, nil // the body cannot be sent again: the redirect is the answer
		}
	default:
		return nil, nil
	}
	loc := resp.Header.Get("Location")
	if loc == "" {
		return nil, nil // a 3xx without a Location is an answer (net/http's rule)
	}
	u, err := req.URL.Parse(loc)
	if err != nil {
		closeRedirect(resp)
		return nil, urlError(first, req, fmt.Errorf("failed to parse Location header %q: %w", loc, err))
	}
	next := (&http.Request{Method: method, URL: u, Header: make(http.Header, len(first.Header)), Response: resp}).WithContext(first.Context())
	for k, vs := range first.Header {
		if !body && isBodyHeader(k) {
			continue
		}
		next.Header[k] = vs
	}
	if body {
		if next.Body, err = first.GetBody(); err != nil {
			closeRedirect(resp)
			return nil, urlError(first, req, err)
		}
		next.GetBody, next.ContentLength = first.GetBody, first.ContentLength
	}
	check := c.CheckRedirect
	if check == nil {
		check = tenRedirects
	}
	err = check(next, append(via, req))
	if errors.Is(err, http.ErrUseLastResponse) {
		return nil, nil
	}
	closeRedirect(resp)
	if err != nil {
		ue := urlError(first, req, err)
		ue.URL = loc
		return nil, ue
	}
	return next, nil
}

// isBodyHeader: the headers of a body a GET after a redirect does not
// carry (the Fetch standard's request-body-header names).
func isBodyHeader(k string) bool {
	switch k {
	case "Content-Encoding", "Content-Language", "Content-Location", "Content-Type", "Content-Length":
		return true
	}
	return false
}

func tenRedirects(_ *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	return nil
}

// closeRedirect reads a little of a redirect's body, so that a small one
// leaves its connection kept, and closes it.
func closeRedirect(resp *http.Response) {
	const slurp = 2 << 10
	if resp.ContentLength == -1 || resp.ContentLength <= slurp {
		_, _ = io.CopyN(io.Discard, resp.Body, slurp)
	}
	_ = resp.Body.Close()
}

// urlError wraps err as net/http's Client does: the first request's
// method, the URL of the hop that failed, without its password.
func urlError(first, req *http.Request, err error) *url.Error {
	closeBody(req)
	op := "Get"
	if m := first.Method; m != "" {
		op = m[:1] + strings.ToLower(m[1:])
	}
	return &url.Error{Op: op, URL: req.URL.Redacted(), Err: err}
}
