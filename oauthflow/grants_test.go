package oauthflow_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/mcpbridge/mcpbridge/internal/fakeas"
	"github.com/mcpbridge/mcpbridge/internal/ledger"
	"github.com/mcpbridge/mcpbridge/oauthflow"
)

// secretTap is an HTTP transport that keeps every secret sent to the
// authorization server (codes, verifiers, refresh tokens, client secrets,
// assertions) and every one it issued (tokens, client secrets).
type secretTap struct {
	mu      sync.Mutex
	secrets []string
}

func (s *secretTap) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		body, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
		if form, err := url.ParseQuery(string(body)); err == nil {
			s.keep(form.Get("code"), form.Get("code_verifier"), form.Get("refresh_token"), form.Get("client_secret"), form.Get("client_assertion"), form.Get("token"))
		}
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var issued map[string]any
	if json.Unmarshal(body, &issued) == nil {
		for _, k := range []string{"access_token", "refresh_token", "id_token", "client_secret"} {
			v, _ := issued[k].(string)
			s.keep(v)
		}
	}
	if loc, err := url.Parse(resp.Header.Get("Location")); err == nil {
		s.keep(loc.Query().Get("code"))
	}
	return resp, nil
}

func (s *secretTap) keep(vs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range vs {
		if v != "" {
			s.secrets = append(s.secrets, v)
		}
	}
}

// assertNoSecret fails when text holds any secret the tap saw.
func (s *secretTap) assertNoSecret(t *testing.T, what, text string) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.secrets) == 0 {
		t.Fatal("the tap saw no secret to look for")
	}
	for _, v := range s.secrets {
		if strings.Contains(text, v) {
			t.Errorf("%s holds a secret (%d characters)", what, len(v))
		}
	}
}

// TestLedgerRecordsTheGrant: sign-in, reuse, refresh, step-up and logout
// leave granted, refreshed, stepped-up and revoked, each naming what was
// asked and granted; reuse records nothing; no secret is in any event.
func TestLedgerRecordsTheGrant(t *testing.T) {
	w := newWorld(t, fakeas.Options{})
	rec, tap := &oauthflow.MemLedger{}, &secretTap{}
	f := w.flow(t, func(c *oauthflow.Config) { c.Recorder = rec; c.HTTP = &http.Client{Transport: tap} })
	h := w.bridge(t, f)
	ok(t, h.call(t, 1, "initialize"))
	ok(t, w.bridge(t, w.flow(t, func(c *oauthflow.Config) { c.Recorder = rec })).call(t, 1, "initialize")) // reuse
	if got := rec.Kinds(); !slices.Equal(got, []string{ledger.Granted}) {
		t.Fatalf("after sign-in and reuse: %v, want one granted", got)
	}
	g := rec.Last(ledger.Granted)
	if g.Server != w.resource || g.Issuer != w.as.URL() || g.ClientID == "" || g.GrantType != "authorization_code" ||
		!slices.Contains(g.RequestedScopes, "mcp:read") || !slices.Contains(g.Scopes, "mcp:read") || g.ExpiresAt.IsZero() || !g.RefreshToken || g.Resource == "" {
		t.Errorf("granted: %+v", g)
	}

	w.as.ExpireAccessTokens()
	ok(t, h.call(t, 2, "tools/list"))
	if r := rec.Last(ledger.Refreshed); r.GrantType != "refresh_token" || r.Note != "" || r.ClientID != g.ClientID {
		t.Errorf("refreshed: %+v (same scope: no note)", r)
	}

	w.mu.Lock()
	w.writeScope = true
	w.mu.Unlock()
	ok(t, h.call(t, 3, "tools/call"))
	s := rec.Last(ledger.SteppedUp)
	if !slices.Equal(s.DemandedScopes, []string{"mcp:read", "mcp:write"}) || !slices.Contains(s.Scopes, "mcp:write") {
		t.Errorf("stepped-up: %+v, want the demanded and granted scopes", s)
	}

	if had, err := f.Logout(t.Context()); !had || err != nil {
		t.Fatalf("Logout = %v, %v", had, err)
	}
	if r := rec.Last(ledger.Revoked); r.Revocation != "revoked" || r.Issuer != w.as.URL() {
		t.Errorf("revoked: %+v", r)
	}
	if got := rec.Kinds(); !slices.Equal(got, []string{ledger.Granted, ledger.Refreshed, ledger.SteppedUp, ledger.Revoked}) {
		t.Errorf("events %v", got)
	}
	all, _ := json.Marshal(rec.All)
	tap.assertNoSecret(t, "the ledger", string(all))
}

// TestLedgerRecordsRefusals: a refresh refused with invalid_grant records
// refused (with the code) and the tokens forgotten, then the new sign-in,
// which answers the request that met the refusal;
// a sign-in the authorization server refuses records its error code.
func TestLedgerRecordsRefusals(t *testing.T) {
	w := newWorld(t, fakeas.Options{})
	rec := &oauthflow.MemLedger{}
	h := w.bridge(t, w.flow(t, func(c *oauthflow.Config) { c.Recorder = rec }))
	ok(t, h.call(t, 1, "initialize"))
	w.as.RevokeAll()
	w.as.ExpireAccessTokens()
	ok(t, h.call(t, 2, "tools/list")) // refused, forgotten, and signed in again for this very request
	ok(t, h.call(t, 3, "tools/list"))
	if got := rec.Kinds(); !slices.Equal(got, []string{ledger.Granted, ledger.Refused, ledger.Forgotten, ledger.Granted}) {
		t.Fatalf("events %v, want granted, refused, forgotten, granted", got)
	}
	if r := rec.Last(ledger.Refused); r.Error != "invalid_grant" || r.GrantType != "refresh_token" {
		t.Errorf("refused: %+v", r)
	}
	if r := rec.Last(ledger.Forgotten); r.Note != "tokens" || r.Issuer != w.as.URL() {
		t.Errorf("forgotten: %+v", r)
	}

	w2 := newWorld(t, fakeas.Options{AuthorizeError: "access_denied"})
	rec2 := &oauthflow.MemLedger{}
	if m := w2.bridge(t, w2.flow(t, func(c *oauthflow.Config) { c.Recorder = rec2 })).call(t, 1, "initialize"); m["error"] == nil {
		t.Fatalf("signed in against a refusing server: %v", m)
	}
	if r := rec2.Last(ledger.Refused); r.Error != "access_denied" || r.GrantType != "authorization_code" || r.Issuer != w2.as.URL() ||
		r.ClientID == "" || !slices.Contains(r.RequestedScopes, "mcp:read") || len(r.Scopes) != 0 {
		t.Errorf("refused sign-in: %+v (events %v)", r, rec2.Kinds())
	}
}

