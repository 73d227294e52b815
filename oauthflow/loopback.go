package oauthflow

import (
	"context"
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/safetext"
)

// The loopback redirect of RFC 8252 §7.3: a one-shot HTTP server on every
// loopback address the redirect host stands for (loopback_bind.go) that
// receives the authorization response from the user's browser. Only a GET
// on the callback path that carries code or error and this sign-in's state
// counts; anything else is answered and ignored, so a forged callback
// cannot end the wait. The response is checked (RFC 9207 iss) and
// delivered once, and the browser gets a page that says what happened.

// Expect is what a valid authorization response must match.
type Expect struct {
	State string
	// Issuer is the issuer recorded from the validated metadata.
	Issuer string
	// IssRequired is the metadata's
	// authorization_response_iss_parameter_supported.
	IssRequired bool
	// SuccessURL, when set, is where the browser is sent after a
	// successful sign-in instead of mcpbridge's page (--auth-success-url).
	SuccessURL string
}

// AuthError is an error the authorization server sent back
// (RFC 6749 §4.1.2.1).
type AuthError struct {
	Code, Description string
}

// Error shows the server's text escaped (safetext): an error_description
// reaches the user's terminal.
func (e *AuthError) Error() string {
	if e.Description != "" {
		return fmt.Sprintf("the authorization server refused: %s (%s)", safetext.Escape(e.Description), safetext.EscapeN(e.Code, 80))
	}
	return "the authorization server refused: " + safetext.EscapeN(e.Code, 80)
}

// Errors of the callback a caller may branch on.
var (
	ErrStateMismatch = errors.New("the sign-in response does not belong to this sign-in (state mismatch)")
	ErrIssMismatch   = errors.New("the sign-in response comes from another authorization server (iss mismatch, RFC 9207)")
	ErrIssMissing    = errors.New("the sign-in response lacks the iss parameter its authorization server promised (RFC 9207)")
)

// DefaultCallbackPorts returns the port mcp-remote derives from the server
// URL (3335 + the first 16 bits of the URL's MD5, modulo 45816), so that a
// registration made by either tool keeps a valid redirect URI, followed by
// up to 8 neighbours for when it is taken.
func DefaultCallbackPorts(serverURL string) []int {
	sum := md5.Sum([]byte(serverURL)) // a port spread, not a security function
	hash := hex.EncodeToString(sum[:])
	offset, _ := strconv.ParseUint(hash[:4], 16, 32)
	first := 3335 + int(offset%45816)
	ports := []int{first}
	for i := 1; i <= 8; i++ {
		ports = append(ports, first+i)
	}
	return ports
}

// Loopback is a running callback server.
type Loopback struct {
	srv      *http.Server
	addr     *net.TCPAddr   // where it listens first
	addrs    []*net.TCPAddr // every address it listens on
	redirect string
	path     string
	expect   Expect
	result   chan callbackResult
	once     sync.Once
}

type callbackResult struct {
	code string
	err  error
}

// ListenLoopback binds every address host stands for (mcp-remote's --host,
// default "localhost": 127.0.0.1 and ::1; a loopback literal: itself; any
// other host is refused) on the first of ports free on all of them (0:
// any), and serves path. When not all can be bound, there is no sign-in.
func ListenLoopback(host string, ports []int, path string, expect Expect) (*Loopback, error) {
	if host == "" {
		host = "localhost"
	}
	addrs, err := loopbackAddrs(host)
	if err != nil {
		return nil, err
	}
	if !strings.EqualFold(host, "localhost") {
		host = addrs[0] // the literal, without brackets
	}
	if len(ports) == 0 {
		ports = []int{0}
	}
	lns, err := bindAll(addrs, ports)
	if err != nil {
		return nil, err
	}
	first := lns[0].Addr().(*net.TCPAddr)
	l := &Loopback{
		addr:     first,
		redirect: "http://" + net.JoinHostPort(host, strconv.Itoa(first.Port)) + path,
		path:     path,
		expect:   expect,
		result:   make(chan callbackResult, 1),
	}
	l.srv = &http.Server{Handler: http.HandlerFunc(l.serve), ReadHeaderTimeout: 10 * time.Second}
	for _, ln := range lns {
		l.addrs = append(l.addrs, ln.Addr().(*net.TCPAddr))
		go func() { _ = l.srv.Serve(ln) }()
	}
	return l, nil
}

// RedirectURI is the redirect_uri to register and send.
func (l *Loopback) RedirectURI() string { return l.redirect }

// Wait returns the authorization code, or why there is none, once the
// browser has come back, or ctx's error when the deadline passes first
// (--auth-timeout: no waiting forever). The server is closed either way.
func (l *Loopback) Wait(ctx context.Context) (string, error) {
	defer l.Close()
	select {
	case r := <-l.result:
		return r.code, r.err
	case <-ctx.Done():
		return "", fmt.Errorf("no sign-in response arrived: %w", ctx.Err())
	}
}

