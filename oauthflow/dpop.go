package oauthflow

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
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

	"github.com/mcpbridge/mcpbridge/internal/safetext"
	"github.com/mcpbridge/mcpbridge/tokencache"
)

// DPoP (RFC 9449; the MCP DPoP extension, ext-auth
// specification/draft/dpop-extension.mdx): tokens bound to a key pair that
// never leaves this machine's token store, so a stolen token is useless
// without it. Every token request then carries a proof signed with the key
// (§5), and the token, presented with the DPoP scheme (§7.1), goes with a
// fresh proof on every request to the MCP server (§4.2: jti, htm, htu, iat;
// §4.2 ath, the token's hash; the MCP profile's content_digest). A server
// may demand a nonce of its own in the proofs (§8 the authorization server,
// §9 the MCP server): the request is sent once more with it, and the nonce
// is kept per origin for the next ones.
//
// Neither a proof nor the key is ever logged: the log says only whether
// DPoP is in use and with which algorithm.

// dpopKeyKind is the store's kind for a DPoP key: one per tokens record
// (server, resource and identity), so `logout` deletes it with them.
const dpopKeyKind = "dpop-key"

// maxNonce bounds a server's nonce: it is echoed in every later proof.
const maxNonce = 1024

// prover signs the DPoP proofs of one key.
type prover struct {
	alg    string
	key    crypto.Signer
	jwk    map[string]any
	nonces *nonces
}

// nonces are the last DPoP-Nonce each origin sent (RFC 9449 §8.2, §9).
type nonces struct {
	mu sync.Mutex
	m  map[string]string
}

func (n *nonces) get(u *url.URL) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.m[origin(u)]
}

