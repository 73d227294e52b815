package oauthflow_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/fakeas"
	"github.com/mcpbridge/mcpbridge/oauthflow"
)

// proofWorld is an authorization server and an MCP server that check DPoP
// proofs (RFC 9449 §4.3) on their own, with none of oauthflow's code: the
// signature against the proof's jwk, typ and alg, htm and htu (no query),
// iat, a jti never seen before, the nonce each demands, ath against the
// token presented, and the key against the one the token was bound to.
// The authorization server also takes the jwt-bearer grant (RFC 7523
// §2.1) when jwtBearer is set.
type proofWorld struct {
	t      *testing.T
	as, rs *httptest.Server

	mu        sync.Mutex
	advertise bool   // dpop_signing_alg_values_supported in the metadata
	asNonce   string // "" : the token endpoint demands none
	rsNonce   string
	rotateRS  bool // a new nonce after every challenge: never satisfied
	expiresIn int
	jwtBearer func(r *http.Request) error // nil: the grant is refused
	jtis      map[string]bool
	bound     map[string]string // token → the thumbprint of its key
	n         int
	problems  []string
	proofs    []string // every proof seen: none may reach a log
	tokens    []string
	grants    []url.Values
	challenge struct{ as, rs int }
	schemes   []string
	polls     int // device grant polls so far: the first is pending
}

func newProofWorld(t *testing.T) *proofWorld {
	w := &proofWorld{t: t, advertise: true, expiresIn: 3600, jtis: map[string]bool{}, bound: map[string]string{}}
	w.as = httptest.NewServer(http.HandlerFunc(w.serveAS))
	t.Cleanup(w.as.Close)
	w.rs = httptest.NewServer(http.HandlerFunc(w.serveRS))
	t.Cleanup(w.rs.Close)
	return w
}

func (w *proofWorld) problem(format string, args ...any) {
	w.problems = append(w.problems, fmt.Sprintf(format, args...))
}

func writeJSON(rw http.ResponseWriter, status int, v any) {
	rw.Header().Set("Content-Type", "application/json")
	rw.WriteHeader(status)
	_ = json.NewEncoder(rw).Encode(v)
}

func (w *proofWorld) serveAS(rw http.ResponseWriter, r *http.Request) {
	w.mu.Lock()
	defer w.mu.Unlock()
	base := w.as.URL
	switch r.URL.Path {
	case "/.well-known/oauth-authorization-server":
		doc := map[string]any{"issuer": base, "authorization_endpoint": base + "/authorize", "token_endpoint": base + "/token",
			"registration_endpoint": base + "/register", "code_challenge_methods_supported": []string{"S256"},
			"token_endpoint_auth_methods_supported": []string{"none"}, "response_types_supported": []string{"code"},
			"grant_types_supported":         []string{"authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:jwt-bearer", deviceGrantType},
			"device_authorization_endpoint": base + "/device"}
		if w.advertise {
			doc["dpop_signing_alg_values_supported"] = []string{"ES256", "RS256"}
		}
		writeJSON(rw, 200, doc)
	case "/register":
		var m map[string]any
		_ = json.NewDecoder(r.Body).Decode(&m)
		m["client_id"] = "dpop-client"
		writeJSON(rw, 201, m)
	case "/authorize":
		q := r.URL.Query()
		u, _ := url.Parse(q.Get("redirect_uri"))
		back := url.Values{"code": {"the-code"}, "state": {q.Get("state")}, "iss": {base}}
		u.RawQuery = back.Encode()
		http.Redirect(rw, r, u.String(), http.StatusFound)
	case "/device": // RFC 8628 §3.2; no interval: the flow's poll step
		writeJSON(rw, 200, map[string]any{"device_code": "the-device-code", "user_code": "WDJB-MJHT",
			"verification_uri": base + "/verify", "expires_in": 60})
	case "/token":
		w.token(rw, r)
	default:
		http.NotFound(rw, r)
	}
}

const deviceGrantType = "urn:ietf:params:oauth:grant-type:device_code"

