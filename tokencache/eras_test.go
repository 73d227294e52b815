package tokencache

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// memoAt is EraMemoFor with a clock the test moves.
func memoAt(t *testing.T, dir, raw string, now *time.Time) *EraMemo {
	t.Helper()
	m := EraMemoFor(dir, mustURL(t, raw))
	if m == nil {
		t.Fatalf("EraMemoFor(%s) = nil", raw)
	}
	m.now = func() time.Time { return *now }
	return m
}

// A machine's own servers and plain HTTP get no memo: a port here is often
// another server the next time. A nil memo remembers nothing and says so.
func TestEraMemoForSkipsLoopbackAndHTTP(t *testing.T) {
	for _, raw := range []string{"http://mcp.example.com/mcp", "https://127.0.0.1:8443/mcp", "https://localhost/mcp", "https://[::1]/mcp"} {
		if m := EraMemoFor(t.TempDir(), mustURL(t, raw)); m != nil {
			t.Errorf("EraMemoFor(%s) = %+v, want nil", raw, m)
		}
	}
	var none *EraMemo
	if none.Legacy() || none.Remember(true) != nil {
		t.Error("a nil memo claimed something")
	}
}

func TestEraMemoRemembersAcrossRuns(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "config")
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	const server = "https://mcp.example.com/mcp?tenant=secret-tenant"
	m := memoAt(t, dir, server, &now)
	if m.Legacy() {
		t.Fatal("an empty memo says legacy")
	}
	if err := m.Remember(true); err != nil {
		t.Fatalf("Remember: %v", err)
	}
	path := filepath.Join(dir, erasFile)
	if runtime.GOOS != "windows" { // where modes mean what they say
		if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
			t.Errorf("config folder: %v, %v; want it created 0700", st, err)
		}
		if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("memo file: %v, %v; want 0600", st, err)
		}
	}
	data, _ := os.ReadFile(path)
	if strings.Contains(string(data), "example.com") || strings.Contains(string(data), "secret-tenant") {
		t.Errorf("the memo names the server: %s", data)
	}

	again := memoAt(t, dir, server, &now) // the next run
	if !again.Legacy() {
		t.Error("the next run does not see the verdict")
	}
	if memoAt(t, dir, "https://other.example.com/mcp", &now).Legacy() {
		t.Error("another server inherited the verdict")
	}
	now = now.Add(EraMemoTTL + time.Minute)
	if again.Legacy() {
		t.Error("a verdict older than EraMemoTTL still holds")
	}
	now = now.Add(-2 * time.Minute)
	if err := again.Remember(false); err != nil {
		t.Fatalf("Remember(false): %v", err)
	}
	if again.Legacy() || m.Legacy() {
		t.Error("a forgotten verdict still holds")
	}
}

// A broken or oversized file is no memo, and the next verdict replaces it.
func TestEraMemoBrokenFileIsEmpty(t *testing.T) {
	for name, content := range map[string]string{
		"not JSON": "{{{",
		"too big":  `{"x":"` + strings.Repeat("a", eraMemoBytes) + `"}`,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, erasFile), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			now := time.Now()
			m := memoAt(t, dir, "https://mcp.example.com/mcp", &now)
			if m.Legacy() {
				t.Fatal("a broken memo says legacy")
			}
			if err := m.Remember(true); err != nil || !m.Legacy() {
				t.Errorf("Remember over a broken file: %v, legacy %v", err, m.Legacy())
			}
		})
	}
}

// The memo keeps at most eraMemoMax servers, the most recent.
func TestEraMemoKeepsTheNewest(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	var first, last *EraMemo
	for i := range eraMemoMax + 10 {
		now = now.Add(time.Second)
		m := memoAt(t, dir, fmt.Sprintf("https://s%d.example.com/mcp", i), &now)
		if err := m.Remember(true); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = m
		}
		last = m
	}
	if n := len(last.read()); n != eraMemoMax {
		t.Errorf("the memo holds %d servers, want %d", n, eraMemoMax)
	}
	if first.Legacy() || !last.Legacy() {
		t.Errorf("oldest kept %v, newest kept %v; want the oldest dropped", first.Legacy(), last.Legacy())
	}
}
