package probe

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/httpclient"
	"github.com/mcpbridge/mcpbridge/internal/netrule"
)

// handshake is the TLS step, verified exactly as the bridge verifies
// (system roots, --ca-file, NODE_EXTRA_CA_CERTS), through the proxy's
// CONNECT tunnel when there is one.
func (p *prober) handshake(ctx context.Context) *Step {
	return p.connectStep(ctx, "tls", "the TLS handshake", func(ctx context.Context, st *Step) error {
		host := p.bridge.URL.Hostname()
		if px := p.hello.proxy; px != nil {
			if px.Scheme != "http" {
				st.set("checked", "no: the tunnel through an "+px.Scheme+":// proxy is left to the transport step")
				return nil
			}
			if err := tunnel(ctx, p.hello.conn, px, net.JoinHostPort(host, portOf(p.bridge.URL))); err != nil {
				return err
			}
			st.set("tunnel", "CONNECT through "+netrule.Redact(px))
		}
		var seen []*x509.Certificate
		tc := tls.Client(p.hello.conn, p.tlsConfig(host, &seen))
		err := tc.HandshakeContext(ctx)
		var cve *tls.CertificateVerificationError
		if errors.As(err, &cve) && len(seen) == 0 {
			seen = cve.UnverifiedCertificates
		}
		if err == nil {
			cs := tc.ConnectionState()
			st.set("version", tls.VersionName(cs.Version))
			st.set("alpn", cs.NegotiatedProtocol)
			seen = cs.PeerCertificates
		}
		describeCert(st, seen)
		if err != nil {
			return withHint(fmt.Errorf("TLS handshake with %s: %w", host, err), tlsHint(err, host))
		}
		return nil
	})
}

// tlsConfig is the bridge client's TLS configuration for host, noting the
// certificates the server presents in seen.
func (p *prober) tlsConfig(host string, seen *[]*x509.Certificate) *tls.Config {
	cfg := httpclient.TLSConfig(p.bridge.HTTPClient)
	if cfg == nil {
		cfg = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	cfg.ServerName = host
	cfg.NextProtos = []string{"h2", "http/1.1"}
	verify := cfg.VerifyConnection
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		*seen = cs.PeerCertificates
		if verify != nil {
			return verify(cs)
		}
		return nil
	}
	return cfg
}

func describeCert(st *Step, certs []*x509.Certificate) {
	if len(certs) == 0 {
		return
	}
	c := certs[0]
	names := slices.Clone(c.DNSNames)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	st.set("certificate_subject", c.Subject.String())
	st.set("certificate_issuer", c.Issuer.String())
	st.set("certificate_names", names)
	st.set("certificate_expires", c.NotAfter)
}

func tlsHint(err error, host string) string {
	var unknown x509.UnknownAuthorityError
	var name x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &unknown):
		return "the certificate is signed by a CA this machine does not trust (a company proxy or a private CA): " +
			"pass --ca-file /path/to/ca.pem, or set NODE_EXTRA_CA_CERTS to that file as for mcp-remote"
	case errors.As(err, &name):
		return "the certificate is not for " + host + ": check the host name in the URL"
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return "the certificate has expired or is not valid yet: check this machine's clock; otherwise the server's administrator must renew it"
	case strings.Contains(err.Error(), "first record does not look like a TLS handshake"):
		return "the port does not speak TLS: try http:// (with --allow-http when the server is not on this machine)"
	}
	return "the TLS handshake failed: a middlebox may interfere, or the server needs a newer TLS version"
}

// maxProxyAnswer bounds the proxy's answer to CONNECT (its headers).
const maxProxyAnswer = 64 << 10

// tunnel asks an http:// proxy for a CONNECT tunnel to target, within the
// context's deadline. The proxy sends nothing after its answer until the
// client speaks, so the reader holds no byte of the tunnel.
func tunnel(ctx context.Context, conn net.Conn, proxy *url.URL, target string) error {
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
		defer conn.SetDeadline(time.Time{})
	}
	req := &http.Request{Method: http.MethodConnect, URL: &url.URL{Opaque: target}, Host: target, Header: http.Header{}}
	if u := proxy.User; u != nil {
		pass, _ := u.Password()
		req.Header.Set("Proxy-Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(u.Username()+":"+pass)))
	}
	if err := req.Write(conn); err != nil {
		return fmt.Errorf("ask the proxy for a tunnel: %w", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(io.LimitReader(conn, maxProxyAnswer)), req)
	if err != nil {
		return fmt.Errorf("read the proxy's answer to CONNECT: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusProxyAuthRequired {
		return withHint(errors.New("the proxy wants credentials (HTTP 407)"), "put them in the proxy URL: HTTPS_PROXY=http://user:password@proxy:port")
	}
	if resp.StatusCode != http.StatusOK {
		return withHint(fmt.Errorf("the proxy refused a tunnel to %s: %s", target, resp.Status), "ask whoever runs the proxy to allow this server, or add it to NO_PROXY")
	}
	return nil
}
