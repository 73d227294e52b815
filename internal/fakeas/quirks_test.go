package fakeas

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestIssQuirks: the iss parameter of authorization responses, on success
// and on error (RFC 9207 §2).
func TestIssQuirks(t *testing.T) {
	for _, tc := range []struct {
		name    string
		opts    Options
		wantIss string // "-": absent; "": the issuer
	}{
		{"default", Options{}, ""},
		{"OmitIss", Options{OmitIss: true}, "-"},
		{"WrongIss", Options{WrongIss: "https://attacker.example"}, "https://attacker.example"},
		{"HideIssSupport still sends iss", Options{HideIssSupport: true}, ""},
		{"OmitIss with an error", Options{OmitIss: true, AuthorizeError: "access_denied"}, "-"},
		{"WrongIss with an error", Options{WrongIss: "https://attacker.example", AuthorizeError: "access_denied"}, "https://attacker.example"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, tc.opts)
			id := publicClient(t, s)
			_, c := pkce()
			_, q := authorize(t, s, authRequest(id, c, nil))
			want := tc.wantIss
			if want == "" {
				want = s.URL()
			}
			switch {
			case q == nil:
				t.Fatal("no redirect")
			case want == "-" && q.Has("iss"):
				t.Errorf("iss %q sent", q.Get("iss"))
			case want != "-" && q.Get("iss") != want:
				t.Errorf("iss %q, want %q", q.Get("iss"), want)
			}
			if tc.opts.AuthorizeError != "" && (q.Get("error") != tc.opts.AuthorizeError || q.Has("code")) {
				t.Errorf("error response %v", q)
			}
		})
	}
}

// TestAuthorizeError: every authorization is refused by redirect.
func TestAuthorizeError(t *testing.T) {
	s := newServer(t, Options{AuthorizeError: "access_denied"})
	id := publicClient(t, s)
	_, c := pkce()
	_, q := authorize(t, s, authRequest(id, c, nil))
	if q.Get("error") != "access_denied" || q.Get("state") != "xyz" || q.Get("iss") != s.URL() || q.Has("code") {
		t.Errorf("redirect %v", q)
	}
	if st := s.Stats(); st.CodesIssued != 0 || st.AuthorizeRequests != 1 {
		t.Errorf("stats %+v", st)
	}
	if log := s.AuthorizeRequests(); log[0].Error != "access_denied" || !strings.HasPrefix(log[0].Location, redirectURI) {
		t.Errorf("log %+v", log)
	}
}

