package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestStampedVersionReachesTheServer: a release build stamped with
// -X main.version says so in its User-Agent on every request to the server
// (the sign-in's requests share the client, internal/httpclient) and in
// --version. (The User-Agent was once
// computed when the package loaded, before the stamp was read.)
func TestStampedVersionReachesTheServer(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "mcpbridge")
	out, err := exec.Command("go", "build", "-ldflags", "-X main.version=1.2.3", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	if out, err := exec.Command(bin, "--version").Output(); err != nil || !strings.Contains(string(out), "1.2.3") {
		t.Fatalf("--version printed %q (%v), want 1.2.3 in it", out, err)
	}
	var mu sync.Mutex
	var agents []string
	srv := &sessionServer{}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		agents = append(agents, r.Method+" "+r.URL.Path+" "+r.Header.Get("User-Agent"))
		mu.Unlock()
		srv.ServeHTTP(w, r)
	}))
	defer ts.Close()
	cmd := exec.Command(bin, ts.URL)
	cmd.Env = append(os.Environ(), "MCPBRIDGE_CONFIG_DIR="+t.TempDir())
	c := runChild(t, cmd)
	if got := c.roundTrip(t, initLine); !strings.Contains(got, `"result"`) {
		t.Fatalf("initialize answer = %s", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(agents) == 0 {
		t.Fatal("the server saw no request")
	}
	for _, a := range agents {
		if !strings.HasSuffix(a, " mcpbridge/1.2.3") {
			t.Errorf("request %q, want User-Agent mcpbridge/1.2.3", a)
		}
	}
}
