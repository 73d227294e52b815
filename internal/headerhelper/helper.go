package headerhelper

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/safetext"
)

// The defaults New fills in.
const (
	DefaultInterval = 5 * time.Minute  // headers older than this are fetched again
	DefaultTimeout  = 10 * time.Second // a run that takes longer fails
)

// Authorizer is what the bridge's transport asks of credentials
// (bridge.Authorizer): the sign-in a Helper stands in front of.
type Authorizer interface {
	Authorize(ctx context.Context, req *http.Request) error
	Refused(ctx context.Context, resp *http.Response) error
}

// Config is what a Helper needs. Command is required.
type Config struct {
	Command  string        // the user's command line (Split)
	Interval time.Duration // default DefaultInterval
	Timeout  time.Duration // default DefaultTimeout
	// Next is the sign-in, or nil. It adds its token when the helper
	// gives no Authorization header, and handles the refusals of it.
	Next Authorizer
	Now  func() time.Time // default time.Now
	Run  Runner           // default: the command as a process (execArgv)
}

// Helper adds the helper command's headers to every request. It
// implements bridge.Authorizer.
type Helper struct {
	cfg  Config
	argv []string
	name string // the program's base name, for errors

	mu      sync.Mutex
	header  http.Header // nil until a run succeeds, and after one fails
	fetched time.Time
	running *run // the run in flight, if any
}

// run is one execution of the helper; done closes when header or err is set.
type run struct {
	done   chan struct{}
	header http.Header
	err    error
}

// New checks cfg, fills in its defaults and splits the command.
func New(cfg Config) (*Helper, error) {
	argv, err := Split(cfg.Command)
	if err != nil {
		return nil, fmt.Errorf("--headers-helper: %w", err)
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Run == nil {
		cfg.Run = execArgv
	}
	return &Helper{cfg: cfg, argv: argv, name: safetext.EscapeN(filepath.Base(argv[0]), 80)}, nil
}

// headers returns the helper's headers: those of the last run while they
// are younger than the interval (unless again), else those of a new run,
// shared by every request that waits for it.
func (h *Helper) headers(ctx context.Context, again bool) (http.Header, error) {
	h.mu.Lock()
	if !again && h.header != nil && h.cfg.Now().Sub(h.fetched) < h.cfg.Interval {
		hdr := h.header
		h.mu.Unlock()
		return hdr, nil
	}
	r := h.running
	if r == nil {
		r = &run{done: make(chan struct{})}
		h.running = r
		go h.execute(r)
	}
	h.mu.Unlock()
	select {
	case <-r.done:
		return r.header, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for --headers-helper %s: %w", h.name, ctx.Err())
	}
}

// execute runs the helper once, under the timeout and detached from any
// one request (others may wait for the same run).
func (h *Helper) execute(r *run) {
	ctx, cancel := context.WithTimeout(context.Background(), h.cfg.Timeout)
	defer cancel()
	out, err := h.cfg.Run(ctx, h.argv)
	var hdr http.Header
	switch {
	case errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil:
		err = fmt.Errorf("--headers-helper %s did not finish within %v", h.name, h.cfg.Timeout)
	case err != nil:
		err = fmt.Errorf("--headers-helper %s failed (%s); run it in a terminal to see why", h.name, safetext.EscapeN(err.Error(), 120))
	default:
		if hdr, err = parseOutput(out); err != nil {
			err = fmt.Errorf("--headers-helper %s: %w", h.name, err)
		}
	}
	h.mu.Lock()
	h.running = nil
	h.header, h.fetched = hdr, h.cfg.Now()
	h.mu.Unlock()
	r.header, r.err = hdr, err
	close(r.done)
}

// Authorize adds the helper's headers (replacing the user's of the same
// name), then, unless they hold Authorization, the sign-in's token.
func (h *Helper) Authorize(ctx context.Context, req *http.Request) error {
	hdr, err := h.headers(ctx, false)
	if err != nil {
		return err
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	if h.cfg.Next != nil && req.Header.Get("Authorization") == "" {
		return h.cfg.Next.Authorize(ctx, req)
	}
	return nil
}

// Refused re-runs the helper on a 401 (its credentials may have expired
// before the interval), then hands the refusal to the sign-in when the
// helper gives no Authorization header. A 403 to the helper's own
// credentials is final.
func (h *Helper) Refused(ctx context.Context, resp *http.Response) error {
	h.mu.Lock()
	owns := h.header.Get("Authorization") != ""
	h.mu.Unlock()
	if resp.StatusCode == http.StatusUnauthorized {
		hdr, err := h.headers(ctx, true)
		if err != nil {
			return err
		}
		owns = hdr.Get("Authorization") != ""
	}
	if h.cfg.Next != nil && !owns {
		return h.cfg.Next.Refused(ctx, resp)
	}
	if resp.StatusCode == http.StatusForbidden {
		return fmt.Errorf("the server refused access (HTTP 403) with the headers of --headers-helper %s", h.name)
	}
	return nil
}

// Next is the sign-in behind the helper (Config.Next), or nil.
func (h *Helper) Next() Authorizer { return h.cfg.Next }

// FreshNonce passes a refusal on to the sign-in when it binds its tokens
// to a key and a server nonce (bridge/transport's NonceRetrier, DPoP): in
// front of the sign-in, the helper must not hide the nonce's retry.
func (h *Helper) FreshNonce(resp *http.Response) bool {
	n, ok := h.cfg.Next.(interface{ FreshNonce(*http.Response) bool })
	return ok && n.FreshNonce(resp)
}

// Accepted passes the server's acceptance on to the sign-in when it
// listens for it (bridge/transport's AcceptanceObserver).
func (h *Helper) Accepted() {
	if o, ok := h.cfg.Next.(interface{ Accepted() }); ok {
		o.Accepted()
	}
}