// TestResourceQuirks: Entra-like refusal of resource, a server that
// requires it, and a list of known resources.
func TestResourceQuirks(t *testing.T) {
	t.Run("RejectResource", func(t *testing.T) {
		s := newServer(t, Options{RejectResource: true})
		id := publicClient(t, s)
		v, c := pkce()
		if _, q := authorize(t, s, authRequest(id, c, nil)); q.Get("error") != "invalid_target" {
			t.Errorf("authorize with resource: %v", q)
		}
		cd := code(t, s, id, c, url.Values{"resource": nil})
		wantError(t, "token with resource", postForm(t, s.TokenURL(), exchange(id, cd, v, nil)), 400, "invalid_target")
		tok := postForm(t, s.TokenURL(), exchange(id, cd, v, url.Values{"resource": nil}))
		if tok.Status != 200 {
			t.Fatalf("token without resource: %d %s", tok.Status, tok.Body)
		}
		if _, res, ok := s.Validate(tok.str("access_token")); !ok || res != "" {
			t.Errorf("Validate: %q %v", res, ok)
		}
		rt := tok.str("refresh_token")
		wantError(t, "refresh with resource", postForm(t, s.TokenURL(), refreshForm(id, rt, nil)), 400, "invalid_target")
		if a := postForm(t, s.TokenURL(), refreshForm(id, rt, url.Values{"resource": nil})); a.Status != 200 {
			t.Errorf("refresh without resource: %d %s", a.Status, a.Body)
		}
	})
	t.Run("RequireResource", func(t *testing.T) {
		s := newServer(t, Options{RequireResource: true})
		id := publicClient(t, s)
		v, c := pkce()
		if _, q := authorize(t, s, authRequest(id, c, url.Values{"resource": nil})); q.Get("error") != "invalid_target" {
			t.Errorf("authorize without resource: %v", q)
		}
		cd := code(t, s, id, c, nil)
		wantError(t, "token without resource", postForm(t, s.TokenURL(), exchange(id, cd, v, url.Values{"resource": nil})), 400, "invalid_target")
		tok := postForm(t, s.TokenURL(), exchange(id, cd, v, nil))
		rt := tok.str("refresh_token")
		// x/oauth2 drops resource on refresh: this server catches it.
		wantError(t, "refresh without resource", postForm(t, s.TokenURL(), refreshForm(id, rt, url.Values{"resource": nil})), 400, "invalid_target")
		if a := postForm(t, s.TokenURL(), refreshForm(id, rt, nil)); a.Status != 200 {
			t.Errorf("refresh with resource: %d %s", a.Status, a.Body)
		}
		if r := s.Refreshes(); len(r) != 2 || r[0].Resource != nil || r[0].Error != "invalid_target" || r[1].Resource[0] != mcpResource {
			t.Errorf("refresh log %+v", r)
		}
	})
	t.Run("without resource, the token has no audience", func(t *testing.T) {
		s := newServer(t, Options{})
		id := publicClient(t, s)
		v, c := pkce()
		cd := code(t, s, id, c, url.Values{"resource": nil})
		wantError(t, "resource only at the token endpoint", postForm(t, s.TokenURL(), exchange(id, cd, v, nil)), 400, "invalid_target")
		tok := postForm(t, s.TokenURL(), exchange(id, cd, v, url.Values{"resource": nil}))
		if _, res, ok := s.Validate(tok.str("access_token")); !ok || res != "" {
			t.Errorf("Validate: %q %v", res, ok)
		}
	})
	t.Run("Resources", func(t *testing.T) {
		s := newServer(t, Options{Resources: []string{mcpResource}})
		id := publicClient(t, s)
		_, c := pkce()
		if _, q := authorize(t, s, authRequest(id, c, url.Values{"resource": {"https://mcp.example.com"}})); q.Get("error") != "invalid_target" {
			t.Errorf("unknown resource: %v", q)
		}
		code(t, s, id, c, nil)
	})
}

// TestRefreshQuirks: when refresh tokens come, and when they stop.
func TestRefreshQuirks(t *testing.T) {
	hasRefresh := func(t *testing.T, o Options, scope string, grantTypes []string) bool {
		t.Helper()
		s := newServer(t, o)
		reg := register(t, s, map[string]any{"grant_types": grantTypes})
		id := reg.str("client_id")
		v, c := pkce()
		tok := postForm(t, s.TokenURL(), exchange(id, code(t, s, id, c, url.Values{"scope": {scope}}), v, nil))
		if tok.Status != 200 {
			t.Fatalf("token: %d %s", tok.Status, tok.Body)
		}
		return tok.str("refresh_token") != ""
	}
	both := []string{"authorization_code", "refresh_token"}
	codeOnly := []string{"authorization_code"}
	for _, tc := range []struct {
		name       string
		opts       Options
		scope      string
		grantTypes []string
		want       bool
	}{
		{"default", Options{}, "mcp:read", both, true},
		{"default, client without refresh_token grant", Options{}, "mcp:read", codeOnly, true},
		{"NoRefreshTokens", Options{NoRefreshTokens: true}, "mcp:read offline_access", both, false},
		{"offline_access needed, absent", Options{RefreshNeedsOfflineAccess: true}, "mcp:read", both, false},
		{"offline_access needed, present", Options{RefreshNeedsOfflineAccess: true}, "mcp:read offline_access", both, true},
		{"grant type needed, absent", Options{RefreshNeedsGrantType: true}, "mcp:read", codeOnly, false},
		{"grant type needed, present", Options{RefreshNeedsGrantType: true}, "mcp:read", both, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := hasRefresh(t, tc.opts, tc.scope, tc.grantTypes); got != tc.want {
				t.Errorf("refresh token issued: %v, want %v", got, tc.want)
			}
		})
	}

	t.Run("NoExpiresIn and AccessTokenTTL", func(t *testing.T) {
		s := newServer(t, Options{AccessTokenTTL: 90 * time.Second})
		if _, tok := signIn(t, s); tok.JSON["expires_in"] != float64(90) {
			t.Errorf("expires_in %v", tok.JSON["expires_in"])
		}
		s.Configure(func(o *Options) { o.NoExpiresIn = true })
		if _, tok := signIn(t, s); tok.JSON["expires_in"] != nil {
			t.Errorf("expires_in %v", tok.JSON["expires_in"])
		}
	})

	t.Run("RefreshTokenTTL", func(t *testing.T) {
		now := time.Now()
		s := newServer(t, Options{RefreshTokenTTL: time.Hour, Now: func() time.Time { return now }})
		id, tok := signIn(t, s)
		s.Configure(func(o *Options) { o.Now = func() time.Time { return now.Add(time.Hour) } })
		wantError(t, "expired refresh token", postForm(t, s.TokenURL(), refreshForm(id, tok.str("refresh_token"), nil)), 400, "invalid_grant")
	})

	t.Run("ExpireAccessTokens, RevokeAll", func(t *testing.T) {
		s := newServer(t, Options{})
		id, tok := signIn(t, s)
		s.ExpireAccessTokens()
		if _, _, ok := s.Validate(tok.str("access_token")); ok {
			t.Error("valid after ExpireAccessTokens")
		}
		ref := postForm(t, s.TokenURL(), refreshForm(id, tok.str("refresh_token"), nil))
		if _, _, ok := s.Validate(ref.str("access_token")); !ok {
			t.Errorf("refresh after expiry: %d %s", ref.Status, ref.Body)
		}
		s.RevokeAll()
		if _, _, ok := s.Validate(ref.str("access_token")); ok {
			t.Error("valid after RevokeAll")
		}
		wantError(t, "refresh after RevokeAll", postForm(t, s.TokenURL(), refreshForm(id, tok.str("refresh_token"), nil)), 400, "invalid_grant")
	})
}