func (w *proofWorld) token(rw http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	w.grants = append(w.grants, r.PostForm)
	jkt := ""
	if proof := r.Header.Get("DPoP"); proof != "" {
		claims, thumb, err := w.verify(proof, "POST", w.as.URL+"/token")
		if err != nil {
			w.problem("token request proof: %v", err)
			writeJSON(rw, 400, map[string]string{"error": "invalid_dpop_proof"})
			return
		}
		if _, ok := claims["ath"]; ok {
			w.problem("a token request proof carries ath")
		}
		if w.asNonce != "" && claims["nonce"] != w.asNonce {
			w.challenge.as++
			rw.Header().Set("DPoP-Nonce", w.asNonce)
			writeJSON(rw, 400, map[string]string{"error": "use_dpop_nonce"})
			return
		}
		jkt = thumb
	} else if w.advertise {
		w.problem("a token request without a DPoP proof (grant %s)", r.PostForm.Get("grant_type"))
	}
	switch g := r.PostForm.Get("grant_type"); g {
	case "authorization_code", "client_credentials":
	case deviceGrantType:
		if w.polls++; w.polls == 1 {
			writeJSON(rw, 400, map[string]string{"error": "authorization_pending"}) // RFC 8628 §3.5
			return
		}
	case "refresh_token":
		if was, ok := w.bound[r.PostForm.Get("refresh_token")]; !ok || was != jkt {
			w.problem("refresh with key %q, the refresh token is bound to %q", jkt, was)
			writeJSON(rw, 400, map[string]string{"error": "invalid_grant"})
			return
		}
	case "urn:ietf:params:oauth:grant-type:jwt-bearer":
		if w.jwtBearer == nil {
			writeJSON(rw, 400, map[string]string{"error": "unsupported_grant_type"})
			return
		}
		if err := w.jwtBearer(r); err != nil {
			writeJSON(rw, 400, map[string]string{"error": "invalid_grant", "error_description": err.Error()})
			return
		}
	default:
		writeJSON(rw, 400, map[string]string{"error": "unsupported_grant_type"})
		return
	}
	w.n++
	at, rt := fmt.Sprintf("at-%d", w.n), fmt.Sprintf("rt-%d", w.n)
	w.bound[at], w.bound[rt] = jkt, jkt
	w.tokens = append(w.tokens, at, rt)
	typ := "Bearer"
	if jkt != "" {
		typ = "DPoP"
	}
	ans := map[string]any{"access_token": at, "refresh_token": rt, "token_type": typ, "expires_in": w.expiresIn}
	if r.PostForm.Get("grant_type") == "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		delete(ans, "refresh_token") // none for an assertion grant: a fresh assertion is presented instead
	}
	writeJSON(rw, 200, ans)
}

func (w *proofWorld) prm() string { return w.rs.URL + "/.well-known/oauth-protected-resource/mcp" }

func (w *proofWorld) serveRS(rw http.ResponseWriter, r *http.Request) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if r.URL.Path == "/.well-known/oauth-protected-resource/mcp" {
		writeJSON(rw, 200, map[string]any{"resource": w.rs.URL + "/mcp", "authorization_servers": []string{w.as.URL}})
		return
	}
	body, _ := io.ReadAll(r.Body)
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	jkt, known := w.bound[token]
	if scheme == "" || !known {
		rw.Header().Set("WWW-Authenticate", `DPoP resource_metadata="`+w.prm()+`"`)
		writeJSON(rw, 401, map[string]string{"error": "unauthorized"})
		return
	}
	w.schemes = append(w.schemes, scheme)
	if jkt == "" { // a bearer token
		if scheme != "Bearer" {
			w.problem("a bearer token sent with scheme %s", scheme)
		}
	} else {
		if scheme != "DPoP" {
			w.problem("a DPoP-bound token sent with scheme %s", scheme)
			rw.WriteHeader(401)
			return
		}
		claims, thumb, err := w.verify(r.Header.Get("DPoP"), r.Method, w.rs.URL+r.URL.Path)
		switch {
		case err != nil:
			w.problem("resource request proof: %v", err)
		case thumb != jkt:
			w.problem("proof key %s, token bound to %s", thumb, jkt)
		case claims["ath"] != b64sum(token):
			w.problem("ath %v does not match the token", claims["ath"])
		case r.Method == "POST" && claims["content_digest"] != "sha-256=:"+base64.StdEncoding.EncodeToString(sha(body))+":":
			w.problem("content_digest %v does not match the body", claims["content_digest"])
		}
		if w.rsNonce != "" && claims["nonce"] != w.rsNonce {
			w.challenge.rs++
			rw.Header().Set("WWW-Authenticate", `DPoP error="use_dpop_nonce", resource_metadata="`+w.prm()+`"`)
			rw.Header().Set("DPoP-Nonce", w.rsNonce)
			if w.rotateRS {
				w.rsNonce = fmt.Sprintf("rs-nonce-%d", w.challenge.rs+1)
			}
			writeJSON(rw, 401, map[string]string{"error": "use_dpop_nonce"})
			return
		}
	}
	if r.Method != "POST" {
		rw.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	var m struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
	}
	_ = json.Unmarshal(body, &m)
	if m.ID == nil {
		rw.WriteHeader(http.StatusAccepted)
		return
	}
	rw.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(rw, `{"jsonrpc":"2.0","id":%s,"result":{"ok":true}}`, m.ID)
}

