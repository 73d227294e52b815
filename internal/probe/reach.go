package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"

	"github.com/mcpbridge/mcpbridge/internal/netrule"
)

// tlsHello is what the TCP step hands the TLS step.
type tlsHello struct {
	conn  net.Conn
	proxy *url.URL // the connection goes to this proxy, not the server
}

// reach is DNS, TCP and, for https, TLS, to the server or to the proxy
// that --enable-proxy picks for it.
func (p *prober) reach(ctx context.Context) bool {
	proxy, err := p.proxy()
	if err != nil {
		return p.run.run("dns", "", true, func(*Step) error {
			return withHint(fmt.Errorf("read the proxy setting: %w", err), "fix HTTPS_PROXY / HTTP_PROXY, or drop --enable-proxy")
		}).OK
	}
	dial := p.bridge.URL
	if proxy != nil {
		dial = proxy
	}
	addrs, ok := p.dns(ctx, dial.Hostname(), proxy)
	if !ok || !p.tcp(ctx, addrs, portOf(dial), proxy) {
		return false
	}
	defer p.hello.conn.Close()
	if p.bridge.URL.Scheme != "https" {
		return true
	}
	return p.handshake(ctx).OK
}

func portOf(u *url.URL) string {
	if port := u.Port(); port != "" {
		return port
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}

// connectStep is a step bounded by --connect-timeout.
func (p *prober) connectStep(ctx context.Context, name, waiting string, fn func(context.Context, *Step) error) *Step {
	return p.step(ctx, name, waiting, true, p.cfg.Flags.ConnectTimeout, "--connect-timeout", fn)
}

func (p *prober) dns(ctx context.Context, host string, proxy *url.URL) ([]string, bool) {
	var addrs []string
	st := p.connectStep(ctx, "dns", "the name lookup", func(ctx context.Context, st *Step) error {
		st.set("host", host)
		if proxy != nil {
			st.set("via_proxy", netrule.Redact(proxy))
		}
		if ip := net.ParseIP(host); ip != nil {
			addrs = []string{ip.String()}
			st.set("addresses", addrs)
			st.set("lookup", "none needed: the URL holds an address")
			return nil
		}
		ips, err := net.DefaultResolver.LookupIPAddr(ctx, host)
		if err != nil {
			return withHint(fmt.Errorf("look up %s: %w", host, err),
				"check the host name in the URL and this machine's network, VPN or DNS; behind a corporate proxy pass --enable-proxy with HTTPS_PROXY set")
		}
		for _, ip := range ips {
			if !p.cfg.Flags.IPv4 || ip.IP.To4() != nil {
				addrs = append(addrs, ip.String())
			}
		}
		st.set("addresses", addrs)
		if len(addrs) == 0 {
			return withHint(fmt.Errorf("%s has no IPv4 address", host), "drop --ipv4")
		}
		return nil
	})
	return addrs, st.OK
}

// tcp connects to the addresses in turn, as the bridge's dialer does.
func (p *prober) tcp(ctx context.Context, addrs []string, port string, proxy *url.URL) bool {
	return p.connectStep(ctx, "tcp", "the connection", func(ctx context.Context, st *Step) error {
		var d net.Dialer
		var errs []error
		for _, a := range addrs {
			addr := net.JoinHostPort(a, port)
			conn, err := d.DialContext(ctx, "tcp", addr)
			if err == nil {
				st.set("connected_to", addr)
				p.hello = &tlsHello{conn: conn, proxy: proxy}
				return nil
			}
			errs = append(errs, err)
		}
		err := errors.Join(errs...)
		return withHint(err, tcpHint(err, port, proxy))
	}).OK
}

func tcpHint(err error, port string, proxy *url.URL) string {
	what := "the server"
	if proxy != nil {
		what = "the proxy"
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED) || strings.Contains(err.Error(), "refused"):
		return fmt.Sprintf("nothing listens on port %s there: check the port in the URL and that %s is running", port, what)
	case errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "timeout"):
		return fmt.Sprintf("%s does not answer: a firewall may drop the connection; behind a proxy pass --enable-proxy; --connect-timeout waits longer", what)
	}
	return fmt.Sprintf("%s cannot be reached from this machine: check the network, VPN or firewall", what)
}