// TestScopeQuirks: default and strict scopes.
func TestScopeQuirks(t *testing.T) {
	s := newServer(t, Options{DefaultScopes: []string{"mcp:read"}, StrictScopes: true})
	id := publicClient(t, s)
	v, c := pkce()
	if _, q := authorize(t, s, authRequest(id, c, url.Values{"scope": {"mcp:read admin"}})); q.Get("error") != "invalid_scope" {
		t.Errorf("unknown scope: %v", q)
	}
	tok := postForm(t, s.TokenURL(), exchange(id, code(t, s, id, c, url.Values{"scope": nil}), v, nil))
	if tok.str("scope") != "mcp:read" {
		t.Errorf("default scope: %v", tok.JSON)
	}
	if a := register(t, s, map[string]any{"scope": "admin"}); a.str("error") != "invalid_client_metadata" {
		t.Errorf("registering an unknown scope: %d %s", a.Status, a.Body)
	}
}

// TestRegistrationQuirks: OpenID application_type rules, a server that
// picks the authentication method, loopback ports.
func TestRegistrationQuirks(t *testing.T) {
	t.Run("StrictApplicationType", func(t *testing.T) {
		s := newServer(t, Options{StrictApplicationType: true})
		for name, tc := range map[string]struct {
			appType any
			ok      bool
		}{"absent": {nil, false}, "web": {"web", false}, "native": {"native", true}, "other": {"desktop", false}} {
			a := register(t, s, map[string]any{"application_type": tc.appType})
			if (a.Status == http.StatusCreated) != tc.ok {
				t.Errorf("%s: %d %s", name, a.Status, a.Body)
			}
		}
		a := register(t, s, map[string]any{"application_type": "web", "redirect_uris": []string{"https://app.example/cb"}})
		if a.Status != http.StatusCreated {
			t.Errorf("web with https: %d %s", a.Status, a.Body)
		}
	})
	t.Run("ForceAuthMethod", func(t *testing.T) {
		s := newServer(t, Options{ForceAuthMethod: "client_secret_post"})
		a := register(t, s, nil)
		if a.str("token_endpoint_auth_method") != "client_secret_post" || a.str("client_secret") == "" {
			t.Errorf("registration %v", a.JSON)
		}
	})
	t.Run("LoopbackAnyPort", func(t *testing.T) {
		s := newServer(t, Options{LoopbackAnyPort: true})
		id := publicClient(t, s)
		v, c := pkce()
		other := "http://127.0.0.1:40000/callback"
		cd := code(t, s, id, c, url.Values{"redirect_uri": {other}})
		if a := postForm(t, s.TokenURL(), exchange(id, cd, v, url.Values{"redirect_uri": {other}})); a.Status != 200 {
			t.Errorf("exchange: %d %s", a.Status, a.Body)
		}
		for _, bad := range []string{"http://127.0.0.1:40000/other", "http://localhost:40000/callback"} {
			if a, _ := authorize(t, s, authRequest(id, c, url.Values{"redirect_uri": {bad}})); a.Status != 400 {
				t.Errorf("%s: %d", bad, a.Status)
			}
		}
	})
}

