package httpclient

import (
	"crypto/tls"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
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
// extra roots' verification; without CA files, none but on Linux (where
// the client loads the system roots itself, roots_linux.go).
func TestTLSConfig(t *testing.T) {
	ts := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer ts.Close()
	plain, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg := TLSConfig(plain); (cfg != nil) != ownsSystemRoots || cfg != nil && cfg.VerifyConnection == nil {
		t.Errorf("no CA files: %+v, want one that verifies only where the client owns the system roots (%v)", cfg, ownsSystemRoots)
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

// TestCAFileErrors: a bundle that cannot be opened is an error when the
// client is built; one that holds no certificate fails the first TLS
// handshake with a sentence naming it, and nothing is read before then.
func TestCAFileErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := New(Options{CAFiles: []string{filepath.Join(dir, "missing.pem")}}); err == nil || !strings.Contains(err.Error(), "read CA bundle") {
		t.Errorf("a missing bundle: %v, want a read CA bundle error", err)
	}
	junk := filepath.Join(dir, "junk.pem")
	if err := os.WriteFile(junk, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := New(Options{CAFiles: []string{junk}})
	if err != nil {
		t.Fatalf("a bundle read lazily: %v", err)
	}
	ts := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer ts.Close()
	resp, err := c.Get(ts.URL)
	if err == nil {
		resp.Body.Close()
		t.Fatal("a handshake verified against a bundle with no certificate")
	}
	if !strings.Contains(err.Error(), "junk.pem holds no PEM certificate") {
		t.Errorf("handshake error %v, want it to name the bundle", err)
	}
}
