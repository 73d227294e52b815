package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// browse is the "browser" the bridge opens through $BROWSER: it GETs the
// authorization URL and follows redirects, as a browser would, until the
// bridge's loopback callback answers. The suite's authorization server
// approves at once, so no page needs a click. Only hosts on this machine
// are fetched.
func browse(args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: host browse URL")
		return 2
	}
	start := time.Now()
	logf := func(format string, a ...any) {
		fmt.Fprintf(os.Stderr, "host browse %6.3fs: %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, a...))
	}
	client := &http.Client{
		Timeout:   15 * time.Second,
		Transport: &http.Transport{Proxy: nil},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.Response != nil { // the redirect that led here
				logf("redirect %d -> %s", req.Response.StatusCode, req.URL)
			}
			if len(via) >= 10 {
				return errors.New("more than 10 redirects")
			}
			return loopbackOnly(req.URL)
		},
	}
	u, err := url.Parse(args[0])
	if err != nil {
		logf("bad URL: %v", err)
		return 1
	}
	if err := loopbackOnly(u); err != nil {
		logf("%v", err)
		return 1
	}
	logf("GET %s", u)
	resp, err := client.Get(u.String())
	if err != nil {
		logf("%v", err)
		return 1
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	logf("final %d from %s: %s", resp.StatusCode, resp.Request.URL, strings.Join(strings.Fields(string(body)), " "))
	if resp.StatusCode >= 400 {
		return 1
	}
	return 0
}

// loopbackOnly refuses URLs whose host is not on this machine.
func loopbackOnly(u *url.URL) error {
	h := u.Hostname()
	if strings.EqualFold(h, "localhost") {
		return nil
	}
	if ip := net.ParseIP(h); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("not fetching %s: not a loopback host", u.Redacted())
}