// TestRegistrationValidation: RFC 7591 refusals.
func TestRegistrationValidation(t *testing.T) {
	s := newServer(t, Options{})
	for name, tc := range map[string]struct {
		extra map[string]any
		code  string
	}{
		"no redirect_uris":        {map[string]any{"redirect_uris": nil}, "invalid_redirect_uri"},
		"empty redirect_uris":     {map[string]any{"redirect_uris": []string{}}, "invalid_redirect_uri"},
		"remote http":             {map[string]any{"redirect_uris": []string{"http://example.com/cb"}}, "invalid_redirect_uri"},
		"fragment":                {map[string]any{"redirect_uris": []string{"http://127.0.0.1:1/cb#x"}}, "invalid_redirect_uri"},
		"custom scheme":           {map[string]any{"redirect_uris": []string{"myapp:/cb"}}, "invalid_redirect_uri"},
		"redirect_uris not array": {map[string]any{"redirect_uris": "http://127.0.0.1/cb"}, "invalid_redirect_uri"},
		"private_key_jwt":         {map[string]any{"token_endpoint_auth_method": "private_key_jwt"}, "invalid_client_metadata"},
		"implicit":                {map[string]any{"grant_types": []string{"implicit"}}, "invalid_client_metadata"},
		"token response type":     {map[string]any{"response_types": []string{"token"}}, "invalid_client_metadata"},
		"refresh only":            {map[string]any{"grant_types": []string{"refresh_token"}}, "invalid_client_metadata"},
	} {
		if a := register(t, s, tc.extra); a.Status != 400 || a.str("error") != tc.code {
			t.Errorf("%s: %d %s, want 400 %s", name, a.Status, a.Body, tc.code)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, s.RegisterURL(), strings.NewReader(`redirect_uris=x`))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if a := do(t, req); a.str("error") != "invalid_client_metadata" {
		t.Errorf("form body: %d %s", a.Status, a.Body)
	}
	for _, ok := range []string{"http://localhost:8080/cb", "http://[::1]:8080/cb", "https://app.example/cb?x=1"} {
		if a := register(t, s, map[string]any{"redirect_uris": []string{ok}}); a.Status != 201 {
			t.Errorf("%s: %d %s", ok, a.Status, a.Body)
		}
	}
	st := s.Stats()
	if st.RegisterRequests != 14 || st.ClientsRegistered != 3 {
		t.Errorf("stats %+v", st)
	}
	if r := s.Registrations(); r[len(r)-1].ClientID == "" || r[len(r)-1].Request["client_name"] != "test" {
		t.Errorf("registrations %+v", r[len(r)-1])
	}
}

// TestConfigure: options change on a running server.
func TestConfigure(t *testing.T) {
	s := newServer(t, Options{IssuerPath: "/a"})
	id := publicClient(t, s)
	_, c := pkce()
	s.Configure(func(o *Options) {
		o.RejectResource = true
		o.IssuerPath = "/b" // ignored
		o.CodeChallengeMethods = nil
	})
	if _, q := authorize(t, s, authRequest(id, c, nil)); q.Get("error") != "invalid_target" {
		t.Errorf("after Configure: %v", q)
	}
	if a := get(t, s.MetadataURL()); a.Status != 200 || a.JSON["code_challenge_methods_supported"] == nil {
		t.Errorf("metadata after Configure: %d %v", a.Status, a.JSON)
	}
}
