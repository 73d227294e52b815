package oauthflow

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"
)

// The client credentials grant (RFC 6749 §4.4) for machine-to-machine use
// (--client-credentials): no user, no browser. The client authenticates with
// its secret (client_secret_basic or client_secret_post) or with a signed
// JWT assertion (private_key_jwt, RFC 7523 §2.2), as its pre-registered
// client info says.

const assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// clientCredentials obtains a token for the client alone.
func (f *Flow) clientCredentials(ctx context.Context, ch Challenge, scopes []string) (*record, error) {
	if f.cfg.StaticClient == nil {
		return nil, errors.New("--client-credentials needs the client's credentials in --static-oauth-client-info")
	}
	endpoint, issuer, resource := f.cfg.TokenEndpoint, "", f.resourceFor(nil)
	if endpoint == "" {
		as, prm, err := f.discover(ctx, ch)
		if err != nil {
			return nil, err
		}
		endpoint, issuer, resource = as.TokenEndpoint, as.Issuer, f.resourceFor(prm)
		if len(scopes) == 0 {
			scopes = prm.ScopesSupported
		}
		if ctx, err = f.withDPoP(ctx, as); err != nil {
			return nil, err
		}
	} else {
		var err error
		if ctx, err = f.withDPoP(ctx, nil); err != nil {
			return nil, err
		}
	}
	client, err := StaticClient(f.cfg.StaticClient, issuer)
	if err != nil {
		return nil, err
	}
	form := url.Values{"grant_type": {"client_credentials"}}
	if len(scopes) > 0 {
		form.Set("scope", strings.Join(scopes, " "))
	}
	setResource(form, resource)
	if client.AuthMethod == "private_key_jwt" {
		aud := issuer
		if aud == "" {
			aud = endpoint
		}
		assertion, err := signAssertion(f.cfg.StaticClient, client.ClientID, aud)
		if err != nil {
			return nil, err
		}
		form.Set("client_assertion_type", assertionType)
		form.Set("client_assertion", assertion)
	}
	tok, err := tokenRequest(ctx, f.cfg.HTTP, endpoint, client, form, f.cfg.Now)
	if err != nil {
		return nil, err
	}
	rec := &record{Token: *tok, Issuer: issuer, TokenEndpoint: endpoint, Client: *client, Scopes: scopes, Resource: resource}
	return rec, nil
}

// signAssertion builds the RFC 7523 client assertion: iss and sub the
// client, aud the authorization server, a short lifetime and a unique jti,
// signed with the key from the client info ("private_key": PEM, or
// "private_key_file": a path), RS256, ES256 or EdDSA after the key's type.
func signAssertion(info map[string]any, clientID, aud string) (string, error) {
	key, err := privateKey(info)
	if err != nil {
		return "", err
	}
	var alg string
	switch k := key.(type) {
	case *rsa.PrivateKey:
		alg = "RS256"
	case *ecdsa.PrivateKey:
		if k.Curve.Params().BitSize != 256 {
			return "", fmt.Errorf("private_key_jwt supports EC keys on P-256 (ES256) only, not %s", k.Curve.Params().Name)
		}
		alg = "ES256"
	case ed25519.PrivateKey:
		alg = "EdDSA"
	default:
		return "", fmt.Errorf("unsupported private key type %T for private_key_jwt", key)
	}
	header := map[string]any{"typ": "JWT"}
	if kid, _ := info["kid"].(string); kid != "" {
		header["kid"] = kid
	}
	now := time.Now()
	claims := map[string]any{"iss": clientID, "sub": clientID, "aud": aud, "iat": now.Unix(),
		"exp": now.Add(5 * time.Minute).Unix(), "jti": randomString()}
	signed, err := signJWS(key, alg, header, claims) // jws.go
	if err != nil {
		return "", fmt.Errorf("sign the client assertion: %w", err)
	}
	return signed, nil
}

// privateKey reads the PEM key of the client info.
func privateKey(info map[string]any) (crypto.Signer, error) {
	text, _ := info["private_key"].(string)
	if path, _ := info["private_key_file"].(string); text == "" && path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read the private key: %w", err)
		}
		text = string(b)
	}
	block, _ := pem.Decode([]byte(text))
	if block == nil {
		return nil, errors.New("private_key_jwt needs a PEM private key (private_key or private_key_file) in --static-oauth-client-info")
	}
	if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		if s, ok := k.(crypto.Signer); ok {
			return s, nil
		}
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	if k, err := x509.ParseECPrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	return nil, errors.New("the private key is not PKCS#8, PKCS#1 or SEC 1")
}
