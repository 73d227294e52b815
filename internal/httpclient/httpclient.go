// Package httpclient builds the one HTTP client mcpbridge talks to servers
// with: the bridge's requests and the sign-in's alike (httpclient.go;
// do.go sends the bridge's as Client.Do would, without its copies), its
// HTTP/1.1 exchanges on the caller's goroutine (h1.go: the pool; h1conn.go:
// one connection, its answer's body; h1head.go: the answer's head read in
// place; h1wire.go: the request written, gzip answers decoded; h1warm.go:
// a connection opened ahead of the first request; alive_unix.go,
// alive_other.go: is a kept connection still open), and
// holds the rule every redirect and server-named URL is checked against
// (SameOrigin). TLSConfig lends its TLS settings to a handshake of one's
// own. cafiles.go adds the CA bundle NODE_EXTRA_CA_CERTS names, as Node
// does; roots.go, roots_linux.go, roots_other.go: the roots trusted, each
// certificate parsed once.
package httpclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/ctxtime"
	"github.com/mcpbridge/mcpbridge/internal/netrule"
	"github.com/mcpbridge/mcpbridge/internal/safetext"
)

// Options configure the client New builds. The zero value is a client
// with the documented defaults.
type Options struct {
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
	// UserAgent is sent with every request that sets none; empty means
	// "mcpbridge/dev". The command passes "mcpbridge/" and the version the
	// release build stamped.
	UserAgent string
}

// DefaultUserAgent names an unstamped build.
const DefaultUserAgent = "mcpbridge/dev"

// maxConns bounds the connections to one origin. Each costs its buffers
// (and, under net/http's Transport, two goroutines: about 30 KiB): without
// a bound, 10,000 requests in flight made 10,000 connections and
// over 350 MiB. Requests beyond it wait for a connection, holding only
// their goroutine. It is large enough that requests waiting on the client
// (sampling, elicitation, on an answer stream) cannot starve the client's
// own answers of a connection in any practical use.
const maxConns = 512

// New builds the client mcpbridge talks to servers with (the bridge and
// the sign-in alike): kept-alive HTTP/1.1 connections carried on the
// caller's goroutine (h1.go; many requests in flight, no head-of-line
// blocking) and the options' limits. Through a proxy (Options.Proxy) it is
// net/http's Transport, with HTTP/2 where TLS offers it.
func New(o Options) (*http.Client, error) {
	dialer := &net.Dialer{Timeout: ctxtime.Limit(o.ConnectTimeout, 30*time.Second), KeepAlive: 30 * time.Second}
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
		TLSHandshakeTimeout:   ctxtime.Limit(o.ConnectTimeout, 30*time.Second),
		ResponseHeaderTimeout: ctxtime.Limit(o.HeadersTimeout, 5*time.Minute),
		ExpectContinueTimeout: time.Second,
	}
	if o.Proxy {
		tr.Proxy = http.ProxyFromEnvironment
	}
	if len(o.CAFiles) > 0 || ownsSystemRoots {
		cfg, err := rootsConfig(o.CAFiles)
		if err != nil {
			return nil, err
		}
		tr.TLSClientConfig = cfg
	}
	ua := o.UserAgent
	if ua == "" {
		ua = DefaultUserAgent
	}
	var base http.RoundTripper = tr
	if !o.Proxy { // every connection direct: mcpbridge's own HTTP/1.1 exchanges (h1.go)
		base = newH1(dial, tr.TLSClientConfig, tr.TLSHandshakeTimeout, tr.ResponseHeaderTimeout)
	}
	c := &http.Client{Transport: agent{base, ua}, CheckRedirect: SameOriginRedirects}
	if o.Cookies {
		jar, err := cookiejar.New(nil)
		if err != nil {
			return nil, fmt.Errorf("cookie jar: %w", err)
		}
		c.Jar = &cookies{jar: jar}
	}
	return c, nil
}

// cookies is the jar, asked for cookies only once a server set one: a
// cookiejar lookup (its public-suffix key, a lock, a map) on every request
// to a server that sets none was 1.5% of the bridge's CPU per call.
type cookies struct {
	jar *cookiejar.Jar
	set atomic.Bool
}

func (c *cookies) SetCookies(u *url.URL, cs []*http.Cookie) {
	if len(cs) > 0 {
		c.jar.SetCookies(u, cs)
		c.set.Store(true)
	}
}

