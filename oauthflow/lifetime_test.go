package oauthflow_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/fakeas"
	"github.com/mcpbridge/mcpbridge/oauthflow"
)

// The tests of token lifetimes share one clock between the authorization
// server (fakeas.Options.Now: when its tokens expire) and the flows
// (oauthflow.Config.Now): a 10-second token expires when the test moves
// the clock on, with no waiting. testing/synctest does not fit here: the
// sign-in goes through real loopback sockets, which a bubble cannot wait
// on.

// clock is a settable clock, safe for concurrent use.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Now()} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// user is what one "process" shows its user: the lines on stderr
// (Config.Notify) and the browser windows it opened.
type user struct {
	mu     sync.Mutex
	lines  []string
	visits atomic.Int32
}

func (u *user) notes() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return slices.Clone(u.lines)
}

// with returns count of the lines that contain every one of parts.
func (u *user) with(parts ...string) int {
	n := 0
	for _, l := range u.notes() {
		if containsAll(l, parts...) {
			n++
		}
	}
	return n
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// process is one mcpbridge on w's store: a new Flow (a restart) on clk,
// whose user is u, behind a bridge.
func (w *world) process(t *testing.T, clk *clock, u *user) *host {
	t.Helper()
	return w.bridge(t, w.flow(t, func(c *oauthflow.Config) {
		c.Now = clk.Now
		c.Notify = func(msg string) {
			u.mu.Lock()
			u.lines = append(u.lines, msg)
			u.mu.Unlock()
		}
		c.Open = func(link string) error {
			u.visits.Add(1)
			go func() { _ = w.as.Browse(context.Background(), link) }()
			return nil
		}
	}))
}

// expiryShown is an expiry as the notices show it.
func expiryShown(t time.Time) string { return t.Local().Format("2006-01-02 15:04:05 MST") }

// TestOfflineAccessRefreshesAcrossRestarts: in front of an authorization
// server that issues (rotating) refresh tokens only for offline_access and
// 10-second access tokens, behind an MCP server that defines no scope, the
// user signs in once in the browser; every expiry after that is a refresh,
// in the same process and in the ones started later on the same store.
func TestOfflineAccessRefreshesAcrossRestarts(t *testing.T) {
	clk := newClock()
	w := newWorldScoped(t, fakeas.Options{RefreshNeedsOfflineAccess: true, RotateRefreshTokens: true,
		AccessTokenTTL: 10 * time.Second, Now: clk.Now})
	u := &user{}
	id := 1
	for restart := range 3 {
		h := w.process(t, clk, u)
		ok(t, h.call(t, id, "initialize"))
		id++
		for range 3 {
			clk.Advance(11 * time.Second)
			ok(t, h.call(t, id, "tools/list"))
			id++
		}
		if got := u.visits.Load(); got != 1 {
			t.Fatalf("after %d restarts: %d browser visits, want 1", restart, got)
		}
	}
	st := w.as.Stats()
	if st.AuthorizeRequests != 1 || st.Refreshes != 9 || st.InvalidGrants != 0 || st.TokenErrors != 0 {
		t.Errorf("sign-ins %d, refreshes %d, invalid_grant %d, token errors %d; want 1, 9, 0, 0",
			st.AuthorizeRequests, st.Refreshes, st.InvalidGrants, st.TokenErrors)
	}
	if got := w.as.AuthorizeRequests()[0].Scope; got != "offline_access" {
		t.Errorf("asked for scope %q, want offline_access alone", got)
	}
	if n := u.with("no refresh token"); n != 0 {
		t.Errorf("%d notices of a missing refresh token, with one issued: %q", n, u.notes())
	}
	if e := storedTokens(t, w.dir); !e.Refreshable || !e.Expiry.Equal(clk.Now().Add(10*time.Second)) {
		t.Errorf("stored: refreshable %v, expiry %v; want true, %v", e.Refreshable, e.Expiry, clk.Now().Add(10*time.Second))
	}
}

// TestNoRefreshTokenNoticeAndOneVisitPerExpiry: an authorization server
// that issues no refresh tokens at all. The sign-in says so once, with the
// time the next one will be needed; the index (mcpbridge status) says the
// token is not refreshable and when it expires; requests before the expiry
// open nothing; each expiry is exactly one browser visit, announced by a
// line that says the token expired and no refresh token was issued.
func TestNoRefreshTokenNoticeAndOneVisitPerExpiry(t *testing.T) {
	clk := newClock()
	w := newWorld(t, fakeas.Options{NoRefreshTokens: true, AccessTokenTTL: 10 * time.Second, Now: clk.Now})
	u := &user{}
	h := w.process(t, clk, u)
	id := 1
	for expiry := range 4 {
		if expiry > 0 {
			// Minutes apart: the limit on sign-ins a server starts
			// (ratelimit.go) allows three in ten minutes.
			clk.Advance(5 * time.Minute)
		}
		before := len(u.notes())
		ends := clk.Now().Add(10 * time.Second)
		for range 3 { // within the token's life: one sign-in, then none
			ok(t, h.call(t, id, "tools/list"))
			id++
			clk.Advance(2 * time.Second)
		}
		if got := u.visits.Load(); got != int32(expiry+1) {
			t.Fatalf("expiry %d: %d browser visits, want %d", expiry, got, expiry+1)
		}
		lines := u.notes()[before:]
		told := slices.IndexFunc(lines, func(l string) bool {
			return containsAll(l, "issued no refresh token", "lasts until "+expiryShown(ends))
		})
		if told < 0 || u.with("issued no refresh token", "lasts until") != expiry+1 {
			t.Fatalf("expiry %d: no single notice of the sign-in's end %s: %q", expiry, expiryShown(ends), lines)
		}
		browser := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, "in your browser") })
		why := slices.IndexFunc(lines, func(l string) bool {
			return containsAll(l, "expired at", "no refresh token", "signing in again")
		})
		switch {
		case browser < 0:
			t.Fatalf("expiry %d: the browser opened without its line: %q", expiry, lines)
		case expiry == 0 && why >= 0:
			t.Errorf("the first sign-in claims an expired token: %q", lines)
		case expiry > 0 && (why < 0 || why > browser):
			t.Errorf("expiry %d: no line before the browser's saying the token expired with no refresh token: %q", expiry, lines)
		}
		if e := storedTokens(t, w.dir); e.Refreshable || !e.Expiry.Equal(ends) {
			t.Errorf("expiry %d: stored refreshable %v, expiry %v; want false, %v", expiry, e.Refreshable, e.Expiry, ends)
		}
	}
	if st := w.as.Stats(); st.Refreshes != 0 || st.AuthorizeRequests != 4 {
		t.Errorf("refreshes %d, sign-ins %d; want 0, 4", st.Refreshes, st.AuthorizeRequests)
	}
}

