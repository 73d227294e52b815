package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcpbridge/mcpbridge/internal/httpclient"
	"github.com/mcpbridge/mcpbridge/internal/logx"
	"github.com/mcpbridge/mcpbridge/internal/netrule"
	"github.com/mcpbridge/mcpbridge/internal/probe"
	"github.com/mcpbridge/mcpbridge/tokencache"
)

// probeOptions are probe's: the bridge's flags (the probe checks what the
// bridge would run with) and its own.
type probeOptions struct {
	io      ioStreams
	bridge  options
	asJSON  bool
	noLogin bool
	timeout int
}

// newProbeCmd is `mcpbridge probe`; runF, when set, runs instead of
// runProbe (tests of the flags).
func newProbeCmd(s ioStreams, runF func(context.Context, *probeOptions) error) *cobra.Command {
	o := &probeOptions{io: s}
	cmd := &cobra.Command{
		Use:   "probe URL [callback-port] [flags]",
		Short: "Check, step by step, that a server can be reached, signed in to and used",
		Long: `probe checks the way from this machine to the MCP server at URL, one step at a
time, and says which step fails and what to do about it: the settings, DNS, TCP
and TLS, the transport (Streamable HTTP or HTTP+SSE), the sign-in when the server
asks for one, and a real MCP session through the bridge (initialize, then the
lists of tools, resources and prompts). It takes the same flags as the bridge,
so a client's config line can be checked as it is. It never shows a token or a
header's value; --json adds a report to attach to a bug report.`,
		Example: `  mcpbridge probe https://mcp.example.com/mcp
  mcpbridge probe https://mcp.example.com/mcp --json > report.json
  mcpbridge probe https://mcp.example.com/mcp --no-login --header "X-Tenant: acme"`,
		Args: urlArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.bridge.positional(args); err != nil {
				return err
			}
			return runOr(cmd.Context(), o, runF, runProbe)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.asJSON, "json", false, "print a JSON report on stdout at the end (for bug reports)")
	f.BoolVar(&o.noLogin, "no-login", false, "do not sign in when the server asks for it; only report what is stored")
	f.IntVar(&o.timeout, "timeout", 120, "seconds the whole probe may take, not counting a browser sign-in (that is --auth-timeout)")
	o.bridge.register(cmd)
	return cmd
}

// progressEvery is how often a long step prints that it still waits.
const progressEvery = 5 * time.Second

// runProbe prints each step on stderr as it ends, and the report on
// stdout with --json.
func runProbe(ctx context.Context, o *probeOptions) error {
	var errOut io.Writer = o.io.err
	if o.bridge.silent {
		errOut = io.Discard
	}
	w := logx.Serialized(errOut)
	logFile := ""
	if o.bridge.debug {
		logFile = logx.DebugFile(tokencache.DefaultDir(), o.bridge.url)
	}
	log, closeLog, err := logx.New(logx.Options{Stderr: logx.Indent(w, "    "), DebugFile: logFile, Hide: netrule.HideQueries(o.bridge.url)})
	if err != nil {
		return err
	}
	defer closeLog()
	fmt.Fprintf(w, "mcpbridge %s (%s/%s) probing %s\n\n", version, runtime.GOOS, runtime.GOARCH, redactedArg(o.bridge.url))
	rep := probe.Run(ctx, o.config(log, w, progressEvery))
	if rep.OK {
		fmt.Fprintln(w, "\nEvery step needed passed.")
	}
	if o.asJSON {
		if err := rep.WriteJSON(o.io.out); err != nil {
			return err
		}
	}
	if !rep.OK {
		return fmt.Errorf("the probe failed at: %s (see the hints above)", strings.Join(rep.Failed, ", "))
	}
	return nil
}

// config is the library's view of the command line; steps print on w.
func (o *probeOptions) config(log *slog.Logger, w io.Writer, every time.Duration) probe.Config {
	b := &o.bridge
	return probe.Config{
		Version: version, Commit: commit, URL: redactedArg(b.url),
		Settings: func() (probe.Settings, error) {
			cfg, err := b.config(log)
			return probe.Settings{Bridge: cfg, SignIn: probe.SignInOf(cfg.Auth)}, err
		},
		Flags: probe.Flags{Proxy: b.enableProxy, CAFiles: httpclient.CAFiles(b.caFiles, true), TokenStore: b.auth.tokenStore, Folder: b.configFolder(),
			ConnectTimeout: seconds(b.connectTimeout), HeadersTimeout: seconds(b.headersTimeout), IPv4: b.ipv4,
			NoLogin: o.noLogin, ClientCredentials: b.auth.clientCreds, DeviceCode: b.auth.deviceCode,
			StaticClient: b.auth.staticInfo != "", ClientMetadataURL: b.auth.metadataURL != "", Workload: b.auth.workload != "", Enterprise: b.auth.idpIssuer != "",
			AuthServerMetadataURL: b.auth.asMetadataURL},
		Stored:        func() []probe.StoredSignIn { return probe.StoredFor(b.configFolder(), b.url) },
		Hide:          netrule.HideQueries(b.url).Replace,
		Timeout:       time.Duration(o.timeout) * time.Second,
		ProgressEvery: every,
		Progress: func(step, waiting string, elapsed time.Duration) {
			fmt.Fprintf(w, "  … %s: still waiting for %s (%d s)…\n", step, waiting, int(elapsed.Seconds()+0.5))
		},
		Done: func(st *probe.Step) { _, _ = io.WriteString(w, st.Text()) },
	}
}
