package main

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcpbridge/mcpbridge/bridge"
	"github.com/mcpbridge/mcpbridge/internal/cmdutil"
	"github.com/mcpbridge/mcpbridge/internal/headerhelper"
	"github.com/mcpbridge/mcpbridge/internal/headers"
	"github.com/mcpbridge/mcpbridge/internal/httpclient"
	"github.com/mcpbridge/mcpbridge/internal/logx"
	"github.com/mcpbridge/mcpbridge/internal/netrule"
	"github.com/mcpbridge/mcpbridge/tokencache"
)

// options are the bridge's command-line settings. Names and meanings follow
// mcp-remote 0.15.1, so existing config lines keep working.
type options struct {
	url          string
	callbackPort int

	headers        []string
	headerFile     string
	helper         string
	helperEvery    time.Duration
	allowHTTP      bool
	transport      string
	protocol       string
	ignoreTools    []string
	allowTools     []string
	enableProxy    bool
	caFiles        []string
	connectTimeout int
	headersTimeout int
	bodyTimeout    int
	answerTimeout  int
	ipv4           bool
	disableCookies bool
	keepAlive      bool
	pingInterval   int
	debug          bool
	silent         bool

	auth authOptions

	dir  string               // the config folder, when not the user's (the OAuth demo)
	open func(u string) error // opens the browser, when not the system's (the OAuth demo's tour)
}

// configFolder is where this run keeps its files.
func (o *options) configFolder() string { return cmp.Or(o.dir, tokencache.DefaultDir()) }

func (o *options) register(cmd *cobra.Command) {
	f := cmd.Flags()
	cmdutil.Repeatable(f, &o.headers, "header", `extra request header "Name: value" (repeatable); ${VAR} is read from the environment`)
	f.StringVar(&o.headerFile, "header-file", "", "file of extra headers, one \"Name: value\" a line, # for comments")
	f.StringVar(&o.helper, "headers-helper", "", `command whose output ("Name: value" lines or a JSON object) is added to every request; no shell unless you write sh -c '…'`)
	f.DurationVar(&o.helperEvery, "headers-helper-interval", headerhelper.DefaultInterval, "run --headers-helper again after this long (and on a 401)")
	f.BoolVar(&o.allowHTTP, "allow-http", false, "allow plain http:// to a server that is not on this machine")
	f.StringVar(&o.transport, "transport", string(bridge.HTTPFirst), "http-first, sse-first, http-only or sse-only")
	f.StringVar(&o.protocol, "protocol", string(bridge.ProtocolAuto), "protocol era: auto (detect and translate), legacy (pass messages as they are) or modern (the server speaks 2026-07-28)")
	cmdutil.Repeatable(f, &o.ignoreTools, "ignore-tool", "hide tools matching this pattern (repeatable; * wildcard, any case)")
	cmdutil.Repeatable(f, &o.allowTools, "allow-tool", "show only tools matching this pattern (repeatable; * wildcard, any case)")
	f.BoolVar(&o.enableProxy, "enable-proxy", false, "use HTTP_PROXY, HTTPS_PROXY and NO_PROXY from the environment")
	cmdutil.Repeatable(f, &o.caFiles, "ca-file", "also trust the CA certificates in this PEM file (repeatable; NODE_EXTRA_CA_CERTS is read too)")
	f.IntVar(&o.connectTimeout, "connect-timeout", 30, "seconds to wait for a connection to the server")
	f.IntVar(&o.headersTimeout, "headers-timeout", 300, "seconds to wait for an answer's headers (0: no limit)")
	f.IntVar(&o.bodyTimeout, "body-timeout", 300, "seconds a JSON answer may take to arrive whole, an SSE event from its first byte, and a stream may stay silent (0: no limit)")
	f.IntVar(&o.answerTimeout, "answer-timeout", 3600, "seconds a request's answer stream may go without a message (progress counts; keep-alives do not) (0: no limit)")
	f.BoolVar(&o.ipv4, "ipv4", false, "connect over IPv4 only")
	f.BoolVar(&o.disableCookies, "disable-cookies", false, "do not keep cookies the server sets")
	f.BoolVar(&o.keepAlive, "keep-alive", false, "ping the server every 30 s to keep the session alive")
	f.IntVar(&o.pingInterval, "ping-interval", 0, "ping the server every N seconds (implies --keep-alive)")
	f.BoolVar(&o.debug, "debug", false, "write a detailed log (no secrets) to a file in the config folder")
	f.BoolVar(&o.silent, "silent", false, "write nothing to stderr")
	o.auth.register(cmd)
}