// Close stops the server, letting a page being written finish.
func (l *Loopback) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	_ = l.srv.Shutdown(ctx)
}

func (l *Loopback) serve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if r.Method != http.MethodGet || r.URL.Path != l.path || (!q.Has("code") && !q.Has("error")) {
		http.NotFound(w, r) // favicon, scanners, wrong paths: not the response
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	if !l.ours(q.Get("state")) {
		// Not this sign-in's response (RFC 6749 §10.12): a forged or stale
		// callback is refused and the wait goes on for the real one.
		w.WriteHeader(http.StatusBadRequest)
		writePage(w, ErrStateMismatch)
		return
	}
	code, err := l.check(q.Get("code"), q.Get("iss"), q.Has("iss"), q.Get("error"), q.Get("error_description"))
	delivered := false
	l.once.Do(func() {
		delivered = true
		switch {
		case err != nil:
			w.WriteHeader(http.StatusBadRequest)
			writePage(w, err)
		case l.expect.SuccessURL != "":
			http.Redirect(w, r, l.expect.SuccessURL, http.StatusFound)
		default:
			writePage(w, nil)
		}
		l.result <- callbackResult{code, err}
	})
	if !delivered {
		http.Error(w, "This sign-in has already finished; you can close this tab.", http.StatusGone)
	}
}

// Deliver takes the authorization response as an address pasted by the
// user (`mcpbridge login --no-browser`: the browser ran on another machine
// and could not reach this callback). It is checked exactly as one that
// arrives over HTTP, and the first of the two wins.
func (l *Loopback) Deliver(address string) error {
	u, err := url.Parse(strings.TrimSpace(address))
	if err != nil {
		return fmt.Errorf("not an address: %w", err)
	}
	q := u.Query()
	if u.Path != l.path || (!q.Has("code") && !q.Has("error")) {
		return fmt.Errorf("that is not the address the browser was sent to (it starts with %s?code=…)", l.redirect)
	}
	if !l.ours(q.Get("state")) {
		return ErrStateMismatch // not consumed: the real one may still come
	}
	code, cerr := l.check(q.Get("code"), q.Get("iss"), q.Has("iss"), q.Get("error"), q.Get("error_description"))
	delivered := false
	l.once.Do(func() {
		delivered = true
		l.result <- callbackResult{code, cerr}
	})
	if !delivered {
		return errors.New("the sign-in has already finished")
	}
	return cerr
}

// ours reports whether a response carries this sign-in's state, compared
// in constant time. Only such a response is checked further and ends the
// wait; one without is not this sign-in's.
func (l *Loopback) ours(state string) bool {
	return l.expect.State != "" && subtle.ConstantTimeCompare([]byte(state), []byte(l.expect.State)) == 1
}

// check validates a response with this sign-in's state in the order
// RFC 9207 §2.4 asks: iss before anything else (and on a mismatch the
// server's error text is not shown), then the server's error, then the
// code. Its verdict ends the sign-in, failures included: a mix-up seen is
// a sign-in to abandon.
func (l *Loopback) check(code, iss string, hasIss bool, errCode, errDesc string) (string, error) {
	switch {
	case hasIss && iss != l.expect.Issuer:
		return "", ErrIssMismatch
	case !hasIss && l.expect.IssRequired:
		return "", ErrIssMissing
	case errCode != "":
		return "", &AuthError{Code: errCode, Description: errDesc}
	case code == "":
		return "", errors.New("the sign-in response carries an empty code")
	}
	return code, nil
}

// pageHTML is what the browser shows. It names no secret: not the code,
// not the state. failure's %s is an escaped error message.
const (
	pageHead = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mcpbridge sign-in</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:34em;margin:4em auto;padding:0 1em;color:#222}
h1{font-size:1.4em}.ok{color:#176f2c}.fail{color:#a3261b}code{background:#f3f3f3;padding:0 .3em}</style></head>
<body>`
	pageOK = `<h1 class="ok">Signed in</h1>
<p>mcpbridge has what it needs. You can close this tab and go back to your MCP client: the server's tools are on their way.</p>`
	pageFail = `<h1 class="fail">Sign-in did not complete</h1>
<p>%s.</p>
<p>Nothing was stored. Go back to your MCP client and try again, or run <code>mcpbridge login URL</code> in a terminal.
If it keeps failing, run mcpbridge with <code>--debug</code> and look at the log it names.</p>`
)

// writePage writes the success page, or the failure page for err.
func writePage(w io.Writer, err error) {
	body := pageOK
	if err != nil {
		body = fmt.Sprintf(pageFail, html.EscapeString(err.Error()))
	}
	_, _ = io.WriteString(w, pageHead+body+"\n</body></html>\n")
}
