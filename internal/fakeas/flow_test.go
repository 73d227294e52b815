package fakeas

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestRoundTrip is the whole public-client flow by hand: registration,
// authorization with PKCE, resource and state, code exchange, use,
// refresh, revocation.
func TestRoundTrip(t *testing.T) {
	s := newServer(t, Options{})

	reg := register(t, s, nil)
	if reg.Status != http.StatusCreated {
		t.Fatalf("register: %d %s", reg.Status, reg.Body)
	}
	id := reg.str("client_id")
	if id == "" || reg.JSON["client_secret"] != nil || reg.str("token_endpoint_auth_method") != "none" ||
		reg.str("client_name") != "test" || reg.str("application_type") != "native" {
		t.Errorf("registration response: %v", reg.JSON)
	}
	if got, _ := stringList(reg.JSON["redirect_uris"]); !slices.Equal(got, []string{redirectURI}) {
		t.Errorf("redirect_uris echoed as %v", reg.JSON["redirect_uris"])
	}

	verifier, challenge := pkce()
	a, q := authorize(t, s, authRequest(id, challenge, nil))
	if a.Status != http.StatusFound {
		t.Fatalf("authorize: %d %s", a.Status, a.Body)
	}
	loc := a.Header.Get("Location")
	if !strings.HasPrefix(loc, redirectURI+"?") || q.Get("code") == "" || q.Get("state") != "xyz" || q.Get("iss") != s.URL() {
		t.Fatalf("redirect %s", loc)
	}

	tok := postForm(t, s.TokenURL(), exchange(id, q.Get("code"), verifier, nil))
	if tok.Status != http.StatusOK {
		t.Fatalf("token: %d %s", tok.Status, tok.Body)
	}
	if tok.str("token_type") != "Bearer" || tok.JSON["expires_in"] != float64(3600) || tok.str("refresh_token") == "" ||
		tok.str("scope") != "mcp:read offline_access" {
		t.Errorf("token response %v", tok.JSON)
	}
	if tok.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("token response Cache-Control %q", tok.Header.Get("Cache-Control"))
	}
	scopes, resource, ok := s.Validate(tok.str("access_token"))
	if !ok || resource != mcpResource || !slices.Equal(scopes, []string{"mcp:read", "offline_access"}) {
		t.Errorf("Validate: %v %q %v", scopes, resource, ok)
	}

	// Refresh, narrowing the scope; without rotation the old refresh token
	// stays and none comes back.
	rt := tok.str("refresh_token")
	ref := postForm(t, s.TokenURL(), refreshForm(id, rt, url.Values{"scope": {"mcp:read"}}))
	if ref.Status != http.StatusOK || ref.JSON["refresh_token"] != nil || ref.str("scope") != "mcp:read" {
		t.Fatalf("refresh: %d %s", ref.Status, ref.Body)
	}
	if sc, res, ok := s.Validate(ref.str("access_token")); !ok || res != mcpResource || !slices.Equal(sc, []string{"mcp:read"}) {
		t.Errorf("refreshed token: %v %q %v", sc, res, ok)
	}
	if a := postForm(t, s.TokenURL(), refreshForm(id, rt, url.Values{"resource": nil})); a.Status != http.StatusOK {
		t.Errorf("second refresh with the same token: %d %s", a.Status, a.Body)
	}
	wantError(t, "refresh beyond the grant", postForm(t, s.TokenURL(), refreshForm(id, rt, url.Values{"scope": {"mcp:write"}})),
		400, "invalid_scope")

	refreshes := s.Refreshes()
	if len(refreshes) != 3 || !slices.Equal(refreshes[0].Resource, []string{mcpResource}) || refreshes[1].Resource != nil ||
		!refreshes[0].HasScope || refreshes[0].Scope != "mcp:read" || refreshes[1].HasScope {
		t.Errorf("refresh log %+v", refreshes)
	}

	// Revoking the refresh token revokes the grant, access tokens too.
	if a := postForm(t, s.RevokeURL(), url.Values{"token": {rt}, "token_type_hint": {"refresh_token"}, "client_id": {id}}); a.Status != 200 {
		t.Fatalf("revoke: %d %s", a.Status, a.Body)
	}
	if _, _, ok := s.Validate(tok.str("access_token")); ok {
		t.Error("access token valid after its refresh token was revoked")
	}
	wantError(t, "refresh after revocation", postForm(t, s.TokenURL(), refreshForm(id, rt, nil)), 400, "invalid_grant")
	if a := postForm(t, s.RevokeURL(), url.Values{"token": {"nonsense"}, "client_id": {id}}); a.Status != 200 {
		t.Errorf("revoking an unknown token: %d, want 200 (RFC 7009 §2.2)", a.Status)
	}

	st := s.Stats()
	if st.RegisterRequests != 1 || st.ClientsRegistered != 1 || st.AuthorizeRequests != 1 || st.CodesIssued != 1 ||
		st.TokenRequests["authorization_code"] != 1 || st.TokenRequests["refresh_token"] != 4 || st.Refreshes != 4 ||
		st.InvalidGrants != 1 || st.TokenErrors != 2 || st.Revocations != 2 {
		t.Errorf("stats %+v", st)
	}
	if rv := s.Revocations(); rv[0].Kind != "refresh_token" || rv[0].ClientID != id || rv[1].Kind != "" {
		t.Errorf("revocations %+v", rv)
	}
}

