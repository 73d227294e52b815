package main

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"

	"github.com/mcpbridge/mcpbridge/internal/netrule"
)

// settings is step 1: the command line understood, as the bridge would
// take it. Header values are never shown, only their names.
func (p *prober) settings() *step {
	return p.rep.run("settings", "", true, func(st *step) error {
		cfg, err := p.o.config(p.log)
		if err != nil {
			return withHint(err, "fix the command line; mcpbridge probe --help lists the flags")
		}
		p.cfg = cfg
		st.set("url", netrule.Redact(cfg.URL))
		st.set("transport", string(cfg.Transport))
		st.set("protocol", string(cfg.Protocol))
		st.set("headers", headerNames(cfg.Header))
		st.set("credentials", p.credentialSource())
		st.set("proxy", p.proxyText())
		if cas := p.caFiles(); len(cas) > 0 {
			st.set("ca_files", cas)
		}
		st.set("token_store", fmt.Sprintf("%s (folder %s)", p.o.auth.tokenStore, p.o.configFolder()))
		st.set("timeouts", fmt.Sprintf("connect %s, headers %s, whole probe %d s",
			limitText(p.o.connectTimeout), limitText(p.o.headersTimeout), p.pf.timeout))
		if p.o.ipv4 {
			st.set("ipv4_only", true)
		}
		return nil
	})
}

// headerNames lists the user's header names, never their values.
func headerNames(h http.Header) []string {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

func (p *prober) credentialSource() string {
	switch {
	case p.cfg.Header.Get("Authorization") != "":
		return "your Authorization header (no OAuth sign-in)"
	case p.o.auth.clientCreds:
		return "OAuth client credentials (no browser)"
	case p.o.auth.deviceCode:
		return "OAuth sign-in with a device code, when the server asks"
	}
	return "OAuth sign-in in the browser, when the server asks"
}

// proxy is the proxy the bridge's requests to the server go through, or
// nil: with --enable-proxy, the one HTTP_PROXY, HTTPS_PROXY and NO_PROXY
// pick for the URL (never one for a loopback address).
func (p *prober) proxy() (*url.URL, error) {
	if !p.o.enableProxy {
		return nil, nil
	}
	return http.ProxyFromEnvironment(&http.Request{URL: p.cfg.URL})
}

func (p *prober) proxyText() string {
	if !p.o.enableProxy {
		return "off (direct connections; --enable-proxy honours HTTPS_PROXY)"
	}
	u, err := p.proxy()
	switch {
	case err != nil:
		return "on, but the proxy setting is invalid: " + err.Error()
	case u == nil:
		return "on, but none applies to this URL (NO_PROXY, no HTTPS_PROXY/HTTP_PROXY, or a loopback address)"
	}
	return "on: " + netrule.Redact(u)
}

// caFiles are the extra CA bundles the bridge trusts.
func (p *prober) caFiles() []string {
	cas := slices.Clone(p.o.caFiles)
	if extra := os.Getenv("NODE_EXTRA_CA_CERTS"); extra != "" {
		cas = append(cas, extra+" (NODE_EXTRA_CA_CERTS)")
	}
	return cas
}

func limitText(n int) string {
	if n <= 0 {
		return "none"
	}
	return fmt.Sprintf("%d s", n)
}
