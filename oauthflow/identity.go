package oauthflow

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Identity is what Config.Identity holds for the user's headers h and the
// client settings of c: the headers (name, then values, by name), then the
// client (pre-registered, a metadata document, the grant) and the scope
// asked for. A different tenant header, client or scope is a different
// identity. The store folds it into the tokens' name, so it never changes
// for the same settings: that would sign every user out.
func Identity(h http.Header, c Config) []string {
	return identity(h, identityParts(c)...)
}

// identityParts is what, besides the server and resource, changes which
// token is valid.
func identityParts(c Config) []string {
	var parts []string
	if id, _ := c.StaticClient["client_id"].(string); id != "" {
		parts = append(parts, "client="+id)
	}
	if c.ClientMetadataURL != "" {
		parts = append(parts, "cimd="+c.ClientMetadataURL)
	}
	if c.ClientCredentials {
		parts = append(parts, "grant=client_credentials")
	}
	if c.Workload != "" {
		parts = append(parts, "grant=jwt-bearer", "workload="+c.Workload)
	}
	if c.IdPIssuer != "" {
		id, _ := c.IdPClient["client_id"].(string)
		parts = append(parts, "grant=id-jag", "idp="+c.IdPIssuer, "idp-client="+id)
	}
	if scope, _ := c.ClientMetadata["scope"].(string); scope != "" {
		parts = append(parts, "scope="+scope)
	}
	if len(c.Scopes) > 0 {
		parts = append(parts, "scopes="+strings.Join(c.Scopes, " "))
	}
	return parts
}

// identity lists h's headers, then parts.
func identity(h http.Header, parts ...string) []string {
	var id []string
	for _, k := range slices.Sorted(maps.Keys(h)) {
		id = append(id, k, strings.Join(h[k], "\n"))
	}
	return append(id, parts...)
}

// ParseAuthorizeParams reads key=value pairs, extra parameters for the
// authorization request (Config.AuthorizeParams); nil when there are none.
func ParseAuthorizeParams(pairs []string) (url.Values, error) {
	if len(pairs) == 0 {
		return nil, nil
	}
	q := url.Values{}
	for _, kv := range pairs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%q: use key=value", kv)
		}
		q.Add(k, v)
	}
	return q, nil
}
