package oauthflow

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/url"
	"strings"
	"testing"
)

// TestSignJWSEachAlg: a JWS of every algorithm mcpbridge signs with
// verifies with the standard library's own verification, under the public
// key its JWK names, and the JWK holds no private member.
func TestSignJWSEachAlg(t *testing.T) {
	for _, alg := range jwsAlgs() {
		key, err := newJWSKey(alg)
		if err != nil {
			t.Fatal(alg, err)
		}
		jwk, err := publicJWK(key)
		if err != nil {
			t.Fatal(alg, err)
		}
		if _, has := jwk["d"]; has {
			t.Errorf("%s: the JWK has d", alg)
		}
		jws, err := signJWS(key, alg, map[string]any{"typ": "dpop+jwt", "jwk": jwk}, map[string]any{"jti": "x"})
		if err != nil {
			t.Fatal(alg, err)
		}
		parts := strings.Split(jws, ".")
		hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
		var h map[string]any
		if err := json.Unmarshal(hb, &h); err != nil || h["alg"] != alg {
			t.Fatalf("%s: header %s", alg, hb)
		}
		input := []byte(parts[0] + "." + parts[1])
		sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
		var good bool
		switch k := key.Public().(type) {
		case *ecdsa.PublicKey:
			var d []byte
			switch alg {
			case "ES256":
				s := sha256.Sum256(input)
				d = s[:]
			case "ES384":
				s := sha512.Sum384(input)
				d = s[:]
			default:
				s := sha512.Sum512(input)
				d = s[:]
			}
			n := len(sig) / 2
			good = ecdsa.Verify(k, d, new(big.Int).SetBytes(sig[:n]), new(big.Int).SetBytes(sig[n:]))
		case ed25519.PublicKey:
			good = ed25519.Verify(k, input, sig)
		case *rsa.PublicKey:
			s := sha256.Sum256(input)
			if alg == "PS256" {
				good = rsa.VerifyPSS(k, crypto.SHA256, s[:], sig, nil) == nil
			} else {
				good = rsa.VerifyPKCS1v15(k, crypto.SHA256, s[:], sig) == nil
			}
		}
		if !good {
			t.Errorf("%s: the signature does not verify", alg)
		}
		if other := map[string]string{"ES256": "ES384", "EdDSA": "ES256", "RS256": "EdDSA"}[alg]; other != "" {
			if _, err := signJWS(key, other, map[string]any{}, map[string]any{}); err == nil {
				t.Errorf("a %s key signed %s", alg, other)
			}
		}
	}
}

// TestNonces: a server's nonce is kept per origin and only when it is
// NQCHARs of a sane length (RFC 9449 §8.1); the same nonce again is not
// new (no second retry for it).
func TestNonces(t *testing.T) {
	var n nonces
	a, _ := url.Parse("https://as.example/token")
	b, _ := url.Parse("https://AS.example:443/other?q=1")
	c, _ := url.Parse("https://mcp.example/mcp")
	for _, bad := range []string{"", "has space", `quo"te`, `back\slash`, "new\nline", strings.Repeat("n", maxNonce+1)} {
		if n.take(a, bad) {
			t.Errorf("nonce %q taken", bad)
		}
	}
	if !n.take(a, "n-1") || n.take(b, "n-1") {
		t.Error("n-1 should be new once for the origin, spelled either way")
	}
	if n.get(b) != "n-1" || n.get(c) != "" {
		t.Errorf("nonces per origin: %q %q", n.get(b), n.get(c))
	}
	if !n.take(c, "n-2") || n.get(a) != "n-1" {
		t.Error("another origin's nonce replaced this one's")
	}
}

// TestHTU: the query, fragment and userinfo never reach a proof.
func TestHTU(t *testing.T) {
	u, _ := url.Parse("https://user:pw@mcp.example/a%2Fb/mcp?apikey=secret#frag")
	if got := htu(u); got != "https://mcp.example/a%2Fb/mcp" {
		t.Errorf("htu %q", got)
	}
}
