package oauthflow

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/netrule"
	"github.com/mcpbridge/mcpbridge/internal/safetext"
	"github.com/mcpbridge/mcpbridge/tokencache"
)

// Flow signs mcpbridge in to one MCP server and keeps it signed in. It
// implements bridge.Authorizer.
type Flow struct {
	cfg   Config
	names names
	// resourceGiven: --resource was set; otherwise the resource follows
	// what the server's protected resource metadata names.
	resourceGiven bool

	mu          sync.Mutex
	rec         *record // current credentials; nil when none
	loaded      bool
	lastLogin   time.Time      // the last sign-in, while its token was never accepted
	lastRefresh time.Time      // the last refresh, while its token was never accepted
	stepUps     map[string]int // step-ups per scope set demanded: two each
	prompts     signInLimiter  // sign-ins the server started (ratelimit.go)
	dpop        dpopState      // the DPoP key and nonces (dpop.go)

	signIn sync.Mutex // one sign-in or refresh at a time in this process
}

// record is what the token store keeps for a server: the token and what is
// needed to refresh it without discovering anything.
type record struct {
	Token         Token    `json:"token"`
	Issuer        string   `json:"issuer"`
	TokenEndpoint string   `json:"token_endpoint"`
	Client        Client   `json:"client"`
	Scopes        []string `json:"scopes,omitempty"`
	Resource      string   `json:"resource,omitempty"`
}

type names struct{ tokens string }

// New validates cfg, fills in its defaults and returns a Flow.
func New(cfg Config) (*Flow, error) {
	resourceGiven := cfg.Resource != ""
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	f := &Flow{cfg: cfg, resourceGiven: resourceGiven}
	f.names.tokens = tokencache.TokensName(cfg.Server.String(), cfg.Resource, cfg.Identity)
	return f, nil
}

// resourceFor is the RFC 8707 resource to ask for: none with
// --disable-resource-parameter, --resource if given, else the resource the
// server's metadata names (it may be less specific than the endpoint, such
// as its origin), else the server's canonical URI.
func (f *Flow) resourceFor(prm *ProtectedResource) string {
	switch {
	case f.cfg.DisableResource:
		return ""
	case !f.resourceGiven && prm != nil && prm.Resource != "":
		return prm.Resource
	}
	return f.cfg.Resource
}

// setResource adds the resource parameter unless there is none to send.
func setResource(form url.Values, resource string) {
	if resource != "" {
		form.Set("resource", resource)
	}
}

// CanonicalResource is the server's canonical URI (MCP authorization
// §Canonical Server URI): lower-case scheme and host, no trailing slash,
// and neither query nor fragment (RFC 8707 §2: the resource MUST NOT
// include a fragment and SHOULD NOT include a query; servers take API keys
// in the query, which the authorization server must not be sent).
func CanonicalResource(u *url.URL) string {
	u = netrule.WithoutQuery(u)
	c := url.URL{Scheme: strings.ToLower(u.Scheme), Host: strings.ToLower(u.Host), Path: strings.TrimSuffix(u.Path, "/")}
	return c.String()
}

// shown is the server URL for any line, log or index entry: no password,
// no query value (netrule.Redact).
func (f *Flow) shown() string { return netrule.Redact(f.cfg.Server) }

// Authorize adds the bearer token, refreshing it first when it expires
// within a minute. Without a token the request goes out bare, and the
// server's 401 starts the sign-in.
func (f *Flow) Authorize(ctx context.Context, req *http.Request) error {
	rec := f.current(ctx)
	if rec == nil {
		return nil
	}
	// An expiring token without refresh token goes out as it is: the
	// server's 401 then holds the requests for the sign-in (Refused), and
	// the notice before the browser says why (lifetime.go).
	now := f.cfg.Now()
	switch {
	case rec.Token.expiring(now) && rec.Token.RefreshToken != "":
		if fresh, err := f.refresh(ctx, rec); err == nil {
			rec = fresh
		} else {
			f.cfg.Log.Debug("refresh ahead of expiry failed", "error", err)
		}
	case rec.Token.expiring(now) && f.regrants():
		// No refresh token in this grant: ask again ahead of expiry.
		if err := f.login(ctx, rec, Challenge{}, rec.Scopes, true, false); err == nil {
			rec = f.current(ctx)
		}
	}
	bearer := rec.Token.AccessToken
	if f.cfg.UseIDToken {
		if rec.Token.IDToken == "" {
			return errors.New("--use-id-token: the authorization server issued no id token (ask for the openid scope)")
		}
		bearer = rec.Token.IDToken
	} else if isDPoP(rec.Token) {
		return f.authorizeDPoP(ctx, req, bearer)
	}
	req.Header.Set("Authorization", "Bearer "+bearer)
	return nil
}

