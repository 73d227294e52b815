package tokencache

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// The store names what it keeps from what identifies it: callers hand it
// the server, resource, identity or issuer, never a name of their own.
// The derivation is stable across releases (a change would orphan every
// stored credential; TestName and TestTokensName pin it).

// TokensName is where the tokens for a server are kept: kind "tokens", the
// server URL, the RFC 8707 resource and the identity — whatever else
// changes which token is valid (the user's headers, the client, the scope
// asked for), in an order the caller keeps stable. The identity is folded
// into one SHA-256 first, so it may be long; none is not the same as one
// empty part.
func TokensName(server, resource string, identity []string) string {
	folded := ""
	if len(identity) > 0 {
		folded = hex.EncodeToString(partsHash(identity...))
	}
	return Name("tokens", server, resource, folded)
}

// ClientName is where the client registration made with an issuer is kept
// (client ids belong to the authorization server that issued them).
func ClientName(issuer string) string { return Name("client", issuer) }

// DeviceClientName is where the registration for the device grant (RFC
// 8628; no redirect URI) made with an issuer is kept.
func DeviceClientName(issuer string) string { return Name("client-device", issuer) }

// AccountName is where name is kept for an account other than the default
// one (--account): the same kind, and a hash of the name and the account,
// so two accounts never share tokens, registrations or locks. The default
// account ("") keeps name itself.
func AccountName(name, account string) string {
	if account == "" {
		return name
	}
	kind := name
	if i := strings.LastIndexByte(name, '-'); i > 0 {
		kind = name[:i]
	}
	return Name(kind, "account", account, name)
}

// Name derives a stable, readable-length storage name from everything that
// changes which secret is valid (server URL, issuer, client, resource,
// scopes…): kind, then the first 32 hex digits of a SHA-256 of the parts.
func Name(kind string, parts ...string) string {
	return kind + "-" + hex.EncodeToString(partsHash(parts...))[:32]
}

// partsHash is the SHA-256 of parts, each length-prefixed: no two lists of
// parts meet.
func partsHash(parts ...string) []byte {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:", len(p))
		h.Write([]byte(p))
	}
	return h.Sum(nil)
}
