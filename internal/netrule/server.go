package netrule

import (
	"errors"
	"fmt"
	"net/url"
)

// ServerURL checks the server URL the user gave: http or https with a
// host, and plain http only to this machine unless allowHTTP.
func ServerURL(raw string, allowHTTP bool) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("%q is not a server URL: give one like https://example.com/mcp", raw)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !allowHTTP && !IsLoopback(u.Hostname()) {
			return nil, errors.New("refusing plain http:// to " + u.Host +
				": tokens and messages would cross the network unencrypted. Use https://, or pass --allow-http if this network is trusted")
		}
	default:
		return nil, fmt.Errorf("%q is not an http:// or https:// URL", raw)
	}
	return u, nil
}