// Accepted is told that the server took the token: a later 401 means it
// stopped taking it (revoked, or the server moved to another authorization
// server), not that the sign-in is broken.
func (f *Flow) Accepted() {
	f.mu.Lock()
	f.lastLogin, f.lastRefresh = time.Time{}, time.Time{}
	f.mu.Unlock()
}

// Refused handles a 401 (refresh, or sign in) or a 403 insufficient_scope
// (sign in again with more scopes, twice at most). It returns nil when a
// retry may succeed, or an error that tells the user what to do.
func (f *Flow) Refused(ctx context.Context, resp *http.Response) error {
	if f.takeNonce(resp) {
		return nil // the same token, with a proof carrying the server's nonce (RFC 9449 §9)
	}
	ch := authChallenge(ParseWWWAuthenticate(resp.Header.Values("WWW-Authenticate")))
	rec := f.current(ctx)
	if resp.StatusCode == http.StatusForbidden {
		if ch.Error != "insufficient_scope" {
			return fmt.Errorf("the server refused access (HTTP 403%s)", describe(ch))
		}
		demanded := slices.Sorted(slices.Values(ch.Scope))
		key := strings.Join(demanded, " ")
		f.mu.Lock()
		if f.stepUps == nil {
			f.stepUps = map[string]int{}
		}
		f.stepUps[key]++
		tooMany := f.stepUps[key] > 2
		f.mu.Unlock()
		if tooMany {
			return fmt.Errorf("the server keeps asking for more scopes (%s); giving up", safetext.Escape(strings.Join(ch.Scope, " ")))
		}
		var have []string
		if rec != nil {
			have = rec.Scopes
		}
		return f.login(ctx, rec, ch, union(have, ch.Scope), true, false)
	}
	f.mu.Lock()
	refreshedJustNow := f.cfg.Now().Sub(f.lastRefresh) < justSignedIn
	f.mu.Unlock()
	if rec != nil && rec.Token.RefreshToken != "" && !refreshedJustNow {
		if _, err := f.refresh(ctx, rec); err == nil {
			f.mu.Lock()
			f.lastRefresh = f.cfg.Now()
			f.mu.Unlock()
			return nil
		} else {
			f.cfg.Log.Info("refreshing the token failed; signing in again", "error", err)
		}
	}
	// A refreshed token refused at once: the server may have moved to
	// another authorization server; discover and sign in afresh.
	return f.login(ctx, rec, ch, ch.Scope, refreshedJustNow, false)
}

// describe shows a challenge's error, escaped: the server wrote it.
func describe(ch Challenge) string {
	if ch.Error == "" {
		return ""
	}
	if ch.ErrorDescription != "" {
		return ": " + safetext.EscapeN(ch.Error, 80) + ", " + safetext.Escape(ch.ErrorDescription)
	}
	return ": " + safetext.EscapeN(ch.Error, 80)
}

// current returns the credentials in use, reading the store once.
func (f *Flow) current(ctx context.Context) *record {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.loaded {
		f.loaded = true
		if rec, err := f.load(ctx); err == nil {
			f.rec = rec
		} else if !errors.Is(err, tokencache.ErrNotFound) {
			f.cfg.Log.Warn("could not read stored credentials; signing in again", "error", err)
		}
	}
	return f.rec
}