func (c *cookies) Cookies(u *url.URL) []*http.Cookie {
	if !c.set.Load() {
		return nil
	}
	return c.jar.Cookies(u)
}

// SameOriginRedirects follows at most 10 redirects and never to another
// origin: credentials in the user's headers must not leak to a third party.
func SameOriginRedirects(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if err := SameOrigin(via[0].URL, req.URL); err != nil {
		return fmt.Errorf("refusing a redirect from %s: %w", via[0].URL.Host, err)
	}
	return nil
}

// SameOrigin checks a URL the server named (a redirect's target, an
// HTTP+SSE endpoint) against the origin the user chose: the same scheme and
// host, and netrule's rule for the rest (no user info, no fragment, no
// malformed host). Plain http off this machine passes only as the user's
// own choice (--allow-http), which the same scheme and host already are.
func SameOrigin(origin, u *url.URL) error {
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

// rootsConfig trusts the system roots plus the given PEM files. Each file
// is opened now (a missing or unreadable one is an error at once), but
// reading it and the system roots costs milliseconds (the system bundle
// NODE_EXTRA_CA_CERTS often names is 200 KiB), so the pool is built at the
// first TLS handshake: a bridge to an http:// server never pays for it.
// Until then the standard verification is replaced by the same
// verification against that pool (the VerifyConnection pattern of
// crypto/tls's docs). On Linux every client takes this path, even without
// extra files: its pool parses each root once (roots.go), and the
// certificate folders are read only when a chain fails against the bundles
// (roots_linux.go).
func rootsConfig(files []string) (*tls.Config, error) {
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, fmt.Errorf("read CA bundle: %w", err)
		}
		fh.Close()
	}
	pool := sync.OnceValues(func() (*rootPool, error) {
		r := newRootPool()
		for _, f := range files {
			pem, err := os.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("read CA bundle: %w", err)
			}
			if !r.add(pem) {
				return nil, fmt.Errorf("CA bundle %s holds no PEM certificate", f)
			}
		}
		return r, nil
	})
	folders := sync.OnceValue(func() *x509.CertPool {
		r, _ := pool() // called after pool succeeded
		return r.withFolders()
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
			opts := x509.VerifyOptions{DNSName: cs.ServerName, Roots: roots.pool, Intermediates: x509.NewCertPool()}
			for _, c := range cs.PeerCertificates[1:] {
				opts.Intermediates.AddCert(c)
			}
			_, err = cs.PeerCertificates[0].Verify(opts)
			if err != nil { // a chain may lead to a root only the certificate folders hold
				if more := folders(); more != nil {
					opts.Roots = more
					_, err = cs.PeerCertificates[0].Verify(opts)
				}
			}
			return err
		},
	}, nil
}

// TLSConfig returns a copy of the TLS configuration of a client New built
// (its roots: Options.CAFiles, and on Linux the system's), or nil for the
// default one: a handshake of the caller's own (mcpbridge probe's TLS
// step) then verifies exactly as the client's connections do.
func TLSConfig(c *http.Client) *tls.Config {
	rt := c.Transport
	if a, ok := rt.(agent); ok {
		rt = a.base
	}
	if h, ok := rt.(*h1); ok {
		return h.roots.Clone()
	}
	if tr, ok := rt.(*http.Transport); ok && tr.TLSClientConfig != nil {
		return tr.TLSClientConfig.Clone()
	}
	return nil
}

// HeaderValue is h.Get(key) for a key in canonical form, which it does
// not canonicalize again: the few header lookups of each message cost the
// bridge 1% of its CPU through Get.
func HeaderValue(h http.Header, key string) string {
	if vs := h[key]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// agent stamps the User-Agent on requests that carry none.
type agent struct {
	base http.RoundTripper
	ua   string
}

func (a agent) RoundTrip(req *http.Request) (*http.Response, error) {
	if HeaderValue(req.Header, "User-Agent") == "" {
		req = req.Clone(req.Context()) // RoundTrippers must not modify the request
		req.Header.Set("User-Agent", a.ua)
	}
	return a.base.RoundTrip(req)
}

// CloseIdleConnections passes http.Client's call of that name on to the
// transport beneath.
func (a agent) CloseIdleConnections() {
	if c, ok := a.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
