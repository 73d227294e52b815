package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcpbridge/mcpbridge/bridge"
	"github.com/mcpbridge/mcpbridge/internal/logx"
)

// probeFlags are probe's own flags, beside the bridge's.
type probeFlags struct {
	asJSON  bool
	noLogin bool
	timeout int
}

func newProbeCmd(s ioStreams) *cobra.Command {
	o := &options{}
	var pf probeFlags
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
		Args: func(c *cobra.Command, args []string) error {
			if err := cobra.RangeArgs(1, 2)(c, args); err != nil {
				return usageError{fmt.Errorf("%w: give the server URL, and optionally the OAuth callback port", err)}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.positional(args); err != nil {
				return err
			}
			return runProbe(cmd.Context(), o, pf, s)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&pf.asJSON, "json", false, "print a JSON report on stdout at the end (for bug reports)")
	f.BoolVar(&pf.noLogin, "no-login", false, "do not sign in when the server asks for it; only report what is stored")
	f.IntVar(&pf.timeout, "timeout", 120, "seconds the whole probe may take, not counting a browser sign-in (that is --auth-timeout)")
	o.register(cmd)
	return cmd
}

// prober runs the steps and keeps what they learn for the next ones.
type prober struct {
	o      *options
	pf     probeFlags
	rep    *reporter
	log    *slog.Logger
	budget *budget
	cfg    bridge.Config

	hello      *tlsHello // the TCP step's connection, for the TLS step
	kind       string    // the transport that answered: streamable-http or legacy-sse
	challenges []string  // WWW-Authenticate values of a 401
	wantsAuth  bool      // the server answered 401
	authorized bool      // requests carry the sign-in's token
}

// progressEvery is how often a long step prints that it still waits.
const progressEvery = 5 * time.Second

func runProbe(ctx context.Context, o *options, pf probeFlags, s ioStreams) error {
	var errOut io.Writer = s.err
	if o.silent {
		errOut = io.Discard
	}
	w := &syncWriter{w: errOut}
	logFile := ""
	if o.debug {
		logFile = debugLogPath(o.url)
	}
	log, closeLog, err := logx.New(logx.Options{Stderr: indentWriter{w: w, prefix: "    "}, DebugFile: logFile, Hide: hideQueries(o.url)})
	if err != nil {
		return err
	}
	defer closeLog()
	p := &prober{o: o, pf: pf, log: log, rep: &reporter{w: w, every: progressEvery, hide: hideQueries(o.url)},
		budget: newBudget(time.Duration(max(pf.timeout, 1)) * time.Second)}
	fmt.Fprintf(w, "mcpbridge %s (%s/%s) probing %s\n\n", version, runtime.GOOS, runtime.GOARCH, redactedArg(o.url))
	p.all(ctx)
	failed := p.rep.failed()
	if len(failed) == 0 {
		fmt.Fprintln(w, "\nEvery step needed passed.")
	}
	if pf.asJSON {
		if err := p.writeJSON(s.out, failed); err != nil {
			return err
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("the probe failed at: %s (see the hints above)", strings.Join(failed, ", "))
	}
	return nil
}

// all runs the steps in order, stopping where the rest could not run.
func (p *prober) all(ctx context.Context) {
	if !p.settings().OK || !p.reach(ctx) {
		return
	}
	if !p.transport(ctx) {
		return
	}
	if p.wantsAuth {
		if !p.authorize(ctx) || !p.transport(ctx) {
			return
		}
	} else {
		p.rep.run("authorization", "", false, func(st *step) error {
			st.set("needed", false)
			return nil
		})
	}
	if p.kind == kindStreamable {
		p.discover(ctx)
	}
	p.mcp(ctx)
}

// step runs fn as a step whose context ends at limit (<= 0: none) or
// when the probe's time is up; a step cut short gets the hint that says
// which flag gives it more time (the outer hint wins).
func (p *prober) step(ctx context.Context, name, waiting string, required bool, limit time.Duration, limitFlag string, fn func(context.Context, *step) error) *step {
	return p.rep.run(name, waiting, required, func(st *step) error {
		c, cancel := p.budget.within(ctx, limit)
		defer cancel()
		err := fn(c, st)
		if err != nil && c.Err() != nil && ctx.Err() == nil {
			err = withHint(err, fmt.Sprintf("the step ran out of time; raise %s or --timeout", limitFlag))
		}
		return err
	})
}

// probeReport is the --json output.
type probeReport struct {
	Mcpbridge string   `json:"mcpbridge"`
	Commit    string   `json:"commit"`
	OS        string   `json:"os"`
	Arch      string   `json:"arch"`
	Go        string   `json:"go"`
	URL       string   `json:"url"`
	OK        bool     `json:"ok"`
	Failed    []string `json:"failed"`
	Steps     []*step  `json:"steps"`
}

func (p *prober) writeJSON(out io.Writer, failed []string) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(probeReport{Mcpbridge: version, Commit: commit, OS: runtime.GOOS, Arch: runtime.GOARCH,
		Go: runtime.Version(), URL: redactedArg(p.o.url), OK: len(failed) == 0, Failed: append([]string{}, failed...), Steps: p.rep.steps})
}

// budget is the probe's overall time (--timeout). A browser sign-in does
// not count: it has --auth-timeout.
type budget struct {
	mu       sync.Mutex
	deadline time.Time
}

func newBudget(total time.Duration) *budget { return &budget{deadline: time.Now().Add(total)} }

// within returns a context that ends after limit (<= 0: no step limit) or
// when the budget is spent, whichever comes first.
func (b *budget) within(ctx context.Context, limit time.Duration) (context.Context, context.CancelFunc) {
	b.mu.Lock()
	end := b.deadline
	b.mu.Unlock()
	if limit > 0 {
		if t := time.Now().Add(limit); t.Before(end) {
			end = t
		}
	}
	return context.WithDeadline(ctx, end)
}

// extend gives back time spent where the budget does not apply.
func (b *budget) extend(d time.Duration) {
	b.mu.Lock()
	b.deadline = b.deadline.Add(d)
	b.mu.Unlock()
}
