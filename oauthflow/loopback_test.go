package oauthflow

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestDefaultCallbackPortsMatchMCPRemote(t *testing.T) {
	// Expected values computed with mcp-remote 0.15.1's formula in Node:
	// 3335 + parseInt(md5(url).substring(0, 4), 16) % 45816.
	for u, want := range map[string]int{"https://mcp.clerk.com/mcp": 18462, "http://127.0.0.1:8080/mcp": 38351} {
		ports := DefaultCallbackPorts(u)
		if ports[0] != want || len(ports) != 9 || ports[8] != want+8 {
			t.Errorf("%s: ports %v, want %d and 8 neighbours", u, ports, want)
		}
	}
}

// browse plays the browser: a GET on the callback URL with query values.
func browse(t *testing.T, l *Loopback, path string, q url.Values) (int, string) {
	t.Helper()
	u, _ := url.Parse(l.RedirectURI())
	u.Host = strings.Replace(u.Host, "localhost", "127.0.0.1", 1)
	u.Path = path
	u.RawQuery = q.Encode()
	resp, err := http.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestLoopbackResponses(t *testing.T) {
	expect := Expect{State: "st-123", Issuer: "https://as.example/t1", IssRequired: true}
	tests := []struct {
		name    string
		expect  Expect
		q       url.Values
		code    string
		wantErr error
		page    string // must appear in the page
		notPage string // must not appear in the page
	}{
		{"success", expect, url.Values{"code": {"c0de"}, "state": {"st-123"}, "iss": {"https://as.example/t1"}}, "c0de", nil, "Signed in", "c0de"},
		{"iss mismatch hides the server's error text", expect,
			url.Values{"error": {"access_denied"}, "error_description": {"<b>click evil</b>"}, "state": {"st-123"}, "iss": {"https://evil.example"}},
			"", ErrIssMismatch, "another authorization server", "click evil"},
		{"iss compared without normalisation", expect, url.Values{"code": {"c"}, "state": {"st-123"}, "iss": {"https://AS.example/t1"}}, "", ErrIssMismatch, "", ""},
		{"iss missing when promised", expect, url.Values{"code": {"c"}, "state": {"st-123"}}, "", ErrIssMissing, "", ""},
		{"iss absent and not promised", Expect{State: "s", Issuer: "https://as.example"}, url.Values{"code": {"c"}, "state": {"s"}}, "c", nil, "", ""},
		{"iss present though not promised is still checked", Expect{State: "s", Issuer: "https://as.example"},
			url.Values{"code": {"c"}, "state": {"s"}, "iss": {"https://other.example"}}, "", ErrIssMismatch, "", ""},
		{"the server's error is shown, escaped", expect,
			url.Values{"error": {"access_denied"}, "error_description": {"user said <no>"}, "state": {"st-123"}, "iss": {"https://as.example/t1"}},
			"", &AuthError{}, "user said &lt;no&gt;", "<no>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, err := ListenLoopback("", []int{0}, "/oauth/callback", tc.expect)
			if err != nil {
				t.Fatal(err)
			}
			status, page := browse(t, l, "/oauth/callback", tc.q)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			code, err := l.Wait(ctx)
			var ae *AuthError
			switch {
			case tc.wantErr == nil && (err != nil || code != tc.code):
				t.Fatalf("got %q, %v; want code %q", code, err, tc.code)
			case errors.As(tc.wantErr, &ae) && !errors.As(err, &ae):
				t.Fatalf("got %v, want an AuthError", err)
			case tc.wantErr != nil && !errors.As(tc.wantErr, &ae) && !errors.Is(err, tc.wantErr):
				t.Fatalf("got %v, want %v", err, tc.wantErr)
			}
			if (tc.wantErr == nil) != (status == http.StatusOK) {
				t.Errorf("HTTP %d for the page", status)
			}
			if tc.page != "" && !strings.Contains(page, tc.page) {
				t.Errorf("page lacks %q:\n%s", tc.page, page)
			}
			if tc.notPage != "" && strings.Contains(page, tc.notPage) {
				t.Errorf("page shows %q:\n%s", tc.notPage, page)
			}
		})
	}
}