func sha(b []byte) []byte { s := sha256.Sum256(b); return s[:] }

func b64sum(s string) string { return base64.RawURLEncoding.EncodeToString(sha([]byte(s))) }

// verify checks a proof for method and target, the way RFC 9449 §4.3 asks
// of a server, and returns its claims and its key's RFC 7638 thumbprint.
// Only ES256 is taken: the key mcpbridge makes when it is offered.
func (w *proofWorld) verify(proof, method, target string) (map[string]any, string, error) {
	w.proofs = append(w.proofs, proof)
	parts := strings.Split(proof, ".")
	if len(parts) != 3 {
		return nil, "", fmt.Errorf("not a compact JWS")
	}
	var header struct {
		Typ string            `json:"typ"`
		Alg string            `json:"alg"`
		JWK map[string]string `json:"jwk"`
	}
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	if err := json.Unmarshal(hb, &header); err != nil || header.Typ != "dpop+jwt" || header.Alg != "ES256" {
		return nil, "", fmt.Errorf("header %s", hb)
	}
	if header.JWK["d"] != "" {
		return nil, "", fmt.Errorf("the jwk holds the private key")
	}
	x, _ := base64.RawURLEncoding.DecodeString(header.JWK["x"])
	y, _ := base64.RawURLEncoding.DecodeString(header.JWK["y"])
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
	if err != nil || header.JWK["kty"] != "EC" || header.JWK["crv"] != "P-256" {
		return nil, "", fmt.Errorf("jwk %v: %v", header.JWK, err)
	}
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	digest := sha([]byte(parts[0] + "." + parts[1]))
	if len(sig) != 64 || !ecdsa.Verify(pub, digest, new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return nil, "", fmt.Errorf("the signature does not verify")
	}
	var claims map[string]any
	cb, _ := base64.RawURLEncoding.DecodeString(parts[1])
	if err := json.Unmarshal(cb, &claims); err != nil {
		return nil, "", err
	}
	jti, _ := claims["jti"].(string)
	iat, _ := claims["iat"].(float64)
	switch {
	case claims["htm"] != method:
		return nil, "", fmt.Errorf("htm %v, want %s", claims["htm"], method)
	case claims["htu"] != target:
		return nil, "", fmt.Errorf("htu %v, want %s", claims["htu"], target)
	case jti == "" || w.jtis[jti]:
		return nil, "", fmt.Errorf("jti %q missing or used before", jti)
	case time.Since(time.Unix(int64(iat), 0)).Abs() > time.Minute:
		return nil, "", fmt.Errorf("iat %v", claims["iat"])
	}
	w.jtis[jti] = true
	// RFC 7638 §3.2: the required members, in lexicographic order.
	thumb := b64sum(`{"crv":"P-256","kty":"EC","x":"` + header.JWK["x"] + `","y":"` + header.JWK["y"] + `"}`)
	return claims, thumb, nil
}

