package oauthflow_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mcpbridge/mcpbridge/oauthflow"
)

// TestWorkloadIdentityRotatingFile: the workload's JWT is read from its
// file at every token request, so a rotated one is what the next grant
// presents; the grant carries the resource and names no client; with DPoP
// advertised its token is DPoP-bound; no JWT reaches the log.
func TestWorkloadIdentityRotatingFile(t *testing.T) {
	for _, dpop := range []bool{false, true} {
		w := newProofWorld(t)
		w.advertise = dpop
		w.expiresIn = 1
		path := filepath.Join(t.TempDir(), "token")
		current := "eyJ0eXAi.workload-1.sig"
		if err := os.WriteFile(path, []byte(current+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		w.jwtBearer = func(r *http.Request) error {
			switch {
			case r.PostForm.Get("assertion") != current:
				return errors.New("not the workload's current JWT")
			case r.PostForm.Get("resource") != w.rs.URL+"/mcp":
				return errors.New("resource " + r.PostForm.Get("resource"))
			case r.PostForm.Has("client_id") || r.Header.Get("Authorization") != "":
				return errors.New("a client was named")
			}
			return nil
		}
		log := &bytes.Buffer{}
		clk := newClock()
		h := w.host(t, w.flow(t, t.TempDir(), log, func(c *oauthflow.Config) { c.Workload, c.Now = "file:"+path, clk.Now }))
		ok(t, h.call(t, 1, "tools/list"))
		w.mu.Lock()
		w.tokens = append(w.tokens, current)
		current = "eyJ0eXAi.workload-2.sig"
		w.tokens = append(w.tokens, current)
		w.mu.Unlock()
		if err := os.WriteFile(path, []byte(current), 0o600); err != nil {
			t.Fatal(err)
		}
		clk.Advance(2 * time.Second) // the first token has expired
		ok(t, h.call(t, 2, "tools/list"))
		w.mu.Lock()
		var grants []string
		for _, g := range w.grants {
			grants = append(grants, g.Get("grant_type")+" "+g.Get("assertion"))
		}
		schemes := strings.Join(w.schemes, " ")
		w.mu.Unlock()
		want := "urn:ietf:params:oauth:grant-type:jwt-bearer eyJ0eXAi.workload-1.sig"
		if len(grants) < 2 || grants[0] != want || !strings.HasSuffix(grants[len(grants)-1], "workload-2.sig") {
			t.Errorf("dpop %v: grants %q, want the first JWT then the rotated one", dpop, grants)
		}
		if dpop != strings.Contains(schemes, "DPoP") || dpop == strings.Contains(schemes, "Bearer") {
			t.Errorf("dpop %v: schemes %q", dpop, schemes)
		}
		w.check(t, log)
	}
}

// TestWorkloadIdentityRefusalNotRetried: a refused JWT is reported to the
// host as it came (the server's error), with one token request: neither
// retried nor traded for another grant (SEP-1933).
func TestWorkloadIdentityRefusalNotRetried(t *testing.T) {
	t.Setenv("MCPBRIDGE_TEST_WORKLOAD_JWT", "eyJ.env-jwt.sig")
	w := newProofWorld(t)
	w.advertise = false
	w.jwtBearer = func(*http.Request) error { return errors.New("the JWT has expired") }
	log := &bytes.Buffer{}
	m := w.host(t, w.flow(t, t.TempDir(), log, func(c *oauthflow.Config) { c.Workload = "env:MCPBRIDGE_TEST_WORKLOAD_JWT" })).call(t, 1, "tools/list")
	e, _ := m["error"].(map[string]any)
	if msg, _ := e["message"].(string); !strings.Contains(msg, "invalid_grant") || !strings.Contains(msg, "the JWT has expired") {
		t.Errorf("answer %v, want the server's refusal", m)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.grants) != 1 || w.grants[0].Get("assertion") != "eyJ.env-jwt.sig" {
		t.Errorf("token requests %v, want the one jwt-bearer grant", w.grants)
	}
}

// TestWorkloadIdentityPrivateKeyJWTClient: with a static client that
// authenticates with private_key_jwt (RFC 7523 §2.2), the jwt-bearer grant
// carries the workload's JWT as its assertion and the client's own signed
// assertion beside it: issued by the client, for the authorization server,
// verified here with the client's public key.
func TestWorkloadIdentityPrivateKeyJWTClient(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	w := newProofWorld(t)
	w.advertise = false
	const workload = "eyJ0eXAi.workload-pk.sig"
	w.jwtBearer = func(r *http.Request) error {
		f := r.PostForm
		switch {
		case f.Get("assertion") != workload:
			return errors.New("not the workload's JWT")
		case f.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
			return errors.New("client_assertion_type " + f.Get("client_assertion_type"))
		}
		return checkClientAssertion(f.Get("client_assertion"), &key.PublicKey, "pk-client", w.as.URL)
	}
	log := &bytes.Buffer{}
	f := w.flow(t, t.TempDir(), log, func(c *oauthflow.Config) {
		c.Workload = "env:MCPBRIDGE_TEST_WORKLOAD_JWT"
		c.StaticClient = map[string]any{"client_id": "pk-client",
			"private_key": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))}
	})
	t.Setenv("MCPBRIDGE_TEST_WORKLOAD_JWT", workload)
	ok(t, w.host(t, f).call(t, 1, "tools/list"))
	w.mu.Lock()
	n := len(w.grants)
	w.mu.Unlock()
	if n != 1 {
		t.Errorf("%d token requests, want the one jwt-bearer grant", n)
	}
	w.check(t, log)
}

// checkClientAssertion verifies an ES256 client assertion: its signature
// with pub, and iss = sub = client, aud = the authorization server, a jti,
// an exp to come (RFC 7523 §3).
func checkClientAssertion(jwt string, pub *ecdsa.PublicKey, client, aud string) error {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return errors.New("the client assertion is not a JWS")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return errors.New("the client assertion's signature is not ES256's")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return errors.New("the client assertion's signature does not verify")
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return errors.New("the client assertion's claims are not base64url")
	}
	var c struct {
		Iss, Sub, Jti string
		Aud           any
		Exp           int64
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return err
	}
	audOK := c.Aud == aud
	if list, isList := c.Aud.([]any); isList {
		audOK = slices.Contains(list, any(aud))
	}
	if c.Iss != client || c.Sub != client || !audOK || c.Jti == "" || time.Unix(c.Exp, 0).Before(time.Now()) {
		return errors.New("the client assertion's claims: " + string(raw))
	}
	return nil
}