// take keeps v as u's origin's nonce. It reports whether v is a new one:
// a valid nonce (RFC 9449 §8.1: 1*NQCHAR) other than the one kept.
func (n *nonces) take(u *url.URL, v string) bool {
	if !validNonce(v) {
		return false
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.m == nil {
		n.m = map[string]string{}
	}
	if n.m[origin(u)] == v {
		return false
	}
	n.m[origin(u)] = v
	return true
}

// validNonce: NQCHAR = %x21 / %x23-5B / %x5D-7E (RFC 9449 §8.1), bounded.
func validNonce(v string) bool {
	if v == "" || len(v) > maxNonce {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// dpopState is a Flow's DPoP: its key, read or made once, and the nonces.
type dpopState struct {
	mu     sync.Mutex
	p      *prover
	nonces nonces
}

// storedKey is what the store keeps under the key's name.
type storedKey struct {
	Alg   string `json:"alg"`
	PKCS8 []byte `json:"pkcs8"`
}

func (f *Flow) dpopKeyName() string { return tokencache.Name(dpopKeyKind, f.names.tokens) }

// prover returns the Flow's DPoP prover: the key in use or stored, when it
// signs with an algorithm in offered (any, when offered is empty); else,
// when create, a new key for the first algorithm of jwsAlgs offered,
// stored before it signs anything. Without either it returns nil.
func (f *Flow) prover(ctx context.Context, offered []string, create bool) (*prover, error) {
	d := &f.dpop
	d.mu.Lock()
	defer d.mu.Unlock()
	fits := func(alg string) bool { return len(offered) == 0 || slices.Contains(offered, alg) }
	if d.p != nil && fits(d.p.alg) {
		return d.p, nil
	}
	name := f.dpopKeyName()
	if ok, err := f.cfg.Store.Stored(name); err == nil && ok {
		if key, alg, err := f.readKey(ctx, name); err != nil {
			f.cfg.Log.Warn("the stored DPoP key is unusable; making a new one", "error", err)
		} else if fits(alg) {
			return d.use(key, alg)
		}
	}
	if !create {
		return nil, nil
	}
	alg := ""
	for _, a := range jwsAlgs() {
		if fits(a) {
			alg = a
			break
		}
	}
	if alg == "" {
		return nil, fmt.Errorf("the authorization server accepts DPoP proofs signed with %s only, none of which mcpbridge signs with (%s)",
			safetext.EscapeN(strings.Join(offered, " "), 200), strings.Join(jwsAlgs(), " "))
	}
	key, err := newJWSKey(alg)
	if err != nil {
		return nil, fmt.Errorf("make a DPoP key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("make a DPoP key: %w", err)
	}
	raw, _ := json.Marshal(storedKey{Alg: alg, PKCS8: der})
	meta := tokencache.Meta{Kind: dpopKeyKind, Server: f.shown()}
	if err := f.cfg.Store.Put(ctx, name, raw, meta); err != nil {
		return nil, fmt.Errorf("store the DPoP key: %w", err)
	}
	f.cfg.Log.Debug("made a DPoP key", "alg", alg)
	return d.use(key, alg)
}

func (f *Flow) readKey(ctx context.Context, name string) (crypto.Signer, string, error) {
	raw, err := f.cfg.Store.Get(ctx, name)
	if err != nil {
		return nil, "", err
	}
	var sk storedKey
	if err := json.Unmarshal(raw, &sk); err != nil {
		return nil, "", errors.New("the stored DPoP key is damaged")
	}
	k, err := x509.ParsePKCS8PrivateKey(sk.PKCS8)
	key, ok := k.(crypto.Signer)
	if err != nil || !ok || !keyFits(key, sk.Alg) {
		return nil, "", errors.New("the stored DPoP key is damaged")
	}
	return key, sk.Alg, nil
}

// use makes key the prover's (d.mu held).
func (d *dpopState) use(key crypto.Signer, alg string) (*prover, error) {
	jwk, err := publicJWK(key)
	if err != nil {
		return nil, err
	}
	d.p = &prover{alg: alg, key: key, jwk: jwk, nonces: &d.nonces}
	return d.p, nil
}

// dropDPoPKey deletes the key (logout).
func (f *Flow) dropDPoPKey(ctx context.Context) error {
	f.dpop.mu.Lock()
	f.dpop.p = nil
	f.dpop.mu.Unlock()
	return f.cfg.Store.Delete(ctx, f.dpopKeyName())
}

// withDPoP returns ctx carrying the prover for the token requests of a
// sign-in with as (nil: a refresh, whose metadata is not at hand): DPoP is
// used when the authorization server advertises it (RFC 9449 §5.1:
// dpop_signing_alg_values_supported), when --dpop asks, or when a key is
// already stored for these credentials (their refresh token may be bound
// to it, §5). An authorization server that offers only algorithms
// mcpbridge cannot sign with gets no proofs, unless --dpop insists.
func (f *Flow) withDPoP(ctx context.Context, as *AuthServer) (context.Context, error) {
	var offered []string
	if as != nil {
		offered = slices.DeleteFunc(slices.Clone(as.DPoPSigningAlgValuesSupported), func(a string) bool { return a == "none" || a == "" })
	}
	p, err := f.prover(ctx, offered, f.cfg.DPoP || len(offered) > 0)
	if err != nil && !f.cfg.DPoP && as != nil {
		f.cfg.Log.Warn("not using DPoP", "error", err)
		return ctx, nil
	}
	if err != nil || p == nil {
		return ctx, err
	}
	return context.WithValue(ctx, proverKey{}, p), nil
}

type proverKey struct{}

func proverFrom(ctx context.Context) *prover {
	p, _ := ctx.Value(proverKey{}).(*prover)
	return p
}

// proof is a fresh DPoP proof for a method on target (RFC 9449 §4.2):
// token, when set, is hashed into ath, and body, when set, into the MCP
// profile's content_digest (RFC 9530 §2 syntax).
func (p *prover) proof(method string, target *url.URL, token string, body []byte) (string, error) {
	claims := map[string]any{"jti": randomString(), "htm": method,
		"htu": htu(target), "iat": time.Now().Unix()}
	if token != "" {
		claims["ath"] = b64sha256(token)
	}
	if n := p.nonces.get(target); n != "" {
		claims["nonce"] = n
	}
	if body != nil {
		sum := sha256.Sum256(body)
		claims["content_digest"] = "sha-256=:" + base64.StdEncoding.EncodeToString(sum[:]) + ":"
	}
	return signJWS(p.key, p.alg, map[string]any{"typ": "dpop+jwt", "jwk": p.jwk}, claims)
}

// htu is the target without query and fragment (RFC 9449 §4.2), nor
// userinfo: the query of an MCP server URL may hold an API key.
func htu(u *url.URL) string {
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}).String()
}

// postToken posts form to the token endpoint with the client's
// authentication and, when ctx carries a prover, a DPoP proof; a
// use_dpop_nonce refusal naming a new nonce (RFC 9449 §8) is sent once
// more with it. bound reports whether a proof went with the request.
func postToken(ctx context.Context, hc *http.Client, endpoint string, c *Client, form url.Values) (status int, raw []byte, bound bool, err error) {
	p := proverFrom(ctx)
	target, err := url.Parse(endpoint)
	if err != nil {
		return 0, nil, false, fmt.Errorf("token request: %w", err)
	}
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, nil)
		if err != nil {
			return 0, nil, false, fmt.Errorf("token request: %w", err)
		}
		authenticate(req, cloneValues(form), c)
		if p != nil {
			proof, err := p.proof(http.MethodPost, target, "", nil)
			if err != nil {
				return 0, nil, false, fmt.Errorf("token request: %w", err)
			}
			req.Header.Set("DPoP", proof)
		}
		status, hdr, raw, err := exchangeHeader(hc, req, "token request")
		if err != nil || p == nil {
			return status, raw, false, err
		}
		fresh := p.nonces.take(target, hdr.Get("DPoP-Nonce"))
		if attempt == 0 && fresh && status == http.StatusBadRequest && errorCode(raw) == "use_dpop_nonce" {
			continue
		}
		return status, raw, true, nil
	}
}