// TestRotation: a rotated refresh token presented again revokes the grant.
func TestRotation(t *testing.T) {
	s := newServer(t, Options{RotateRefreshTokens: true})
	id, tok := signIn(t, s)
	rt1 := tok.str("refresh_token")

	r2 := postForm(t, s.TokenURL(), refreshForm(id, rt1, nil))
	rt2 := r2.str("refresh_token")
	if r2.Status != 200 || rt2 == "" || rt2 == rt1 {
		t.Fatalf("first refresh: %d %s", r2.Status, r2.Body)
	}
	wantError(t, "reuse of the rotated token", postForm(t, s.TokenURL(), refreshForm(id, rt1, nil)), 400, "invalid_grant")
	wantError(t, "the new token after reuse", postForm(t, s.TokenURL(), refreshForm(id, rt2, nil)), 400, "invalid_grant")
	for _, at := range []string{tok.str("access_token"), r2.str("access_token")} {
		if _, _, ok := s.Validate(at); ok {
			t.Error("an access token of the revoked grant is still valid")
		}
	}
	if st := s.Stats(); st.GrantsRevokedOnReuse != 1 || st.InvalidGrants != 2 || st.Refreshes != 3 {
		t.Errorf("stats %+v", st)
	}
}

// TestHonestRefusals: what any real server refuses.
func TestHonestRefusals(t *testing.T) {
	clock := time.Now()
	var mu sync.Mutex
	s := newServer(t, Options{Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }})
	id := publicClient(t, s)
	other := publicClient(t, s)
	v, c := pkce()

	t.Run("authorize refusals shown to the user", func(t *testing.T) {
		for name, over := range map[string]url.Values{
			"unknown client":           {"client_id": {"nobody"}},
			"no client":                {"client_id": {""}},
			"unregistered redirect":    {"redirect_uri": {"http://127.0.0.1:9/other"}},
			"redirect with other port": {"redirect_uri": {"http://127.0.0.1:33419/callback"}},
			"redirect as localhost":    {"redirect_uri": {"http://localhost:33418/callback"}},
			"repeated client_id":       {"client_id": {id, id}},
		} {
			a, q := authorize(t, s, authRequest(id, c, over))
			if a.Status != http.StatusBadRequest || q != nil {
				t.Errorf("%s: %d %s, want a 400 page and no redirect", name, a.Status, a.Header.Get("Location"))
			}
		}
	})
	t.Run("authorize refusals redirected", func(t *testing.T) {
		for name, tc := range map[string]struct {
			over url.Values
			code string
		}{
			"no challenge":      {url.Values{"code_challenge": {""}}, "invalid_request"},
			"plain":             {url.Values{"code_challenge_method": {"plain"}}, "invalid_request"},
			"no method (plain)": {url.Values{"code_challenge_method": {""}}, "invalid_request"},
			"short challenge":   {url.Values{"code_challenge": {"abc"}}, "invalid_request"},
			"token flow":        {url.Values{"response_type": {"token"}}, "unsupported_response_type"},
			"repeated scope":    {url.Values{"scope": {"a", "b"}}, "invalid_request"},
			"two resources":     {url.Values{"resource": {mcpResource, "https://other.example"}}, "invalid_target"},
			"relative resource": {url.Values{"resource": {"mcp.example.com"}}, "invalid_target"},
			"fragment resource": {url.Values{"resource": {mcpResource + "#x"}}, "invalid_target"},
		} {
			a, q := authorize(t, s, authRequest(id, c, tc.over))
			if q == nil || q.Get("error") != tc.code || q.Get("code") != "" || q.Get("state") != "xyz" || q.Get("iss") != s.URL() {
				t.Errorf("%s: %d %v, want a redirect with error=%s, state and iss", name, a.Status, q, tc.code)
			}
		}
	})

	t.Run("token refusals", func(t *testing.T) {
		cd := code(t, s, id, c, nil)
		wrongV, _ := pkce()
		for name, tc := range map[string]struct {
			form   url.Values
			status int
			code   string
		}{
			"wrong verifier":        {exchange(id, cd, wrongV, nil), 400, "invalid_grant"},
			"challenge as verifier": {exchange(id, cd, c, nil), 400, "invalid_grant"},
			"no verifier":           {exchange(id, cd, "", nil), 400, "invalid_request"},
			"wrong redirect_uri":    {exchange(id, cd, v, url.Values{"redirect_uri": {"http://127.0.0.1:33418/other"}}), 400, "invalid_grant"},
			"no redirect_uri":       {exchange(id, cd, v, url.Values{"redirect_uri": {""}}), 400, "invalid_grant"},
			"other client":          {exchange(other, cd, v, nil), 400, "invalid_grant"},
			"unknown client":        {exchange("nobody", cd, v, nil), 401, "invalid_client"},
			"no client":             {exchange("", cd, v, nil), 401, "invalid_client"},
			"other resource":        {exchange(id, cd, v, url.Values{"resource": {"https://other.example/mcp"}}), 400, "invalid_target"},
			"unknown code":          {exchange(id, "code_nope", v, nil), 400, "invalid_grant"},
			"no grant_type":         {exchange(id, cd, v, url.Values{"grant_type": {""}}), 400, "invalid_request"},
			"password grant":        {exchange(id, cd, v, url.Values{"grant_type": {"password"}}), 400, "unsupported_grant_type"},
			"client_credentials":    {exchange(id, cd, v, url.Values{"grant_type": {"client_credentials"}}), 400, "unsupported_grant_type"},
			"public with secret":    {exchange(id, cd, v, url.Values{"client_secret": {"x"}}), 401, "invalid_client"},
		} {
			wantError(t, name, postForm(t, s.TokenURL(), tc.form), tc.status, tc.code)
		}
		// None of that consumed the code.
		ok := postForm(t, s.TokenURL(), exchange(id, cd, v, nil))
		if ok.Status != 200 {
			t.Fatalf("the right exchange after refused ones: %d %s", ok.Status, ok.Body)
		}
		// A code used twice fails and revokes what it gave.
		wantError(t, "reused code", postForm(t, s.TokenURL(), exchange(id, cd, v, nil)), 400, "invalid_grant")
		if _, _, valid := s.Validate(ok.str("access_token")); valid {
			t.Error("the tokens of a reused code stay valid")
		}
		wantError(t, "refresh from a reused code", postForm(t, s.TokenURL(), refreshForm(id, ok.str("refresh_token"), nil)), 400, "invalid_grant")
	})

	t.Run("codes expire after a minute", func(t *testing.T) {
		cd := code(t, s, id, c, nil)
		mu.Lock()
		clock = clock.Add(61 * time.Second)
		mu.Unlock()
		wantError(t, "expired code", postForm(t, s.TokenURL(), exchange(id, cd, v, nil)), 400, "invalid_grant")
	})

	t.Run("access tokens expire", func(t *testing.T) {
		_, tok := signIn(t, s)
		at := tok.str("access_token")
		mu.Lock()
		clock = clock.Add(59 * time.Minute)
		mu.Unlock()
		if _, _, ok := s.Validate(at); !ok {
			t.Error("token expired early")
		}
		mu.Lock()
		clock = clock.Add(time.Minute)
		mu.Unlock()
		if _, _, ok := s.Validate(at); ok {
			t.Error("token valid after expires_in")
		}
	})

	t.Run("malformed token requests", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, s.TokenURL(), strings.NewReader(`{"grant_type":"authorization_code"}`))
		req.Header.Set("Content-Type", "application/json")
		wantError(t, "JSON body", do(t, req), 400, "invalid_request")
		if a := get(t, s.TokenURL()); a.Status != http.StatusMethodNotAllowed {
			t.Errorf("GET /token: %d", a.Status)
		}
	})
}

