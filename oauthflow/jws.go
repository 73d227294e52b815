package oauthflow

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash"
	"math/big"
)

// JWS signing (RFC 7515 compact serialization, algorithms of RFC 7518 §3
// and RFC 8037 §3.1) for what mcpbridge itself signs: DPoP proofs (RFC 9449
// §4.2). Only asymmetric algorithms: RFC 9449 §4.2 forbids MAC-based and
// "none" proofs.

// jwsAlgs are the algorithms mcpbridge signs with, in the order it prefers
// them for a new DPoP key when the authorization server offers several:
// ES256 first (what the MCP DPoP profile recommends), then the other
// elliptic curves, EdDSA, and RSA last (larger keys, slower to make).
func jwsAlgs() []string { return []string{"ES256", "ES384", "ES512", "EdDSA", "PS256", "RS256"} }

// newJWSKey makes a fresh key pair for alg.
func newJWSKey(alg string) (crypto.Signer, error) {
	switch alg {
	case "ES256":
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "ES384":
		return ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case "ES512":
		return ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	case "EdDSA":
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return k, err
	case "PS256", "RS256":
		return rsa.GenerateKey(rand.Reader, 2048)
	}
	return nil, fmt.Errorf("unsupported signing algorithm %q", alg)
}

// keyFits reports whether key can sign with alg (a stored key read back).
func keyFits(key crypto.Signer, alg string) bool {
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		return alg == map[int]string{256: "ES256", 384: "ES384", 521: "ES512"}[k.Curve.Params().BitSize]
	case ed25519.PrivateKey:
		return alg == "EdDSA"
	case *rsa.PrivateKey:
		return alg == "PS256" || alg == "RS256"
	}
	return false
}

// publicJWK is key's public half as a JWK (RFC 7517 §4, RFC 7518 §6, RFC
// 8037 §2): the members a thumbprint is computed over (RFC 7638 §3.2),
// never the private ones.
func publicJWK(key crypto.Signer) (map[string]any, error) {
	b64 := base64.RawURLEncoding.EncodeToString
	switch k := key.Public().(type) {
	case *ecdsa.PublicKey:
		size := (k.Curve.Params().BitSize + 7) / 8
		ecdh, err := k.ECDH() // the uncompressed point: 0x04 || X || Y (SEC 1 §2.3.3)
		if err != nil {
			return nil, fmt.Errorf("DPoP key: %w", err)
		}
		pt := ecdh.Bytes()
		return map[string]any{"kty": "EC", "crv": k.Curve.Params().Name, "x": b64(pt[1 : 1+size]), "y": b64(pt[1+size:])}, nil
	case ed25519.PublicKey:
		return map[string]any{"kty": "OKP", "crv": "Ed25519", "x": b64(k)}, nil
	case *rsa.PublicKey:
		return map[string]any{"kty": "RSA", "n": b64(k.N.Bytes()), "e": b64(big.NewInt(int64(k.E)).Bytes())}, nil
	}
	return nil, fmt.Errorf("unsupported key type %T", key)
}

// signJWS returns the compact JWS of claims under header (alg is set from
// the argument) signed with key.
func signJWS(key crypto.Signer, alg string, header, claims map[string]any) (string, error) {
	header["alg"] = alg
	h, err := json.Marshal(header)
	if err != nil {
		return "", err
	}
	c, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	sig, err := signBytes(key, alg, []byte(input))
	if err != nil {
		return "", fmt.Errorf("sign the %s JWS: %w", alg, err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// signBytes signs input as alg demands (RFC 7518 §3.3–3.5, RFC 8037 §3.1).
func signBytes(key crypto.Signer, alg string, input []byte) ([]byte, error) {
	if !keyFits(key, alg) {
		return nil, fmt.Errorf("the key (%T) cannot sign %s", key, alg)
	}
	if alg == "EdDSA" {
		return ed25519.Sign(key.(ed25519.PrivateKey), input), nil
	}
	var h hash.Hash
	var id crypto.Hash
	switch alg {
	case "ES384":
		h, id = sha512.New384(), crypto.SHA384
	case "ES512":
		h, id = sha512.New(), crypto.SHA512
	default:
		h, id = sha256.New(), crypto.SHA256
	}
	h.Write(input)
	digest := h.Sum(nil)
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		r, s, err := ecdsa.Sign(rand.Reader, k, digest)
		if err != nil {
			return nil, err
		}
		size := (k.Curve.Params().BitSize + 7) / 8
		return append(fixed(r, size), fixed(s, size)...), nil // R || S (RFC 7518 §3.4)
	case *rsa.PrivateKey:
		if alg == "PS256" {
			return rsa.SignPSS(rand.Reader, k, id, digest, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		}
		return rsa.SignPKCS1v15(rand.Reader, k, id, digest)
	}
	return nil, fmt.Errorf("unsupported key type %T", key)
}

// fixed is n big-endian in exactly size bytes (an ECDSA signature's R and S).
func fixed(n *big.Int, size int) []byte {
	b := make([]byte, size)
	return n.FillBytes(b)
}

// b64sha256 is base64url(SHA-256(s)) without padding: the ath claim
// (RFC 9449 §4.2) and a PKCE-like digest.
func b64sha256(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