// flow is a Flow for the MCP server at path (a query is the API key a
// proof must not carry), on the store in dir, logging at debug to log.
func (w *proofWorld) flow(t *testing.T, dir string, log *bytes.Buffer, mutate func(*oauthflow.Config)) *oauthflow.Flow {
	t.Helper()
	u, _ := url.Parse(w.rs.URL + "/mcp?apikey=s3cret")
	cfg := oauthflow.Config{
		Server: u, HTTP: &http.Client{Timeout: 10 * time.Second}, Store: filesIn(t, dir),
		Log: slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Open: func(u string) error {
			go func() { _, _ = fakeas.FollowRedirects(context.Background(), u) }()
			return nil
		},
		CallbackPorts: []int{0}, AuthTimeout: 5 * time.Second,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	f, err := oauthflow.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (w *proofWorld) host(t *testing.T, f *oauthflow.Flow) *host {
	u, _ := url.Parse(w.rs.URL + "/mcp?apikey=s3cret")
	return (&world{resource: u.String()}).bridge(t, f)
}

// check fails on any proof the servers refused, and on any proof, token
// or private key that reached the log.
func (w *proofWorld) check(t *testing.T, log *bytes.Buffer) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, p := range w.problems {
		t.Error(p)
	}
	logged := log.String()
	for _, s := range append(append([]string{}, w.proofs...), w.tokens...) {
		if strings.Contains(logged, s) {
			t.Errorf("the log holds a proof or token: %.40s…", s)
		}
	}
	for _, word := range []string{"BEGIN", "pkcs8", `"d"`, "s3cret"} {
		if strings.Contains(logged, word) {
			t.Errorf("the log holds %q", word)
		}
	}
}

// TestDPoPSignInNoncesRefresh: the server advertises DPoP, so the code
// exchange carries a proof and the token is DPoP-bound; both servers
// demand a nonce, each answered once with a retry; every MCP request
// carries the DPoP scheme and a fresh proof with ath and content_digest
// and no query in htu; a refresh is proven with the same key; a second
// process reuses the stored key; logout deletes it.
func TestDPoPSignInNoncesRefresh(t *testing.T) {
	w := newProofWorld(t)
	w.asNonce, w.rsNonce = "as-nonce-1", "rs-nonce-1"
	w.expiresIn = 1 // renewed within a second: a refresh with a proof
	dir, log := t.TempDir(), &bytes.Buffer{}
	clk := newClock()
	onClock := func(c *oauthflow.Config) { c.Now = clk.Now }
	h := w.host(t, w.flow(t, dir, log, onClock))
	ok(t, h.call(t, 1, "tools/list"))
	ok(t, h.call(t, 2, "tools/call"))
	w.mu.Lock()
	if w.challenge.as != 1 || w.challenge.rs != 1 {
		t.Errorf("nonce challenges: AS %d, RS %d; want one each (then remembered)", w.challenge.as, w.challenge.rs)
	}
	for _, s := range w.schemes {
		if s != "DPoP" {
			t.Errorf("scheme %s sent", s)
		}
	}
	// A new nonce at the MCP server: one more retry, with it.
	w.rsNonce = "rs-nonce-2"
	w.mu.Unlock()
	clk.Advance(2 * time.Second)
	ok(t, h.call(t, 3, "tools/list"))

	// Another process: the stored token and key, refreshed with a proof.
	clk.Advance(2 * time.Second)
	h2 := w.host(t, w.flow(t, dir, log, onClock))
	ok(t, h2.call(t, 1, "tools/list"))
	ok(t, h2.call(t, 2, "tools/list"))
	w.mu.Lock()
	refreshes := 0
	for _, g := range w.grants {
		if g.Get("grant_type") == "refresh_token" {
			refreshes++
		}
	}
	w.mu.Unlock()
	if refreshes == 0 {
		t.Error("no refresh: the short-lived token was not renewed")
	}
	w.check(t, log)

	// Logout deletes the key: the next sign-in binds to a new one.
	out := w.flow(t, dir, log, nil)
	if had, err := out.Logout(context.Background()); !had || err != nil {
		t.Fatalf("logout: %v %v", had, err)
	}
	w.mu.Lock()
	before := map[string]bool{}
	for _, jkt := range w.bound {
		before[jkt] = true
	}
	w.expiresIn = 3600
	w.mu.Unlock()
	ok(t, w.host(t, w.flow(t, dir, log, nil)).call(t, 1, "tools/list"))
	w.mu.Lock()
	last := w.bound[fmt.Sprintf("at-%d", w.n)]
	w.mu.Unlock()
	if before[last] {
		t.Error("after logout the new token is bound to the old key")
	}
	w.check(t, log)
}

// TestDPoPOnlyWhenAdvertisedOrAsked: without dpop_signing_alg_values_supported
// the tokens are bearer tokens; --dpop binds them all the same.
func TestDPoPOnlyWhenAdvertisedOrAsked(t *testing.T) {
	w := newProofWorld(t)
	w.advertise = false
	log := &bytes.Buffer{}
	schemes := func() string {
		w.mu.Lock()
		defer w.mu.Unlock()
		got := strings.Join(w.schemes, " ")
		w.schemes = nil
		return got
	}
	ok(t, w.host(t, w.flow(t, t.TempDir(), log, nil)).call(t, 1, "tools/list"))
	if got := schemes(); strings.Contains(got, "DPoP") || got == "" {
		t.Errorf("schemes %q without DPoP advertised, want Bearer only", got)
	}
	ok(t, w.host(t, w.flow(t, t.TempDir(), log, func(c *oauthflow.Config) { c.DPoP = true })).call(t, 1, "tools/list"))
	if got := schemes(); strings.Contains(got, "Bearer") || got == "" {
		t.Errorf("schemes %q with --dpop, want DPoP only", got)
	}
	w.check(t, log)
}

// TestDPoPClientCredentials: the client credentials grant is proven too,
// and its token presented with the DPoP scheme.
func TestDPoPClientCredentials(t *testing.T) {
	w := newProofWorld(t)
	w.asNonce = "cc-nonce"
	log := &bytes.Buffer{}
	f := w.flow(t, t.TempDir(), log, func(c *oauthflow.Config) {
		c.ClientCredentials = true
		c.StaticClient = map[string]any{"client_id": "cc", "client_secret": "cc-secret"}
	})
	ok(t, w.host(t, f).call(t, 1, "tools/list"))
	w.mu.Lock()
	if len(w.grants) != 2 || w.grants[1].Get("grant_type") != "client_credentials" || w.challenge.as != 1 {
		t.Errorf("token requests %v, AS nonce challenges %d: want one challenge, then the grant with the nonce", w.grants, w.challenge.as)
	}
	for _, sc := range w.schemes {
		if sc != "DPoP" {
			t.Errorf("scheme %s", sc)
		}
	}
	w.mu.Unlock()
	w.check(t, log)
}

// TestDPoPDeviceGrant: the device grant's polls carry proofs (the first
// meets the authorization server's nonce, the next one pending), its
// token is DPoP-bound, and it goes to the MCP server with a proof.
func TestDPoPDeviceGrant(t *testing.T) {
	w := newProofWorld(t)
	w.asNonce = "device-nonce"
	log := &bytes.Buffer{}
	f := w.flow(t, t.TempDir(), log, func(c *oauthflow.Config) {
		c.DeviceCode, c.DevicePollInterval = true, time.Millisecond
	})
	ok(t, w.host(t, f).call(t, 1, "tools/list"))
	w.mu.Lock()
	var polls []string
	for _, g := range w.grants {
		polls = append(polls, g.Get("grant_type"))
	}
	if w.polls != 2 || w.challenge.as != 1 || !slices.Contains(polls, deviceGrantType) {
		t.Errorf("device polls %d, AS nonce challenges %d, token requests %v: want the nonce, a pending poll, then the token", w.polls, w.challenge.as, polls)
	}
	if len(w.schemes) == 0 {
		t.Error("the MCP server saw no request with the token")
	}
	for _, sc := range w.schemes {
		if sc != "DPoP" {
			t.Errorf("scheme %s", sc)
		}
	}
	w.mu.Unlock()
	w.check(t, log)
}

// TestDPoPNonceRetriesBounded: a server that names a new nonce at every
// refusal gets two retries with them, not an endless loop; the host gets
// an error.
func TestDPoPNonceRetriesBounded(t *testing.T) {
	w := newProofWorld(t)
	w.rsNonce, w.rotateRS = "rs-nonce-1", true
	log := &bytes.Buffer{}
	m := w.host(t, w.flow(t, t.TempDir(), log, nil)).call(t, 1, "tools/list")
	if m["error"] == nil {
		t.Fatalf("answer %v, want an error", m)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	// After the sign-in: the token without a nonce, then with each of
	// the two nonces named since; the third refusal goes to the host.
	if w.challenge.rs != 3 {
		t.Errorf("%d nonce challenges, want 3", w.challenge.rs)
	}
}