// errorCode is the error member of an OAuth error answer.
func errorCode(raw []byte) string {
	var e struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(raw, &e)
	return e.Error
}

// isDPoP reports whether t is bound to the key (RFC 9449 §5: token_type
// DPoP): it is never sent as a bearer token.
func isDPoP(t Token) bool { return strings.EqualFold(t.TokenType, "DPoP") }

// authorizeDPoP presents a DPoP-bound token (RFC 9449 §7.1) with a fresh
// proof for req. Without the key the token is worthless: it is dropped
// and the request goes bare, so the server's 401 signs in again.
func (f *Flow) authorizeDPoP(ctx context.Context, req *http.Request, token string) error {
	p, err := f.prover(ctx, nil, false)
	if err != nil || p == nil {
		f.cfg.Log.Warn("the token is bound to a DPoP key that is gone; signing in again", "error", err)
		f.forget(ctx)
		return nil
	}
	var body []byte
	if req.GetBody != nil {
		rc, err := req.GetBody()
		if err != nil {
			return fmt.Errorf("DPoP proof: %w", err)
		}
		body, err = io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return fmt.Errorf("DPoP proof: %w", err)
		}
	}
	proof, err := p.proof(req.Method, req.URL, token, body)
	if err != nil {
		return fmt.Errorf("DPoP proof: %w", err)
	}
	req.Header.Set("Authorization", "DPoP "+token)
	req.Header.Set("DPoP", proof)
	return nil
}

// FreshNonce reports whether resp is the MCP server's demand for a DPoP
// nonce (RFC 9449 §9: 401, a DPoP challenge with error="use_dpop_nonce",
// and the nonce in DPoP-Nonce) naming one the proofs did not carry yet.
// The transport gives such a refusal a retry of its own
// (transport.NonceRetrier); Refused keeps the nonce.
func (f *Flow) FreshNonce(resp *http.Response) bool {
	if resp.StatusCode != http.StatusUnauthorized || resp.Request == nil {
		return false
	}
	v := resp.Header.Get("DPoP-Nonce")
	if !validNonce(v) || f.dpop.nonces.get(resp.Request.URL) == v {
		return false
	}
	for _, c := range ParseWWWAuthenticate(resp.Header.Values("WWW-Authenticate")) {
		if strings.EqualFold(c.Scheme, "DPoP") && c.Error == "use_dpop_nonce" {
			return true
		}
	}
	return false
}

// takeNonce keeps the nonce of a FreshNonce refusal; it reports whether
// it did (a retry with it may succeed).
func (f *Flow) takeNonce(resp *http.Response) bool {
	return f.FreshNonce(resp) && f.dpop.nonces.take(resp.Request.URL, resp.Header.Get("DPoP-Nonce"))
}

// authChallenge is the Bearer challenge, else the DPoP one: a server that
// wants DPoP challenges with that scheme (RFC 9449 §7.1), with the same
// parameters (resource_metadata, scope, error).
func authChallenge(cs []Challenge) Challenge {
	if c, ok := Bearer(cs); ok {
		return c
	}
	for _, c := range cs {
		if strings.EqualFold(c.Scheme, "DPoP") {
			return c
		}
	}
	return Challenge{}
}