// TestWiderThanAskedIsWarned: a grant of more scopes than were asked for
// is named on stderr and in the ledger.
func TestWiderThanAskedIsWarned(t *testing.T) {
	w := newWorld(t, fakeas.Options{ExtraScopes: []string{"mcp:admin"}})
	rec := &oauthflow.MemLedger{}
	var notes []string
	var mu sync.Mutex
	f := w.flow(t, func(c *oauthflow.Config) {
		c.Recorder = rec
		c.Notify = func(m string) { mu.Lock(); notes = append(notes, m); mu.Unlock() }
	})
	ok(t, w.bridge(t, f).call(t, 1, "initialize"))
	g := rec.Last(ledger.Granted)
	if !slices.Contains(g.Scopes, "mcp:admin") || slices.Contains(g.RequestedScopes, "mcp:admin") || !strings.Contains(g.Note, "mcp:admin") {
		t.Errorf("granted: %+v, want mcp:admin granted, not asked, and noted", g)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.ContainsFunc(notes, func(n string) bool { return strings.Contains(n, "warning") && strings.Contains(n, "mcp:admin") }) {
		t.Errorf("no warning naming mcp:admin among %q", notes)
	}
}

// TestScopeIsExact: with Config.Scopes the authorization request asks for
// exactly those (no offline_access, no scopes_supported), and before the
// browser opens a line names the server, the authorization server and the
// scopes; a step-up adds what the server demands, and says so.
func TestScopeIsExact(t *testing.T) {
	w := newWorld(t, fakeas.Options{ScopesSupported: []string{"mcp:read", "mcp:write", "offline_access"}})
	var mu sync.Mutex
	var notes []string
	opened := 0
	f := w.flow(t, func(c *oauthflow.Config) {
		c.Scopes = []string{"mcp:read", "custom:x"}
		c.Notify = func(m string) { mu.Lock(); notes = append(notes, m); mu.Unlock() }
		open := c.Open
		c.Open = func(u string) error {
			mu.Lock()
			opened = len(notes)
			mu.Unlock()
			return open(u)
		}
	})
	h := w.bridge(t, f)
	ok(t, h.call(t, 1, "initialize"))
	if got := w.as.AuthorizeRequests()[0].Scope; got != "mcp:read custom:x" {
		t.Errorf("authorize scope %q, want exactly %q", got, "mcp:read custom:x")
	}
	mu.Lock()
	before := slices.Clone(notes[:opened])
	mu.Unlock()
	if !slices.ContainsFunc(before, func(n string) bool {
		return strings.Contains(n, w.resource) && strings.Contains(n, w.as.URL()) && strings.Contains(n, "mcp:read custom:x")
	}) {
		t.Errorf("before the browser opened, no line named the server, the authorization server and the scopes: %q", before)
	}
	w.mu.Lock()
	w.writeScope = true
	w.mu.Unlock()
	ok(t, h.call(t, 2, "tools/call"))
	if got := w.as.AuthorizeRequests()[1].Scope; got != "mcp:read custom:x mcp:write" {
		t.Errorf("step-up scope %q, want --scope's and mcp:write", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.ContainsFunc(notes, func(n string) bool {
		return strings.Contains(n, "demands more than --scope") && strings.Contains(n, "mcp:write")
	}) {
		t.Errorf("the step-up beyond --scope was not said: %q", notes)
	}
}

// TestWorkloadGrantLedger: a workload identity sign-in (jwt-bearer) is
// recorded with its grant type, and the workload's JWT is not.
func TestWorkloadGrantLedger(t *testing.T) {
	w := newProofWorld(t)
	path := filepath.Join(t.TempDir(), "token")
	const jwt = "eyJ0eXAi.workload-for-the-ledger.sig"
	if err := os.WriteFile(path, []byte(jwt), 0o600); err != nil {
		t.Fatal(err)
	}
	w.jwtBearer = func(*http.Request) error { return nil }
	rec := &oauthflow.MemLedger{}
	h := w.host(t, w.flow(t, t.TempDir(), &bytes.Buffer{}, func(c *oauthflow.Config) { c.Workload = "file:" + path; c.Recorder = rec }))
	ok(t, h.call(t, 1, "tools/list"))
	g := rec.Last(ledger.Granted)
	if g.GrantType != "urn:ietf:params:oauth:grant-type:jwt-bearer" || g.Issuer == "" {
		t.Errorf("granted: %+v (events %v)", g, rec.Kinds())
	}
	raw, _ := json.Marshal(rec.All)
	if strings.Contains(string(raw), jwt) {
		t.Error("the ledger holds the workload's JWT")
	}
}
