package bridge

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/netrule"
	"github.com/mcpbridge/mcpbridge/internal/safetext"
)

// HTTPOptions configure the client NewHTTPClient builds.
type HTTPOptions struct {
	// ConnectTimeout bounds each TCP (and TLS) connect; default 30 s.
	ConnectTimeout time.Duration
	// HeadersTimeout bounds the wait for response headers; 0 means 5
	// minutes, negative no limit.
	HeadersTimeout time.Duration
	// Proxy honours HTTP_PROXY, HTTPS_PROXY and NO_PROXY (--enable-proxy);
	// without it every connection is direct, as in mcp-remote.
	Proxy bool
	// CAFiles are PEM bundles trusted in addition to the system roots.
	CAFiles []string
	// IPv4 connects over IPv4 only.
	IPv4 bool
	// Cookies keeps cookies the server sets (session stickiness behind load
	// balancers), as mcp-remote does unless --disable-cookies.
	Cookies bool
}

// maxConns bounds the connections to the server (HTTP/1.1; HTTP/2
// multiplexes). Each costs two goroutines and their buffers (about 30 KiB):
// without a bound, 10,000 requests in flight made 10,000 connections and
// over 350 MiB. Requests beyond it wait for a connection, holding only
// their goroutine. It is large enough that requests waiting on the client
// (sampling, elicitation, on an answer stream) cannot starve the client's
// own answers of a connection in any practical use.
const maxConns = 512

// NewHTTPClient builds the client the bridge talks to the server with:
// kept-alive connections (many requests in flight, no head-of-line
// blocking), HTTP/2 where TLS offers it, and the options' limits.
func NewHTTPClient(o HTTPOptions) (*http.Client, error) {
	dialer := &net.Dialer{Timeout: orDefault(o.ConnectTimeout, 30*time.Second), KeepAlive: 30 * time.Second}
	dial := dialer.DialContext
	if o.IPv4 {
		dial = func(ctx context.Context, _, addr string) (net.Conn, error) {
			return dialer.DialContext(ctx, "tcp4", addr)
		}
	}
	tr := &http.Transport{
		DialContext:           dial,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          128,
		MaxIdleConnsPerHost:   128,
		MaxConnsPerHost:       maxConns,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   orDefault(o.ConnectTimeout, 30*time.Second),
		ResponseHeaderTimeout: orDefault(o.HeadersTimeout, 5*time.Minute),
		ExpectContinueTimeout: time.Second,
	}
	if o.Proxy {
		tr.Proxy = http.ProxyFromEnvironment
	}
	if len(o.CAFiles) > 0 {
		cfg, err := extraRootsConfig(o.CAFiles)
		if err != nil {
			return nil, err
		}
		tr.TLSClientConfig = cfg
	}
	c := &http.Client{Transport: tr, CheckRedirect: sameOriginRedirects}
	if o.Cookies {
		jar, err := cookiejar.New(nil)
		if err != nil {
			return nil, fmt.Errorf("cookie jar: %w", err)
		}
		c.Jar = jar
	}
	return c, nil
}

// sameOriginRedirects follows at most 10 redirects and never to another
// origin: credentials in the user's headers must not leak to a third party.
func sameOriginRedirects(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if err := sameOrigin(via[0].URL, req.URL); err != nil {
		return fmt.Errorf("refusing a redirect from %s: %w", via[0].URL.Host, err)
	}
	return nil
}

// sameOrigin checks a URL the server named (a redirect's target, an
// HTTP+SSE endpoint) against the origin the user chose: the same scheme and
// host, and netrule's rule for the rest (no user info, no fragment, no
// malformed host). Plain http off this machine passes only as the user's
// own choice (--allow-http), which the same scheme and host already are.
func sameOrigin(origin, u *url.URL) error {
	if u.Scheme != origin.Scheme || u.Host != origin.Host {
		return fmt.Errorf("%s is on another origin", safetext.Escape(netrule.Redact(u)))
	}
	c := *u
	if c.Scheme == "http" {
		c.Scheme = "https" // the user's choice, checked when the bridge started
	}
	if err := netrule.CheckURL(&c); err != nil {
		return fmt.Errorf("%s: %w", safetext.Escape(netrule.Redact(u)), err)
	}
	return nil
}