// TestTokenWithoutExpiresIn: a token response without expires_in (RFC
// 6749 §5.1: only RECOMMENDED) is used until the server answers 401 — no
// refresh ahead of an expiry nobody named — then refreshed, or, without a
// refresh token, signed in again with a line that says why.
func TestTokenWithoutExpiresIn(t *testing.T) {
	for _, refresh := range []bool{true, false} {
		name := map[bool]string{true: "refresh token", false: "no refresh token"}[refresh]
		t.Run(name, func(t *testing.T) {
			clk := newClock()
			w := newWorld(t, fakeas.Options{NoExpiresIn: true, NoRefreshTokens: !refresh, AccessTokenTTL: time.Hour, Now: clk.Now})
			u := &user{}
			h := w.process(t, clk, u)
			ok(t, h.call(t, 1, "initialize"))
			if e := storedTokens(t, w.dir); !e.Expiry.IsZero() || e.Refreshable != refresh {
				t.Fatalf("stored: expiry %v, refreshable %v; want none, %v", e.Expiry, e.Refreshable, refresh)
			}
			if !refresh && u.with("issued no refresh token and named no expiry") != 1 {
				t.Errorf("no notice of a token without refresh token nor expiry: %q", u.notes())
			}
			clk.Advance(50 * time.Minute) // the server's hour runs out unannounced
			ok(t, h.call(t, 2, "tools/list"))
			if st := w.as.Stats(); st.Refreshes != 0 {
				t.Fatalf("refreshed %d times a token the server still takes", st.Refreshes)
			}
			clk.Advance(11 * time.Minute)
			ok(t, h.call(t, 3, "tools/list")) // 401, then refresh or sign in, then the retry
			st := w.as.Stats()
			if refresh && (st.Refreshes != 1 || u.visits.Load() != 1) {
				t.Errorf("after the 401: refreshes %d, browser visits %d; want 1, 1", st.Refreshes, u.visits.Load())
			}
			if !refresh && (st.Refreshes != 0 || u.visits.Load() != 2 ||
				u.with("the server refused the access token", "no refresh token", "signing in again") != 1) {
				t.Errorf("after the 401: refreshes %d, browser visits %d, lines %q; want 0, 2 and one saying why",
					st.Refreshes, u.visits.Load(), u.notes())
			}
		})
	}
}

// TestExpiredTokenTakesWhatAnotherProcessStored: two processes share one
// store. When the token expires, the first to need it renews it (a
// sign-in without refresh tokens, a refresh with them); the other re-reads
// the store before it would open a browser or refresh, and uses that: no
// second browser window, no second refresh.
func TestExpiredTokenTakesWhatAnotherProcessStored(t *testing.T) {
	for _, refresh := range []bool{false, true} {
		name := map[bool]string{true: "refresh token", false: "no refresh token"}[refresh]
		t.Run(name, func(t *testing.T) {
			clk := newClock()
			w := newWorld(t, fakeas.Options{NoRefreshTokens: !refresh, RotateRefreshTokens: refresh,
				AccessTokenTTL: 10 * time.Second, Now: clk.Now})
			ua, ub := &user{}, &user{}
			a, b := w.process(t, clk, ua), w.process(t, clk, ub)
			ok(t, a.call(t, 1, "initialize"))
			ok(t, b.call(t, 1, "initialize")) // the stored token
			clk.Advance(11 * time.Second)
			ok(t, a.call(t, 2, "tools/list"))
			ok(t, b.call(t, 2, "tools/list"))
			st := w.as.Stats()
			wantVisits, wantRefreshes := 2, 0
			if refresh {
				wantVisits, wantRefreshes = 1, 1
			}
			if got := int(ua.visits.Load() + ub.visits.Load()); got != wantVisits || st.Refreshes != wantRefreshes || st.InvalidGrants != 0 {
				t.Errorf("browser visits %d, refreshes %d, invalid_grant %d; want %d, %d, 0", got, st.Refreshes, st.InvalidGrants, wantVisits, wantRefreshes)
			}
			if ub.visits.Load() != 0 || ub.with("signing in again") != 0 {
				t.Errorf("the second process signed in itself: %d visits, lines %q", ub.visits.Load(), ub.notes())
			}
		})
	}
}
