package fakeas

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Visit is what the browser saw.
type Visit struct {
	// Redirects are the URLs redirected to, in order; the last one is
	// where the browser ended (the loopback redirect_uri, normally).
	Redirects []string
	URL       string // the final URL
	Status    int    // the final status
	Body      string // the final page, up to 64 KiB
}

// FollowRedirects plays a user's browser: it GETs rawURL and follows
// redirects (at most 10), e.g. from the authorization endpoint to the
// client's loopback redirect_uri, and returns the last page. The error
// is for requests that could not be made; a 4xx or 5xx page is a Visit.
func FollowRedirects(ctx context.Context, rawURL string) (Visit, error) {
	var v Visit
	client := &http.Client{
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true, ResponseHeaderTimeout: 30 * time.Second},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return errors.New("stopped after 10 redirects")
			}
			v.Redirects = append(v.Redirects, req.URL.String())
			return nil
		},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return v, err
	}
	req.Header.Set("Accept", "text/html")
	resp, err := client.Do(req)
	if err != nil {
		return v, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	v.URL, v.Status, v.Body = resp.Request.URL.String(), resp.StatusCode, string(body)
	return v, nil
}

// Browse completes a sign-in in place of the user: authorizeURL must be
// this server's authorization endpoint; it is followed to the client's
// redirect_uri. It fails when the authorization server refuses without
// redirecting (unknown client, unregistered redirect_uri) or when the
// final page is an error (the client's callback refused the response).
// Its signature fits a client's "open the browser" hook.
func (s *Server) Browse(ctx context.Context, authorizeURL string) error {
	if authorizeURL != s.AuthorizeURL() && !strings.HasPrefix(authorizeURL, s.AuthorizeURL()+"?") {
		return fmt.Errorf("fakeas: %s is not this server's authorization endpoint %s", authorizeURL, s.AuthorizeURL())
	}
	v, err := FollowRedirects(ctx, authorizeURL)
	if err != nil {
		return fmt.Errorf("fakeas: browsing %s: %w", authorizeURL, err)
	}
	if len(v.Redirects) == 0 {
		return fmt.Errorf("fakeas: the authorization server did not redirect: HTTP %d: %s", v.Status, strings.TrimSpace(v.Body))
	}
	if v.Status >= 400 {
		return fmt.Errorf("fakeas: the redirect_uri answered HTTP %d: %s", v.Status, strings.TrimSpace(v.Body))
	}
	return nil
}