// TestConfidentialClients: each client authenticates by its registered
// method, and by no other.
func TestConfidentialClients(t *testing.T) {
	s := newServer(t, Options{})
	for _, method := range []string{"client_secret_basic", "client_secret_post", ""} {
		t.Run("method "+method, func(t *testing.T) {
			extra := map[string]any{"token_endpoint_auth_method": method}
			if method == "" {
				extra["token_endpoint_auth_method"] = nil // RFC 7591 §2: client_secret_basic
			}
			reg := register(t, s, extra)
			id, secret := reg.str("client_id"), reg.str("client_secret")
			if reg.Status != 201 || secret == "" || reg.JSON["client_secret_expires_at"] != float64(0) {
				t.Fatalf("register: %d %s", reg.Status, reg.Body)
			}
			if method == "" && reg.str("token_endpoint_auth_method") != "client_secret_basic" {
				t.Errorf("default method %q", reg.str("token_endpoint_auth_method"))
			}
			v, c := pkce()
			cd := code(t, s, id, c, nil)
			post := func(over url.Values, basic ...string) answer {
				return postForm(t, s.TokenURL(), exchange(id, cd, v, over), basic...)
			}
			var good func() answer
			if method == "client_secret_post" {
				good = func() answer { return post(url.Values{"client_secret": {secret}}) }
				a := post(nil, id+":"+secret)
				wantError(t, "post client using basic", a, 401, "invalid_client")
				if a.Header.Get("WWW-Authenticate") == "" {
					t.Error("401 after Basic without WWW-Authenticate (RFC 6749 §5.2)")
				}
				wantError(t, "wrong secret", post(url.Values{"client_secret": {"nope"}}), 401, "invalid_client")
			} else {
				good = func() answer { return post(url.Values{"client_id": {""}}, id+":"+secret) }
				wantError(t, "basic client using post", post(url.Values{"client_secret": {secret}}), 401, "invalid_client")
				wantError(t, "wrong secret", post(nil, id+":nope"), 401, "invalid_client")
				wantError(t, "two methods", post(url.Values{"client_secret": {secret}}, id+":"+secret), 401, "invalid_client")
			}
			wantError(t, "no secret", post(nil), 401, "invalid_client")
			if a := good(); a.Status != 200 {
				t.Fatalf("exchange: %d %s", a.Status, a.Body)
			}
			if log := s.TokenRequests(); log[len(log)-1].AuthMethod != extra["token_endpoint_auth_method"] && method != "" {
				t.Errorf("logged auth method %q", log[len(log)-1].AuthMethod)
			}
		})
	}
}