func (f *Flow) load(ctx context.Context) (*record, error) {
	if ok, err := f.cfg.Store.Stored(f.names.tokens); err == nil && !ok {
		return nil, tokencache.ErrNotFound // nothing stored: no keychain woken
	}
	raw, err := f.cfg.Store.Get(ctx, f.names.tokens)
	if err != nil {
		return nil, err
	}
	var rec record
	if err := json.Unmarshal(raw, &rec); err != nil || rec.Token.AccessToken == "" {
		return nil, fmt.Errorf("stored credentials are damaged")
	}
	return &rec, nil
}

func (f *Flow) save(ctx context.Context, rec *record) error {
	raw, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	meta := tokencache.Meta{Kind: "tokens", Server: f.shown(), Issuer: rec.Issuer, Scopes: rec.Scopes,
		Expiry: rec.Token.Expiry, Refreshable: rec.Token.RefreshToken != ""}
	if err := f.cfg.Store.Put(ctx, f.names.tokens, raw, meta); err != nil {
		return err
	}
	f.mu.Lock()
	f.rec = rec
	f.mu.Unlock()
	return nil
}

// forget drops the credentials (invalid_grant: the grant is gone).
func (f *Flow) forget(ctx context.Context) {
	_ = f.cfg.Store.Delete(ctx, f.names.tokens)
	f.mu.Lock()
	f.rec = nil
	f.mu.Unlock()
}

// adopt re-reads the store under the lock: another process (or goroutine)
// may have refreshed or signed in while this one waited. It returns the
// stored record when it differs from the one the caller had.
func (f *Flow) adopt(ctx context.Context, had *record) *record {
	rec, err := f.load(ctx)
	if err != nil || (had != nil && rec.Token.AccessToken == had.Token.AccessToken) {
		return nil
	}
	if rec.Token.expiring(f.cfg.Now()) && rec.Token.RefreshToken == "" {
		return nil
	}
	f.mu.Lock()
	f.rec = rec
	f.mu.Unlock()
	return rec
}

// union returns a ∪ b, in order, without duplicates.
func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// Login signs in now, as `mcpbridge login` does, even with a valid token
// stored (the user asked).
func (f *Flow) Login(ctx context.Context) error {
	f.mu.Lock()
	had := f.rec
	f.loaded = true
	f.mu.Unlock()
	return f.login(ctx, had, Challenge{}, nil, true, true)
}

// Logout revokes the stored tokens at the authorization server when it
// offers revocation (RFC 7009), then deletes them. It reports whether
// anything was stored.
func (f *Flow) Logout(ctx context.Context) (bool, error) {
	rec := f.current(ctx)
	if rec == nil {
		return false, nil
	}
	err := f.revoke(ctx, rec)
	f.loggedOut(ctx, rec, err) // before forgetting: the ledger says what was revoked
	if err != nil && !errors.Is(err, errNoRevocation) {
		f.cfg.Log.Warn("could not revoke the tokens at the authorization server; deleting them here anyway", "error", err)
	}
	if err := f.cfg.Store.Delete(ctx, f.names.tokens); err != nil {
		return true, err
	}
	if err := f.cfg.Store.Delete(ctx, clientName(rec.Issuer)); err != nil {
		f.cfg.Log.Warn("could not delete the client registration", "error", err)
	}
	if err := f.dropDPoPKey(ctx); err != nil {
		f.cfg.Log.Warn("could not delete the DPoP key", "error", err)
	}
	f.mu.Lock()
	f.rec = nil
	f.mu.Unlock()
	return true, nil
}

// PasteFrom makes the sign-in print its link with show instead of opening
// a browser, and read the redirected address from r, a line at a time.
func (f *Flow) PasteFrom(r io.Reader, show func(u string)) {
	lines := bufio.NewScanner(r)
	lines.Buffer(nil, 64<<10)
	f.cfg.Open = func(u string) error { show(u); return nil }
	f.cfg.Paste = func(ctx context.Context) (string, error) {
		got := make(chan bool, 1)
		go func() { got <- lines.Scan() }()
		select {
		case ok := <-got:
			if !ok {
				return "", io.EOF
			}
			return lines.Text(), nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
}
