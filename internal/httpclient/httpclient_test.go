package httpclient

import (
	"crypto/tls"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
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

// TestTLSConfig: the configuration behind the User-Agent wrapper, with the
// extra roots' verification; none without CA files.
func TestTLSConfig(t *testing.T) {
	ts := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer ts.Close()
	plain, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg := TLSConfig(plain); cfg != nil {
		t.Errorf("no CA files: %+v, want nil", cfg)
	}
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	withCA, err := New(Options{CAFiles: []string{ca}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := TLSConfig(withCA)
	if cfg == nil || cfg.VerifyConnection == nil {
		t.Fatalf("with a CA file: %+v", cfg)
	}
	cfg.ServerName = "example.com"
	conn, err := tls.Dial("tcp", ts.Listener.Addr().String(), cfg)
	if err != nil {
		t.Fatalf("a handshake with the lent configuration: %v", err)
	}
	conn.Close()
}