// TestPreRegistered: a client from Options with no redirect URIs may use
// any loopback one.
func TestPreRegistered(t *testing.T) {
	s := newServer(t, Options{Clients: []Client{{ID: "pre", Secret: "s3cret"}, {ID: "pub"}}})
	v, c := pkce()
	cd := code(t, s, "pre", c, url.Values{"redirect_uri": {"http://localhost:5555/cb"}})
	a := postForm(t, s.TokenURL(), exchange("pre", cd, v, url.Values{"redirect_uri": {"http://localhost:5555/cb"}, "client_id": {""}}), "pre:s3cret")
	if a.Status != 200 {
		t.Fatalf("exchange: %d %s", a.Status, a.Body)
	}
	if a, _ := authorize(t, s, authRequest("pub", c, url.Values{"redirect_uri": {"https://evil.example/cb"}})); a.Status != 400 {
		t.Errorf("non-loopback redirect for a pre-registered client: %d", a.Status)
	}
	if cl, ok := s.Client("pre"); !ok || cl.AuthMethod != "client_secret_basic" {
		t.Errorf("Client: %+v %v", cl, ok)
	}
	if st := s.Stats(); st.RegisterRequests != 0 {
		t.Errorf("registrations %d", st.RegisterRequests)
	}
}

// TestConcurrentSignIns runs flows in parallel, for the race detector.
func TestConcurrentSignIns(t *testing.T) {
	s := newServer(t, Options{RotateRefreshTokens: true})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			id, tok := signIn(t, s)
			rt := tok.str("refresh_token")
			for range 3 {
				a := postForm(t, s.TokenURL(), refreshForm(id, rt, nil))
				if a.Status != 200 {
					t.Errorf("refresh: %d %s", a.Status, a.Body)
					return
				}
				rt = a.str("refresh_token")
			}
			_ = s.Stats()
			_ = s.Refreshes()
		})
	}
	wg.Wait()
	if st := s.Stats(); st.ClientsRegistered != 8 || st.Refreshes != 24 || st.TokenErrors != 0 {
		t.Errorf("stats %+v", st)
	}
}
