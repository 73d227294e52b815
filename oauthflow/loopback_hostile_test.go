package oauthflow

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestLoopbackForgedCallbackIsIgnored: callbacks with a wrong or missing
// state get 400 and do not end the wait; the real response, arriving
// after them, is the one delivered.
func TestLoopbackForgedCallbackIsIgnored(t *testing.T) {
	l, err := ListenLoopback("", []int{0}, "/cb", Expect{State: "st", Issuer: "https://as"})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []url.Values{
		{"code": {"forged"}, "state": {"other"}, "iss": {"https://as"}},
		{"code": {"forged"}, "iss": {"https://as"}},
		{"error": {"access_denied"}, "state": {""}},
		{"code": {"forged"}, "state": {"st2"}, "iss": {"https://evil"}},
	} {
		if status, _ := browse(t, l, "/cb", q); status != http.StatusBadRequest {
			t.Errorf("forged %v: HTTP %d, want 400", q, status)
		}
	}
	if status, _ := browse(t, l, "/cb", url.Values{"code": {"real"}, "state": {"st"}, "iss": {"https://as"}}); status != http.StatusOK {
		t.Fatalf("the real response after forged ones: HTTP %d", status)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if code, err := l.Wait(ctx); code != "real" || err != nil {
		t.Fatalf("Wait = %q, %v; want the real code", code, err)
	}
}

// TestLoopbackRightStateWrongIssFails: RFC 9207 — the right state with a
// wrong or missing iss ends the sign-in with the mix-up error.
func TestLoopbackRightStateWrongIssFails(t *testing.T) {
	for q, want := range map[string]error{"iss=https%3A%2F%2Fevil": ErrIssMismatch, "": ErrIssMissing} {
		l, err := ListenLoopback("", []int{0}, "/cb", Expect{State: "st", Issuer: "https://as", IssRequired: true})
		if err != nil {
			t.Fatal(err)
		}
		v, _ := url.ParseQuery(q)
		v.Set("code", "c")
		v.Set("state", "st")
		if status, _ := browse(t, l, "/cb", v); status != http.StatusBadRequest {
			t.Errorf("%q: HTTP %d", q, status)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		if _, err := l.Wait(ctx); !errors.Is(err, want) {
			t.Errorf("%q: Wait = %v, want %v", q, err, want)
		}
		cancel()
	}
}

func haveIPv6Loopback(t *testing.T) bool {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Logf("no ::1 on this machine (%v): the IPv6 half is not tested", err)
		return false
	}
	ln.Close()
	return true
}

// TestLoopbackBindsEveryLoopbackAddress: for localhost both 127.0.0.1 and
// ::1 are bound on the same port, so no other program can take the IPv6
// one and receive the code; a port taken on ::1 alone moves to the next
// candidate, and when every candidate is taken there there is no sign-in.
func TestLoopbackBindsEveryLoopbackAddress(t *testing.T) {
	if !haveIPv6Loopback(t) {
		t.Skip("needs ::1")
	}
	l, err := ListenLoopback("localhost", []int{0}, "/cb", Expect{State: "st", Issuer: "https://as"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if len(l.addrs) != 2 || !l.addrs[0].IP.Equal(net.IPv4(127, 0, 0, 1)) || !l.addrs[1].IP.Equal(net.IPv6loopback) || l.addrs[0].Port != l.addrs[1].Port {
		t.Fatalf("listening on %v, want 127.0.0.1 and ::1 on one port", l.addrs)
	}
	port := strconv.Itoa(l.addrs[0].Port)
	if _, err := net.Listen("tcp", "[::1]:"+port); err == nil {
		t.Fatal("another listener could take [::1] on the callback port")
	}
	resp, err := http.Get("http://[::1]:" + port + "/cb?code=c&state=st&iss=https%3A%2F%2Fas")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the response over ::1: %v %v", resp, err)
	}
	resp.Body.Close()

	squat, err := net.Listen("tcp", "[::1]:0") // a program on ::1 only
	if err != nil {
		t.Fatal(err)
	}
	defer squat.Close()
	busy := squat.Addr().(*net.TCPAddr).Port
	l2, err := ListenLoopback("", []int{busy, 0}, "/cb", Expect{})
	if err != nil {
		t.Fatal(err)
	}
	l2.Close()
	if u, _ := url.Parse(l2.RedirectURI()); u.Port() == strconv.Itoa(busy) {
		t.Errorf("took port %d though ::1 is someone else's there", busy)
	}
	if _, err := ListenLoopback("", []int{busy}, "/cb", Expect{}); err == nil {
		t.Fatal("a sign-in started with ::1 taken on its only port")
	}
	v4, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(busy))
	if err != nil {
		t.Fatalf("the failed attempt left 127.0.0.1:%d bound: %v", busy, err)
	}
	v4.Close()
}

// TestLoopbackHost: a loopback literal binds just itself and is the
// redirect URI's host; a host that is not this machine is refused.
func TestLoopbackHost(t *testing.T) {
	l, err := ListenLoopback("127.0.0.1", []int{0}, "/cb", Expect{})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.addrs) != 1 || !strings.HasPrefix(l.RedirectURI(), "http://127.0.0.1:") {
		t.Errorf("127.0.0.1: %v, %s", l.addrs, l.RedirectURI())
	}
	l.Close()
	if haveIPv6Loopback(t) {
		for _, h := range []string{"::1", "[::1]"} {
			l, err := ListenLoopback(h, []int{0}, "/cb", Expect{})
			if err != nil {
				t.Fatal(err)
			}
			if len(l.addrs) != 1 || !strings.HasPrefix(l.RedirectURI(), "http://[::1]:") {
				t.Errorf("%s: %v, %s", h, l.addrs, l.RedirectURI())
			}
			l.Close()
		}
	}
	for _, h := range []string{"example.com", "0.0.0.0", "::", "192.168.1.10", "localhost.evil.example", "127.0.0.1.nip.io"} {
		if l, err := ListenLoopback(h, []int{0}, "/cb", Expect{}); err == nil {
			l.Close()
			t.Errorf("--host %s accepted", h)
		}
	}
}

// TestNewRefusesACallbackHostOffThisMachine: a --host that is not loopback
// is refused when the flow is built, not at the first sign-in.
func TestNewRefusesACallbackHostOffThisMachine(t *testing.T) {
	u, _ := url.Parse("https://mcp.example/mcp")
	for host, ok := range map[string]bool{"localhost": true, "127.0.0.1": true, "::1": true, "example.com": false, "10.0.0.1": false} {
		_, err := New(Config{Server: u, HTTP: http.DefaultClient, Store: newMemStore(), CallbackHost: host})
		if (err == nil) != ok {
			t.Errorf("CallbackHost %q: err %v", host, err)
		}
	}
}
