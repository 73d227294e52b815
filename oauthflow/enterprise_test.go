package oauthflow_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpbridge/mcpbridge/oauthflow"
)

// idp is an enterprise identity provider: OpenID Connect sign-in
// (authorization code with PKCE, issuing an id token) and the RFC 8693
// token exchange of an id token it issued for an ID-JAG, checked the way
// enterprise-managed authorization §4 asks.
type idp struct {
	srv *httptest.Server

	mu        sync.Mutex
	idTokens  map[string]bool
	jags      map[string]string // ID-JAG → the audience it was issued for
	visits    int               // authorization requests (browser sign-ins)
	exchanges []url.Values
	problems  []string
}

func newIdP(t *testing.T) *idp {
	p := &idp{idTokens: map[string]bool{}, jags: map[string]string{}}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

// idToken is an unsigned-looking JWT with exp an hour away: the provider
// checks its own by value; mcpbridge reads only exp.
func (p *idp) idToken(sub string) string {
	enc := base64.RawURLEncoding.EncodeToString
	tok := enc([]byte(`{"alg":"ES256"}`)) + "." + enc(fmt.Appendf(nil, `{"sub":%q,"exp":%d}`, sub, time.Now().Add(time.Hour).Unix())) + ".sig"
	p.idTokens[tok] = true
	return tok
}

func (p *idp) serve(rw http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	base := p.srv.URL
	switch r.URL.Path {
	case "/.well-known/openid-configuration":
		writeJSON(rw, 200, map[string]any{"issuer": base, "authorization_endpoint": base + "/authorize", "token_endpoint": base + "/token",
			"code_challenge_methods_supported": []string{"S256"}, "response_types_supported": []string{"code"}})
	case "/authorize":
		p.visits++
		q := r.URL.Query()
		if q.Get("scope") != "openid" || q.Get("client_id") != "idp-client" {
			p.problems = append(p.problems, "authorization request "+q.Encode())
		}
		u, _ := url.Parse(q.Get("redirect_uri"))
		u.RawQuery = url.Values{"code": {"idp-code"}, "state": {q.Get("state")}}.Encode()
		http.Redirect(rw, r, u.String(), http.StatusFound)
	case "/token":
		_ = r.ParseForm()
		f := r.PostForm
		switch f.Get("grant_type") {
		case "authorization_code":
			writeJSON(rw, 200, map[string]any{"access_token": "idp-at", "token_type": "Bearer", "id_token": p.idToken("browser-user"), "expires_in": 3600})
		case "urn:ietf:params:oauth:grant-type:token-exchange":
			p.exchanges = append(p.exchanges, f)
			switch {
			case !p.idTokens[f.Get("subject_token")]:
				writeJSON(rw, 400, map[string]string{"error": "invalid_grant", "error_description": "not an id token of ours"})
				return
			case f.Get("subject_token_type") != "urn:ietf:params:oauth:token-type:id_token",
				f.Get("requested_token_type") != "urn:ietf:params:oauth:token-type:id-jag",
				f.Get("audience") == "", f.Get("resource") == "", f.Get("client_id") != "idp-client":
				p.problems = append(p.problems, "token exchange "+f.Encode())
				writeJSON(rw, 400, map[string]string{"error": "invalid_request"})
				return
			}
			jag := fmt.Sprintf("eyJ.jag-%d.sig", len(p.jags)+1)
			p.jags[jag] = f.Get("audience") + " " + f.Get("resource")
			writeJSON(rw, 200, map[string]any{"access_token": jag, "issued_token_type": "urn:ietf:params:oauth:token-type:id-jag", "token_type": "N_A", "expires_in": 300})
		default:
			writeJSON(rw, 400, map[string]string{"error": "unsupported_grant_type"})
		}
	default:
		http.NotFound(rw, r)
	}
}

// protect makes w's authorization server take this provider's ID-JAGs:
// issued for it and for w's resource, from the client registered with it
// (client_secret_basic).
func (p *idp) protect(w *proofWorld) {
	w.jwtBearer = func(r *http.Request) error {
		id, secret, _ := r.BasicAuth()
		p.mu.Lock()
		meant, ok := p.jags[r.PostForm.Get("assertion")]
		p.mu.Unlock()
		switch {
		case id != "mcp-client" || secret != "mcp-secret":
			return errors.New("not the registered client")
		case !ok:
			return errors.New("not an ID-JAG of the provider")
		case meant != w.as.URL+" "+w.rs.URL+"/mcp":
			return errors.New("an ID-JAG for " + meant)
		}
		return nil
	}
}

func (p *idp) config(c *oauthflow.Config) {
	c.StaticClient = map[string]any{"client_id": "mcp-client", "client_secret": "mcp-secret"}
	c.IdPIssuer = p.srv.URL
	c.IdPClient = map[string]any{"client_id": "idp-client"}
}

// TestEnterpriseChainWithCommandToken: the id token from a command is
// exchanged at the provider for an ID-JAG naming the server's
// authorization server and resource, which that server takes as a
// jwt-bearer grant from the registered client; no token reaches the log.
func TestEnterpriseChainWithCommandToken(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the command source runs cat")
	}
	p := newIdP(t)
	w := newProofWorld(t)
	w.advertise = false
	p.protect(w)
	path := filepath.Join(t.TempDir(), "id-token")
	p.mu.Lock()
	tok := p.idToken("cli-user")
	p.mu.Unlock()
	if err := os.WriteFile(path, []byte(tok), 0o600); err != nil {
		t.Fatal(err)
	}
	log := &bytes.Buffer{}
	h := w.host(t, w.flow(t, t.TempDir(), log, func(c *oauthflow.Config) {
		p.config(c)
		c.IdPIDToken = "command:cat " + path
	}))
	ok(t, h.call(t, 1, "tools/list"))
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.exchanges) != 1 || p.visits != 0 || len(p.problems) > 0 {
		t.Errorf("exchanges %v, browser visits %d, problems %v; want one exchange, no browser", p.exchanges, p.visits, p.problems)
	}
	w.mu.Lock()
	w.tokens = append(w.tokens, tok, "eyJ.jag-1.sig")
	w.mu.Unlock()
	w.check(t, log)
}

// TestEnterpriseSignInOnceForTwoServers: without --idp-id-token the user
// signs in to the provider in the browser once; a second server, with its
// own authorization server, gets its ID-JAG from the same kept sign-in.
func TestEnterpriseSignInOnceForTwoServers(t *testing.T) {
	p := newIdP(t)
	dir, log := t.TempDir(), &bytes.Buffer{}
	for i := range 2 {
		w := newProofWorld(t)
		w.advertise = i == 1 // the second server also binds its tokens (DPoP)
		p.protect(w)
		ok(t, w.host(t, w.flow(t, dir, log, p.config)).call(t, 1, "tools/list"))
		w.check(t, log)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.visits != 1 || len(p.exchanges) != 2 || len(p.problems) > 0 {
		t.Errorf("browser visits %d, exchanges %d, problems %v; want one sign-in, two exchanges", p.visits, len(p.exchanges), p.problems)
	}
	for tok := range p.idTokens {
		if strings.Contains(log.String(), tok) {
			t.Error("the id token reached the log")
		}
	}
}
