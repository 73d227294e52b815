package oauthflow

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// ccServer is a token endpoint for the client credentials grant that
// checks the client the way a real one does: Basic, post, or a JWT
// assertion verified with the client's public key (RFC 7523 §3).
type ccServer struct {
	t      *testing.T
	pub    crypto.PublicKey
	secret string
	issued []url.Values
}

func (c *ccServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	c.issued = append(c.issued, r.PostForm)
	fail := func(code string) {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":"` + code + `"}`))
	}
	if r.PostForm.Get("grant_type") != "client_credentials" {
		fail("unsupported_grant_type")
		return
	}
	user, pass, basic := r.BasicAuth()
	switch {
	case basic:
		if user != "cc-client" || pass != c.secret {
			fail("invalid_client")
			return
		}
	case r.PostForm.Get("client_secret") != "":
		if r.PostForm.Get("client_id") != "cc-client" || r.PostForm.Get("client_secret") != c.secret {
			fail("invalid_client")
			return
		}
	case r.PostForm.Get("client_assertion_type") == assertionType:
		if err := verifyAssertion(r.PostForm.Get("client_assertion"), c.pub, "http://"+r.Host+r.URL.Path); err != nil {
			c.t.Logf("assertion refused: %v", err)
			fail("invalid_client")
			return
		}
	default:
		fail("invalid_client")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"access_token":"cc-token","token_type":"Bearer","expires_in":3600}`))
}

// verifyAssertion checks a compact JWS the way an authorization server does.
func verifyAssertion(jws string, pub crypto.PublicKey, aud string) error {
	parts := strings.Split(jws, ".")
	if len(parts) != 3 {
		return errString("not a compact JWS")
	}
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	cb, _ := base64.RawURLEncoding.DecodeString(parts[1])
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	var h map[string]string
	var c map[string]any
	if json.Unmarshal(hb, &h) != nil || json.Unmarshal(cb, &c) != nil {
		return errString("undecodable")
	}
	input := []byte(parts[0] + "." + parts[1])
	digest := sha256.Sum256(input)
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if h["alg"] != "RS256" || rsa.VerifyPKCS1v15(k, crypto.SHA256, digest[:], sig) != nil {
			return errString("bad RS256 signature")
		}
	case *ecdsa.PublicKey:
		if h["alg"] != "ES256" || len(sig) != 64 || !ecdsa.Verify(k, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
			return errString("bad ES256 signature")
		}
	case ed25519.PublicKey:
		if h["alg"] != "EdDSA" || !ed25519.Verify(k, input, sig) {
			return errString("bad EdDSA signature")
		}
	}
	exp, _ := c["exp"].(float64)
	if c["iss"] != "cc-client" || c["sub"] != "cc-client" || c["aud"] != aud || c["jti"] == "" || time.Unix(int64(exp), 0).Before(time.Now()) {
		return errString("bad claims")
	}
	return nil
}

type errString string

func (e errString) Error() string { return string(e) }

func pemOf(t *testing.T, key any) string {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func TestClientCredentials(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	tests := []struct {
		name string
		info map[string]any
		pub  crypto.PublicKey
	}{
		{"client_secret_basic", map[string]any{"client_id": "cc-client", "client_secret": "s3"}, nil},
		{"client_secret_post", map[string]any{"client_id": "cc-client", "client_secret": "s3", "token_endpoint_auth_method": "client_secret_post"}, nil},
		{"private_key_jwt RS256", map[string]any{"client_id": "cc-client", "private_key": pemOf(t, rsaKey)}, &rsaKey.PublicKey},
		{"private_key_jwt ES256", map[string]any{"client_id": "cc-client", "private_key": pemOf(t, ecKey)}, &ecKey.PublicKey},
		{"private_key_jwt EdDSA", map[string]any{"client_id": "cc-client", "private_key": pemOf(t, edKey), "kid": "k1"}, edKey.Public()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cc := &ccServer{t: t, pub: tc.pub, secret: "s3"}
			srv := httptest.NewServer(cc)
			defer srv.Close()
			server, _ := url.Parse("https://mcp.example/mcp")
			f, err := New(Config{Server: server, HTTP: srv.Client(), Store: newMemStore(),
				Open:              func(string) error { t.Error("a browser was opened"); return nil },
				StaticClient:      tc.info,
				ClientCredentials: true,
				TokenEndpoint:     srv.URL + "/token",
			})
			if err != nil {
				t.Fatal(err)
			}
			resp := &http.Response{StatusCode: 401, Header: http.Header{"Www-Authenticate": {`Bearer scope="mcp:read"`}}}
			if err := f.Refused(context.Background(), resp); err != nil {
				t.Fatalf("Refused: %v", err)
			}
			req, _ := http.NewRequest(http.MethodPost, server.String(), nil)
			if err := f.Authorize(context.Background(), req); err != nil || req.Header.Get("Authorization") != "Bearer cc-token" {
				t.Fatalf("Authorization %q, %v", req.Header.Get("Authorization"), err)
			}
			form := cc.issued[0]
			if form.Get("resource") != "https://mcp.example/mcp" || form.Get("scope") != "mcp:read" {
				t.Errorf("grant form %v: want the resource and the challenge's scope", form)
			}
		})
	}
}