func TestLoopbackOnlyTheResponseCounts(t *testing.T) {
	l, err := ListenLoopback("localhost", []int{0}, "/oauth/callback", Expect{State: "s", Issuer: "https://as"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(l.RedirectURI(), "http://localhost:") || !strings.HasSuffix(l.RedirectURI(), "/oauth/callback") {
		t.Errorf("redirect URI %s", l.RedirectURI())
	}
	for _, path := range []string{"/", "/favicon.ico", "/oauth/callback/x"} {
		if status, _ := browse(t, l, path, url.Values{"code": {"c"}, "state": {"s"}}); status != http.StatusNotFound {
			t.Errorf("GET %s: HTTP %d, want 404", path, status)
		}
	}
	if status, _ := browse(t, l, "/oauth/callback", url.Values{"foo": {"bar"}}); status != http.StatusNotFound {
		t.Errorf("a GET without code or error: HTTP %d, want 404", status)
	}
	resp, err := http.Post(strings.Replace(l.RedirectURI(), "localhost", "127.0.0.1", 1)+"?code=c&state=s", "text/plain", nil)
	if err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("POST: %v %v, want 404", resp.StatusCode, err)
	}
	if status, _ := browse(t, l, "/oauth/callback", url.Values{"code": {"c"}, "state": {"s"}}); status != http.StatusOK {
		t.Fatalf("the real response: HTTP %d", status)
	}
	if status, _ := browse(t, l, "/oauth/callback", url.Values{"code": {"c2"}, "state": {"s"}}); status != http.StatusGone {
		t.Errorf("a second response: HTTP %d, want 410", status)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if code, err := l.Wait(ctx); code != "c" || err != nil {
		t.Errorf("Wait = %q, %v; want the first code", code, err)
	}
}

func TestLoopbackBindsLoopbackOnlyAndFallsBack(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	busy := taken.Addr().(*net.TCPAddr).Port
	l, err := ListenLoopback("", []int{busy, 0}, "/cb", Expect{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	u, _ := url.Parse(l.RedirectURI())
	if u.Port() == strconv.Itoa(busy) {
		t.Errorf("bound the busy port %d", busy)
	}
	if !l.addr.IP.Equal(net.IPv4(127, 0, 0, 1)) {
		t.Errorf("listening on %v, want 127.0.0.1 only", l.addr)
	}
	if _, err := ListenLoopback("", []int{busy}, "/cb", Expect{}); err == nil || !strings.Contains(err.Error(), "no port free") {
		t.Errorf("only a busy port: %v", err)
	}
}

func TestLoopbackWaitHasADeadline(t *testing.T) {
	l, err := ListenLoopback("", nil, "/cb", Expect{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := l.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait = %v, want the deadline", err)
	}
	if time.Since(start) > time.Second {
		t.Error("Wait outlived its deadline")
	}
	// The server is closed afterwards.
	if _, err := http.Get(strings.Replace(l.RedirectURI(), "localhost", "127.0.0.1", 1) + "?code=c"); err == nil {
		t.Error("the callback server still answers after Wait returned")
	}
}

func TestLoopbackSuccessURL(t *testing.T) {
	l, err := ListenLoopback("", nil, "/cb", Expect{State: "s", Issuer: "https://as", SuccessURL: "https://example.com/welcome"})
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(strings.Replace(l.RedirectURI(), "localhost", "127.0.0.1", 1) + "?code=c&state=s")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "https://example.com/welcome" {
		t.Errorf("HTTP %d to %q, want 302 to the success URL", resp.StatusCode, resp.Header.Get("Location"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if code, err := l.Wait(ctx); code != "c" || err != nil {
		t.Errorf("Wait = %q, %v", code, err)
	}
}

func TestLoopbackDeliverPasted(t *testing.T) {
	l, err := ListenLoopback("", nil, "/oauth/callback", Expect{State: "s", Issuer: "https://as"})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Deliver("https://example.com/"); err == nil || !strings.Contains(err.Error(), "not the address") {
		t.Errorf("a wrong paste: %v", err)
	}
	if err := l.Deliver(l.RedirectURI() + "?code=c&state=other&iss=https%3A%2F%2Fas"); !errors.Is(err, ErrStateMismatch) {
		t.Errorf("a forged paste: %v", err)
	}
	if err := l.Deliver(l.RedirectURI() + "?code=real&state=s&iss=https%3A%2F%2Fas"); err != nil {
		t.Errorf("the real paste after a forged one: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if code, err := l.Wait(ctx); code != "real" || err != nil {
		t.Errorf("Wait = %q, %v; want the real code (a forged paste does not end the wait)", code, err)
	}
}