// runBridge turns the options into a bridge.Config and runs the bridge.
func runBridge(ctx context.Context, o *options, s ioStreams) error {
	stderr := s.err
	if o.silent {
		stderr = nil
	}
	logFile := ""
	if o.debug {
		logFile = logx.DebugFile(tokencache.DefaultDir(), o.url)
	}
	log, closeLog, err := logx.New(logx.Options{Stderr: stderr, DebugFile: logFile, Hide: netrule.HideQueries(o.url)})
	if err != nil {
		return err
	}
	defer closeLog()
	if logFile != "" {
		log.Info("writing a debug log", "file", logFile)
	}
	cfg, err := o.config(log)
	if err != nil {
		return err
	}
	log.Info("bridging stdio to "+netrule.Redact(cfg.URL), "transport", cfg.Transport, "protocol", cfg.Protocol, "version", version)
	in, restore := bridge.OwnProcess(s.in)
	defer restore()
	if err := bridge.Run(ctx, cfg, in, s.out); err != nil {
		return fmt.Errorf("bridge: %w", err)
	}
	return nil
}

// remote is what the bridge and the sign-in both take from the flags: the
// server URL, the headers and the HTTP client (one constructor for both,
// internal/httpclient).
type remote struct {
	url    *url.URL
	header http.Header
	client *http.Client
}

// remote validates the server URL, header and network flags.
func (o *options) remote(log *slog.Logger) (remote, error) {
	u, err := serverURL(o.url, o.allowHTTP)
	if err != nil {
		return remote{}, err
	}
	hdr, err := headers.Build(o.headerFile, o.headers, func(msg string) { log.Warn(msg) })
	if err != nil {
		return remote{}, usageError{err}
	}
	client, err := httpclient.New(httpclient.Options{
		ConnectTimeout: seconds(o.connectTimeout),
		HeadersTimeout: seconds(o.headersTimeout),
		Proxy:          o.enableProxy,
		CAFiles:        httpclient.CAFiles(o.caFiles, false),
		IPv4:           o.ipv4,
		Cookies:        !o.disableCookies,
		UserAgent:      userAgent(),
	})
	if err != nil {
		return remote{}, err
	}
	return remote{url: u, header: hdr, client: client}, nil
}

// config validates the options once and builds the bridge's Config.
func (o *options) config(log *slog.Logger) (bridge.Config, error) {
	mode, err := bridge.ParseTransportMode(o.transport)
	if err != nil {
		return bridge.Config{}, usageError{err}
	}
	protocol, err := bridge.ParseProtocolMode(cmp.Or(o.protocol, string(bridge.ProtocolAuto)))
	if err != nil {
		return bridge.Config{}, usageError{err}
	}
	r, err := o.remote(log)
	if err != nil {
		return bridge.Config{}, err
	}
	var auth bridge.Authorizer
	if flow, err := o.signInFlow(r, log); err != nil {
		return bridge.Config{}, err
	} else if flow != nil {
		auth = flow
	}
	if o.helper != "" {
		if auth, err = headerhelper.New(headerhelper.Config{Command: o.helper, Interval: o.helperEvery, Next: auth}); err != nil {
			return bridge.Config{}, usageError{err}
		}
	}
	ping := seconds(o.pingInterval)
	if o.keepAlive && o.pingInterval <= 0 {
		ping = 30 * time.Second
	}
	return bridge.Config{
		Version:       version,
		URL:           r.url,
		HTTPClient:    r.client,
		Transport:     mode,
		Protocol:      protocol,
		Header:        r.header,
		Auth:          auth,
		Tools:         bridge.ToolFilter{Ignore: o.ignoreTools, Allow: o.allowTools},
		Log:           log,
		BodyTimeout:   seconds(o.bodyTimeout),
		AnswerTimeout: seconds(o.answerTimeout),
		PingInterval:  max(ping, 0),
		EraMemo:       tokencache.EraMemoFor(o.configFolder(), r.url), // nil-safe: nil remembers nothing
	}, nil
}

// seconds maps a flag's seconds to a duration; 0 means no limit.
func seconds(n int) time.Duration {
	if n <= 0 {
		return -1
	}
	return time.Duration(n) * time.Second
}

// serverURL is netrule.ServerURL; a refusal is a usage error.
func serverURL(raw string, allowHTTP bool) (*url.URL, error) {
	u, err := netrule.ServerURL(raw, allowHTTP)
	if err != nil {
		return nil, usageError{err}
	}
	return u, nil
}
