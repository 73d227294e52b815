package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/httpclient"
)

// httpPeer sends the bridge's HTTP requests: the user's headers, then the
// transport's, then credentials; one retry after the Authorizer renews them
// (and up to two for a new DPoP nonce, NonceRetrier).
type httpPeer struct {
	client      *http.Client
	header      http.Header
	auth        Authorizer
	bodyTimeout time.Duration
	userAgent   []string                  // Config.UserAgent, shared by every request
	signing     atomic.Int32              // refusals being handled (a sign-in may be running)
	mem         *Budget                   // the bridge's memory budget (budget.go); nil: none
	last        atomic.Pointer[parsedURL] // the URL last sent to, parsed
}

// parsedURL is a URL string and its parse: nearly every request goes to the
// same endpoint, which is parsed once.
type parsedURL struct {
	raw string
	url *url.URL
}

// ErrUnreachable marks failures to reach the server at all.
var ErrUnreachable = errors.New("could not reach the server")

// authFailure is the Authorizer's verdict that credentials cannot be had.
type authFailure struct{ err error }

func (e *authFailure) Error() string { return e.err.Error() }
func (e *authFailure) Unwrap() error { return e.err }

// NoCredentials reports whether err is the Authorizer's verdict that no
// credentials can be had (the user must sign in, or gave up).
func NoCredentials(err error) bool {
	var af *authFailure
	return errors.As(err, &af)
}

// do sends one request. hdr holds the transport's headers for it.
func (h *httpPeer) do(ctx context.Context, method, target string, body []byte, hdr http.Header) (*http.Response, error) {
	renewed, nonces := false, 0
	for {
		req, err := h.newRequest(ctx, method, target, body, hdr)
		if err != nil {
			return nil, err
		}
		resp, err := httpclient.Do(h.client, req)
		if err != nil {
			return nil, describeNetError(target, err)
		}
		refused := resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden
		nr, _ := h.auth.(NonceRetrier)
		nonce := refused && nr != nil && nonces < 2 && nr.FreshNonce(resp)
		if refused && h.auth != nil && (nonce || !renewed) && h.header.Get("Authorization") == "" {
			if nonce {
				nonces++
			} else {
				renewed = true
			}
			h.signing.Add(1)
			err := h.auth.Refused(ctx, resp)
			h.signing.Add(-1)
			discard(resp)
			if err != nil {
				return nil, &authFailure{err}
			}
			continue
		}
		if !refused {
			if o, ok := h.auth.(AcceptanceObserver); ok {
				o.Accepted()
			}
		}
		resp.Body = h.timeBody(resp)
		return resp, nil
	}
}

// timeBody holds a body to --body-timeout (deadline.go): an event stream
// to a silence limit and a deadline per event, any other body (a JSON
// answer, an error page) to arriving whole within the limit of its headers.
func (h *httpPeer) timeBody(resp *http.Response) io.ReadCloser {
	if isEventStream(resp) {
		return newIdleBody(resp.Body, h.bodyTimeout)
	}
	return newWholeBody(resp.Body, h.bodyTimeout)
}

func (h *httpPeer) newRequest(ctx context.Context, method, raw string, body []byte, hdr http.Header) (*http.Request, error) {
	u, err := h.parse(raw)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	// What http.NewRequestWithContext builds, from the URL parsed once.
	r := http.Request{Method: method, URL: u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Host: strings.TrimSuffix(u.Host, ":"), Body: http.NoBody, GetBody: noBody}
	if len(body) > 0 {
		r.Body, r.GetBody, r.ContentLength = bodyOf(body), func() (io.ReadCloser, error) { return bodyOf(body), nil }, int64(len(body))
	}
	req := r.WithContext(ctx)                                // r stays on the stack
	req.Header = make(http.Header, len(h.header)+len(hdr)+2) // sized once: no growing
	for k, vs := range h.header {
		req.Header[k] = vs
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	req.Header["User-Agent"] = h.userAgent
	// A user's own Authorization header wins over the Authorizer, as in
	// mcp-remote.
	if h.auth != nil && httpclient.HeaderValue(req.Header, "Authorization") == "" {
		if err := h.auth.Authorize(ctx, req); err != nil {
			return nil, fmt.Errorf("get credentials: %w", err)
		}
	}
	return req, nil
}

// parse returns a copy of raw parsed, from the last parse when raw is the
// same URL.
func (h *httpPeer) parse(raw string) (*url.URL, error) {
	t := h.last.Load()
	if t == nil || t.raw != raw {
		u, err := url.Parse(raw)
		if err != nil {
			return nil, err
		}
		t = &parsedURL{raw: raw, url: u}
		h.last.Store(t)
	}
	u := *t.url
	return &u, nil
}

// byteBody is a request body read from memory.
type byteBody struct{ bytes.Reader }

func (*byteBody) Close() error { return nil }

func bodyOf(b []byte) io.ReadCloser {
	r := &byteBody{}
	r.Reset(b)
	return r
}

func noBody() (io.ReadCloser, error) { return http.NoBody, nil }

// describeNetError turns a transport failure into a sentence naming the
// cause: refused, reset, DNS, TLS or timeout.
func describeNetError(target string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	host := target
	if u, perr := url.Parse(target); perr == nil {
		host = u.Host
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	return fmt.Errorf("%w at %s: %w", ErrUnreachable, host, err)
}

// discard drains a little of a body so the connection can be reused, and
// closes it.
func discard(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
}

// commonTypes are the media types a server answers with, lower case.
var commonTypes = [...]string{"application/json", "text/event-stream"}

// MediaType returns the response's media type, lower case, without
// parameters.
func MediaType(resp *http.Response) string {
	ct := httpclient.HeaderValue(resp.Header, "Content-Type")
	for _, known := range commonTypes { // compared in place: mime allocates
		if len(ct) >= len(known) && strings.EqualFold(ct[:len(known)], known) &&
			(len(ct) == len(known) || ct[len(known)] == ';') {
			return known
		}
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(strings.Split(resp.Header.Get("Content-Type"), ";")[0]))
	}
	return mt
}

func isEventStream(resp *http.Response) bool { return MediaType(resp) == "text/event-stream" }

// statusError describes an HTTP answer that is not a JSON-RPC answer.
func statusError(resp *http.Response, body []byte) *StatusError {
	return &StatusError{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Snippet: snippet(body)}
}