// extraRootsConfig trusts the system roots plus the given PEM files. The
// files are read now (a missing one is an error at once), but parsing the
// system roots costs tens of milliseconds, so the pool is built at the first
// TLS handshake: a bridge to an http:// server never pays for it. Until
// then the standard verification is replaced by the same verification
// against that pool (the VerifyConnection pattern of crypto/tls's docs).
func extraRootsConfig(files []string) (*tls.Config, error) {
	var pems [][]byte
	for _, f := range files {
		pem, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read CA bundle: %w", err)
		}
		pems = append(pems, pem)
	}
	pool := sync.OnceValues(func() (*x509.CertPool, error) {
		p, err := x509.SystemCertPool()
		if err != nil {
			p = x509.NewCertPool()
		}
		for i, pem := range pems {
			if !p.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("CA bundle %s holds no PEM certificate", files[i])
			}
		}
		return p, nil
	})
	return &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, // verified below, against pool, exactly as the default would
		VerifyConnection: func(cs tls.ConnectionState) error {
			roots, err := pool()
			if err != nil {
				return err
			}
			if len(cs.PeerCertificates) == 0 {
				return errors.New("tls: the server sent no certificate")
			}
			opts := x509.VerifyOptions{DNSName: cs.ServerName, Roots: roots, Intermediates: x509.NewCertPool()}
			for _, c := range cs.PeerCertificates[1:] {
				opts.Intermediates.AddCert(c)
			}
			_, err = cs.PeerCertificates[0].Verify(opts)
			return err
		},
	}, nil
}

// httpPeer sends the bridge's HTTP requests: the user's headers, then the
// transport's, then credentials; one retry after the Authorizer renews them.
type httpPeer struct {
	client      *http.Client
	header      http.Header
	auth        Authorizer
	bodyTimeout time.Duration
	signing     atomic.Int32 // refusals being handled (a sign-in may be running)
	mem         *budget      // the bridge's memory budget (budget.go); nil: none
}

// errUnreachable marks failures to reach the server at all.
var errUnreachable = errors.New("could not reach the server")

// authFailure is the Authorizer's verdict that credentials cannot be had.
type authFailure struct{ err error }

func (e *authFailure) Error() string { return e.err.Error() }
func (e *authFailure) Unwrap() error { return e.err }

// do sends one request. hdr holds the transport's headers for it.
func (h *httpPeer) do(ctx context.Context, method, target string, body []byte, hdr http.Header) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		req, err := h.newRequest(ctx, method, target, body, hdr)
		if err != nil {
			return nil, err
		}
		resp, err := h.client.Do(req)
		if err != nil {
			return nil, describeNetError(target, err)
		}
		refused := resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden
		if refused && h.auth != nil && attempt == 0 && h.header.Get("Authorization") == "" {
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

func (h *httpPeer) newRequest(ctx context.Context, method, target string, body []byte, hdr http.Header) (*http.Request, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, r)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	for k, vs := range h.header {
		req.Header[k] = vs
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	req.Header.Set("User-Agent", userAgent)
	// A user's own Authorization header wins over the Authorizer, as in
	// mcp-remote.
	if h.auth != nil && req.Header.Get("Authorization") == "" {
		if err := h.auth.Authorize(ctx, req); err != nil {
			return nil, fmt.Errorf("get credentials: %w", err)
		}
	}
	return req, nil
}

// Version is stamped by the build (-X); it goes into the User-Agent.
var Version = "dev"

var userAgent = "mcpbridge/" + Version

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
	return fmt.Errorf("%w at %s: %w", errUnreachable, host, err)
}

// discard drains a little of a body so the connection can be reused, and
// closes it.
func discard(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
}

// mediaType returns the response's media type, lower case, without
// parameters.
func mediaType(resp *http.Response) string {
	mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil {
		return strings.ToLower(strings.TrimSpace(strings.Split(resp.Header.Get("Content-Type"), ";")[0]))
	}
	return mt
}

func isEventStream(resp *http.Response) bool { return mediaType(resp) == "text/event-stream" }

// statusError describes an HTTP answer that is not a JSON-RPC answer.
func statusError(resp *http.Response, body []byte) *StatusError {
	return &StatusError{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Snippet: snippet(body)}
}
