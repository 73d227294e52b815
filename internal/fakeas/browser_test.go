package fakeas

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// callback is a client's loopback redirect endpoint: it hands over the
// query it got and answers status.
func callback(t *testing.T, status int) (redirect string, got chan url.Values) {
	t.Helper()
	got = make(chan url.Values, 1)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/callback" {
			http.NotFound(w, r)
			return
		}
		got <- r.URL.Query()
		w.WriteHeader(status)
		_, _ = w.Write([]byte("signed in"))
	}))
	t.Cleanup(ts.Close)
	return ts.URL + "/callback", got
}

func TestBrowse(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s := newServer(t, Options{IssuerPath: "/tenant1"})
	redirect, got := callback(t, http.StatusOK)
	id := register(t, s, map[string]any{"redirect_uris": []string{redirect}}).str("client_id")
	v, c := pkce()
	q := authRequest(id, c, url.Values{"redirect_uri": {redirect}})

	if err := s.Browse(ctx, s.AuthorizeURL()+"?"+q.Encode()); err != nil {
		t.Fatal(err)
	}
	cb := <-got
	if cb.Get("state") != "xyz" || cb.Get("iss") != s.URL() {
		t.Errorf("callback got %v", cb)
	}
	tok := postForm(t, s.TokenURL(), exchange(id, cb.Get("code"), v, url.Values{"redirect_uri": {redirect}}))
	if tok.Status != 200 {
		t.Fatalf("token: %d %s", tok.Status, tok.Body)
	}

	// The server refuses without redirecting: an error.
	bad := authRequest("nobody", c, url.Values{"redirect_uri": {redirect}})
	if err := s.Browse(ctx, s.AuthorizeURL()+"?"+bad.Encode()); err == nil || !strings.Contains(err.Error(), "invalid_client") {
		t.Errorf("unknown client: %v", err)
	}
	// Not this server's endpoint: an error, no request.
	if err := s.Browse(ctx, "http://127.0.0.1:1/authorize?"+q.Encode()); err == nil {
		t.Error("another authorization endpoint accepted")
	}

	// The callback refuses (say, an iss mismatch): an error.
	redirect2, got2 := callback(t, http.StatusBadRequest)
	id2 := register(t, s, map[string]any{"redirect_uris": []string{redirect2}}).str("client_id")
	q2 := authRequest(id2, c, url.Values{"redirect_uri": {redirect2}})
	if err := s.Browse(ctx, s.AuthorizeURL()+"?"+q2.Encode()); err == nil || !strings.Contains(err.Error(), "400") {
		t.Errorf("refusing callback: %v", err)
	}
	<-got2

	// FollowRedirects shows the way.
	q2.Set("state", "second")
	visit, err := FollowRedirects(ctx, s.AuthorizeURL()+"?"+q2.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if len(visit.Redirects) != 1 || !strings.HasPrefix(visit.URL, redirect2+"?") || visit.Status != 400 || visit.Body != "signed in" {
		t.Errorf("visit %+v", visit)
	}
	<-got2
}

func TestCIMD(t *testing.T) {
	t.Run("off", func(t *testing.T) {
		s := newServer(t, Options{})
		_, c := pkce()
		if a, _ := authorize(t, s, authRequest("https://app.example/client.json", c, nil)); a.Status != 400 {
			t.Errorf("URL client_id without CIMD: %d", a.Status)
		}
	})

	t.Run("not fetched", func(t *testing.T) {
		s := newServer(t, Options{CIMD: true})
		const id = "https://app.example/oauth/client.json"
		v, c := pkce()
		cd := code(t, s, id, c, nil)
		if a := postForm(t, s.TokenURL(), exchange(id, cd, v, nil)); a.Status != 200 {
			t.Errorf("exchange: %d %s", a.Status, a.Body)
		}
		for _, bad := range []string{"https://app.example", "https://app.example/", "http://app.example/c.json",
			"https://app.example/a/../c.json", "https://u:p@app.example/c.json"} {
			if a, _ := authorize(t, s, authRequest(bad, c, nil)); a.Status != 400 {
				t.Errorf("%s: %d", bad, a.Status)
			}
		}
		if a, _ := authorize(t, s, authRequest(id, c, url.Values{"redirect_uri": {"https://evil.example/cb"}})); a.Status != 400 {
			t.Errorf("non-loopback redirect: %d", a.Status)
		}
		if cl, ok := s.Client(id); !ok || !cl.CIMD || cl.AuthMethod != "none" {
			t.Errorf("client %+v", cl)
		}
	})

	t.Run("fetched", func(t *testing.T) {
		docs := map[string]map[string]any{}
		host := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			d, ok := docs[r.URL.Path]
			if !ok {
				http.NotFound(w, r)
				return
			}
			_ = json.NewEncoder(w).Encode(d)
		}))
		defer host.Close()
		good, wrongID, noName := host.URL+"/good.json", host.URL+"/wrong.json", host.URL+"/noname.json"
		docs["/good.json"] = map[string]any{"client_id": good, "client_name": "x", "redirect_uris": []string{redirectURI}}
		docs["/wrong.json"] = map[string]any{"client_id": good, "client_name": "x", "redirect_uris": []string{redirectURI}}
		docs["/noname.json"] = map[string]any{"client_id": noName, "redirect_uris": []string{redirectURI}}

		s := newServer(t, Options{CIMD: true, CIMDHTTPClient: host.Client()})
		v, c := pkce()
		cd := code(t, s, good, c, nil)
		if a := postForm(t, s.TokenURL(), exchange(good, cd, v, nil)); a.Status != 200 {
			t.Errorf("exchange: %d %s", a.Status, a.Body)
		}
		if a, _ := authorize(t, s, authRequest(good, c, url.Values{"redirect_uri": {"http://127.0.0.1:1/other"}})); a.Status != 400 {
			t.Errorf("redirect not in the document: %d", a.Status)
		}
		for _, bad := range []string{wrongID, noName, host.URL + "/missing.json"} {
			if a, _ := authorize(t, s, authRequest(bad, c, nil)); a.Status != 400 || !strings.HasPrefix(a.Body, "invalid_client") {
				t.Errorf("%s: %d %s", bad, a.Status, a.Body)
			}
		}
	})
}
