package probe

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/mcpbridge/mcpbridge/bridge"
	"github.com/mcpbridge/mcpbridge/internal/headerhelper"
	"github.com/mcpbridge/mcpbridge/internal/netrule"
	"github.com/mcpbridge/mcpbridge/oauthflow"
)

// SignInOf is the sign-in among the bridge's credentials (Settings.SignIn):
// auth itself, or the one behind --headers-helper; nil with the user's own
// Authorization header.
func SignInOf(auth bridge.Authorizer) *oauthflow.Flow {
	if hh, ok := auth.(*headerhelper.Helper); ok {
		auth = hh.Next()
	}
	flow, _ := auth.(*oauthflow.Flow)
	return flow
}

// settings is the first step: the command line understood, as the bridge
// would take it. Header values are never shown, only their names.
func (p *prober) settings() *Step {
	return p.run.run("settings", "", true, func(st *Step) error {
		s, err := p.cfg.Settings()
		if err != nil {
			return withHint(err, "fix the command line; mcpbridge probe --help lists the flags")
		}
		p.bridge, p.signIn = s.Bridge, s.SignIn
		f := p.cfg.Flags
		st.set("url", netrule.Redact(p.bridge.URL))
		st.set("transport", string(p.bridge.Transport))
		st.set("protocol", string(p.bridge.Protocol))
		st.set("headers", headerNames(p.bridge.Header))
		st.set("credentials", p.credentialSource())
		st.set("proxy", p.proxyText())
		if len(f.CAFiles) > 0 {
			st.set("ca_files", f.CAFiles)
		}
		st.set("token_store", fmt.Sprintf("%s (folder %s)", f.TokenStore, f.Folder))
		st.set("timeouts", fmt.Sprintf("connect %s, headers %s, whole probe %d s",
			limitText(f.ConnectTimeout), limitText(f.HeadersTimeout), int(p.cfg.Timeout/time.Second)))
		if f.IPv4 {
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
	case p.bridge.Header.Get("Authorization") != "":
		return "your Authorization header (no OAuth sign-in)"
	case p.cfg.Flags.ClientCredentials:
		return "OAuth client credentials (no browser)"
	case p.cfg.Flags.DeviceCode:
		return "OAuth sign-in with a device code, when the server asks"
	case p.cfg.Flags.Workload:
		return "the workload's JWT, as an OAuth jwt-bearer grant (no browser)"
	case p.cfg.Flags.Enterprise:
		return "an ID-JAG from your identity provider, as an OAuth jwt-bearer grant"
	}
	return "OAuth sign-in in the browser, when the server asks"
}

// proxy is the proxy the bridge's requests to the server go through, or
// nil: with --enable-proxy, the one HTTP_PROXY, HTTPS_PROXY and NO_PROXY
// pick for the URL (never one for a loopback address).
func (p *prober) proxy() (*url.URL, error) {
	if !p.cfg.Flags.Proxy {
		return nil, nil
	}
	return http.ProxyFromEnvironment(&http.Request{URL: p.bridge.URL})
}

func (p *prober) proxyText() string {
	if !p.cfg.Flags.Proxy {
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

func limitText(d time.Duration) string {
	if d <= 0 {
		return "none"
	}
	return fmt.Sprintf("%d s", int(d/time.Second))
}
