package httpclient

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
)

// seen is what a test server saw of one request.
type seen struct {
	method, path, body, contentType, auth, cookie string
}

// redirectServer answers by path: /to/N redirects with status N to
// /landed, /chain/K redirects to /chain/K-1 (/chain/0 lands), /bare is a
// 302 without a Location, /away redirects to another origin, /cookie
// sets a cookie and redirects to /landed. It records every request.
func redirectServer(t *testing.T, elsewhere string) (*httptest.Server, func() []seen) {
	var mu sync.Mutex
	var log []seen
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		log = append(log, seen{r.Method, r.URL.Path, string(b), r.Header.Get("Content-Type"), r.Header.Get("Authorization"), r.Header.Get("Cookie")})
		mu.Unlock()
		var status, k int
		switch {
		case r.URL.Path == "/landed":
			fmt.Fprintf(w, "landed %s", r.Method)
		case r.URL.Path == "/bare":
			w.WriteHeader(http.StatusFound)
		case r.URL.Path == "/away":
			http.Redirect(w, r, elsewhere+"/landed", http.StatusTemporaryRedirect)
		case r.URL.Path == "/cookie":
			http.SetCookie(w, &http.Cookie{Name: "sticky", Value: "node-7", Path: "/"})
			http.Redirect(w, r, "/landed", http.StatusTemporaryRedirect)
		case func() bool { _, err := fmt.Sscanf(r.URL.Path, "/to/%d", &status); return err == nil }():
			http.Redirect(w, r, "/landed", status)
		case func() bool { _, err := fmt.Sscanf(r.URL.Path, "/chain/%d", &k); return err == nil }():
			if k == 0 {
				fmt.Fprint(w, "landed")
				return
			}
			http.Redirect(w, r, fmt.Sprintf("/chain/%d", k-1), http.StatusTemporaryRedirect)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(ts.Close)
	return ts, func() []seen {
		mu.Lock()
		defer mu.Unlock()
		out := slices.Clone(log)
		log = log[:0]
		return out
	}
}

// TestDoFollowsRedirectsAsClientDo sends each request through net/http's
// Client.Do and through Do, with the same client New built, and checks
// that the server saw the same requests and the caller got the same
// answer or the same error.
func TestDoFollowsRedirectsAsClientDo(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("a redirect to another origin was followed: %s %s", r.Method, r.URL)
	}))
	defer other.Close()
	ts, log := redirectServer(t, other.URL)
	cases := []struct {
		method, path string
		want         string // the answer's status and body, or the error's text
	}{
		{"POST", "/to/307", "200 landed POST"},
		{"POST", "/to/308", "200 landed POST"},
		{"POST", "/to/303", "200 landed GET"},
		{"POST", "/to/301", "200 landed GET"},
		{"POST", "/to/302", "200 landed GET"},
		{"GET", "/to/307", "200 landed GET"},
		{"DELETE", "/to/303", "200 landed GET"},
		{"POST", "/bare", "302 "},
		{"POST", "/chain/9", "200 landed"},
		{"POST", "/chain/10", "stopped after 10 redirects"},
		{"POST", "/away", "refusing a redirect"},
		{"POST", "/cookie", "200 landed POST"},
		{"POST", "/nowhere", "404 404 page not found\n"},
	}
	for _, tc := range cases {
		t.Run(tc.method+tc.path, func(t *testing.T) {
			var got [2]string
			var saw [2][]seen
			for i, send := range []func(*http.Client, *http.Request) (*http.Response, error){(*http.Client).Do, Do} {
				c, err := New(Options{Cookies: true})
				if err != nil {
					t.Fatal(err)
				}
				body := `{"jsonrpc":"2.0","id":1,"method":"ping"}`
				req, err := http.NewRequest(tc.method, ts.URL+tc.path, strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer t")
				resp, err := send(c, req)
				if err != nil {
					var ue *url.Error
					if !errors.As(err, &ue) || ue.Op != tc.method[:1]+strings.ToLower(tc.method[1:]) {
						t.Errorf("error %v is not a *url.Error of this method", err)
					}
					got[i] = err.Error()
				} else {
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					got[i] = fmt.Sprintf("%d %s", resp.StatusCode, b)
				}
				saw[i] = log()
			}
			if !strings.Contains(got[1], tc.want) {
				t.Errorf("Do: %q, want %q", got[1], tc.want)
			}
			if got[0] != got[1] {
				t.Errorf("Client.Do %q, Do %q", got[0], got[1])
			}
			if !slices.Equal(saw[0], saw[1]) {
				t.Errorf("the server saw\n%v\nfrom Client.Do, and\n%v\nfrom Do", saw[0], saw[1])
			}
		})
	}
}

// TestDoCookies: a cookie a server sets goes with the next request, and
// none goes before one is set.
func TestDoCookies(t *testing.T) {
	ts, log := redirectServer(t, "")
	c, err := New(Options{Cookies: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/landed", "/cookie", "/landed"} {
		req, _ := http.NewRequest("POST", ts.URL+path, bytes.NewReader([]byte("{}")))
		resp, err := Do(c, req)
		if err != nil {
			t.Fatal(err)
		}
		discardBody(resp)
	}
	var cookies []string
	for _, s := range log() {
		cookies = append(cookies, s.path+"="+s.cookie)
	}
	want := []string{"/landed=", "/cookie=", "/landed=sticky=node-7", "/landed=sticky=node-7"}
	if !slices.Equal(cookies, want) {
		t.Errorf("cookies sent: %q, want %q", cookies, want)
	}
}

// TestDoTransportError: a failure to connect is a *url.Error naming the
// method and URL, as from Client.Do.
func TestDoTransportError(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	addr := ts.URL
	ts.Close()
	c, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", addr+"/mcp", strings.NewReader("{}"))
	_, err = Do(c, req)
	var ue *url.Error
	if !errors.As(err, &ue) || ue.Op != "Post" || ue.URL != addr+"/mcp" {
		t.Fatalf("error %#v, want a *url.Error for Post %s", err, addr+"/mcp")
	}
}

func discardBody(resp *http.Response) {
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
}
