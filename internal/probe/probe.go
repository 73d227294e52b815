package probe

import (
	"context"
	"sync"
	"time"

	"github.com/mcpbridge/mcpbridge/bridge"
	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
	"github.com/mcpbridge/mcpbridge/oauthflow"
)

// Config is what Run needs from the command.
type Config struct {
	Version, Commit string // this build: in the report, the User-Agent and the clientInfo
	URL             string // the server URL as the report names it (redacted)

	// Settings builds what the bridge would run with from the command
	// line; the settings step fails with its error.
	Settings func() (Settings, error)
	// Flags are the command line's settings that the steps describe or
	// obey beyond the bridge's Config.
	Flags Flags
	// Stored lists the token store's sign-ins for the server, newest
	// first, as `mcpbridge status` shows them; nil: none.
	Stored func() []StoredSignIn
	// Hide hides the command line's secrets (the server URL's query) in a
	// text, wherever they reappear; nil: nothing to hide.
	Hide func(string) string

	// Timeout bounds the whole probe but a sign-in, which --auth-timeout
	// bounds; under a second counts as one.
	Timeout time.Duration
	// Progress hears every ProgressEvery (<= 0: never) that a step still
	// waits; Done hears of each step as it ends, its texts inert. Both
	// may be nil.
	ProgressEvery time.Duration
	Progress      func(step, waiting string, elapsed time.Duration)
	Done          func(*Step)
}

// Settings are the bridge's, as the command line makes them.
type Settings struct {
	Bridge bridge.Config
	SignIn *oauthflow.Flow // nil: the user's own Authorization header is the credentials
}

// Flags are the command line's settings beyond the bridge's Config.
type Flags struct {
	Proxy             bool          // --enable-proxy
	CAFiles           []string      // extra CA bundles, as shown (NODE_EXTRA_CA_CERTS named)
	TokenStore        string        // --token-store
	Folder            string        // the config folder
	ConnectTimeout    time.Duration // --connect-timeout; <= 0: none
	HeadersTimeout    time.Duration // --headers-timeout; <= 0: none
	IPv4              bool          // --ipv4
	NoLogin           bool          // --no-login: report what is stored, never sign in
	ClientCredentials bool          // --client-credentials
	DeviceCode        bool          // --device-code
	StaticClient      bool          // --static-oauth-client-info was given
	ClientMetadataURL bool          // --client-metadata-url was given
	Workload          bool          // --workload-identity
	Enterprise        bool          // --idp-issuer
	// AuthServerMetadataURL is --auth-server-metadata-url: where the
	// authorization server's metadata is read instead of discovered.
	AuthServerMetadataURL string
}

// StoredSignIn is one sign-in the token store holds for the server.
type StoredSignIn struct {
	SignedIn bool
	Issuer   string
	Expiry   time.Time // zero: none given
	Refresh  bool      // a refresh token is kept
	Scopes   []string
	Backend  string
}

// The protocol the probe asks for as a host, and its transports' names.
const (
	hostProtocol   = "2025-11-25"
	kindStreamable = "streamable-http"
	kindLegacy     = "legacy-sse"
)

// prober runs the steps and keeps what they learn for the next ones.
type prober struct {
	cfg    Config
	run    *runner
	budget *budget
	bridge bridge.Config   // from the settings step
	signIn *oauthflow.Flow // from the settings step

	hello      *tlsHello        // the TCP step's connection, for the TLS step
	init       *jsonrpc.Message // the probe's initialize; server/discover names the same client
	kind       string           // the transport that answered
	challenges []string         // WWW-Authenticate values of a 401
	wantsAuth  bool             // the server answered 401
	authorized bool             // requests carry the sign-in's token
}

// Run runs the steps in order, stopping where the rest could not run, and
// returns the report.
func Run(ctx context.Context, cfg Config) *Report {
	cfg.Timeout = max(cfg.Timeout, time.Second)
	p := &prober{cfg: cfg, budget: newBudget(cfg.Timeout),
		run: &runner{every: cfg.ProgressEvery, progress: cfg.Progress, done: cfg.Done, hide: cfg.Hide}}
	p.all(ctx)
	return newReport(cfg, p.run.steps)
}

func (p *prober) all(ctx context.Context) {
	if !p.settings().OK || !p.reach(ctx) || !p.transport(ctx) {
		return
	}
	if p.wantsAuth {
		if !p.authorize(ctx) || !p.transport(ctx) {
			return
		}
	} else {
		p.run.run("authorization", "", false, func(st *Step) error {
			st.set("needed", false)
			return nil
		})
	}
	if p.kind == kindStreamable {
		p.discover(ctx)
	}
	p.mcp(ctx)
}

// step runs fn as a step whose context ends at limit (<= 0: none) or when
// the probe's time is up; a step cut short gets the hint that names the
// flag that gives it more time (the step's own hint wins).
func (p *prober) step(ctx context.Context, name, waiting string, required bool, limit time.Duration, limitFlag string, fn func(context.Context, *Step) error) *Step {
	return p.run.run(name, waiting, required, func(st *Step) error {
		c, cancel := p.budget.within(ctx, limit)
		defer cancel()
		err := fn(c, st)
		if err != nil && c.Err() != nil && ctx.Err() == nil {
			err = withHint(err, "the step ran out of time; raise "+limitFlag+" or --timeout")
		}
		return err
	})
}

// headersStep is a step bounded by --headers-timeout.
func (p *prober) headersStep(ctx context.Context, name, waiting string, required bool, fn func(context.Context, *Step) error) *Step {
	return p.step(ctx, name, waiting, required, p.cfg.Flags.HeadersTimeout, "--headers-timeout", fn)
}

// budget is the probe's overall time (Config.Timeout). A sign-in does not
// count: it has --auth-timeout.
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
