package httpclient

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestUserAgent(t *testing.T) {
	got := make(chan string, 3)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got <- r.Header.Get("User-Agent") }))
	defer ts.Close()
	for _, c := range []struct{ opt, set, want string }{
		{"", "", DefaultUserAgent},
		{"mcpbridge/1.2.3", "", "mcpbridge/1.2.3"},
		{"mcpbridge/1.2.3", "mine/1", "mine/1"},
	} {
		client, err := New(Options{UserAgent: c.opt})
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodGet, ts.URL, nil)
		if c.set != "" {
			req.Header.Set("User-Agent", c.set)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if ua := <-got; ua != c.want {
			t.Errorf("Options.UserAgent %q, request's %q: sent %q, want %q", c.opt, c.set, ua, c.want)
		}
		if req.Header.Get("User-Agent") != c.set {
			t.Errorf("the caller's request was modified")
		}
	}
}
