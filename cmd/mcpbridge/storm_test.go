package main

import (
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/fakeas"
	"github.com/mcpbridge/mcpbridge/internal/testwait"
)

// TestEightBridgesOneSignInOneRefresh: hosts start several copies of a
// server at once. Eight mcpbridge processes with no credentials make
// exactly one registration and one browser visit, and all eight answer;
// later, eight with an expired token and a rotating-refresh-token server
// make exactly one refresh and no invalid_grant, and all keep working
// (mcp-remote's most painful bug was the invalid_grant storm).
func TestEightBridgesOneSignInOneRefresh(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 16 processes")
	}
	as, resource := protectedServer(t, fakeas.Options{RotateRefreshTokens: true})
	env := []string{"MCPBRIDGE_CONFIG_DIR=" + t.TempDir(), "MCPBRIDGE_TEST_BROWSER=1",
		"BROWSER=" + os.Args[0] + " -test.run=^TestHelperBrowser$ %s"}

	storm := func(round string) {
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			c := startChild(t, env, resource, "--token-store", "file", "--auth-timeout", "30")
			wg.Add(1)
			go func() {
				defer wg.Done()
				if got := c.roundTripWithin(t, initLine, 30*time.Second); !strings.Contains(got, `"result"`) {
					t.Errorf("%s, bridge %d: %s; stderr %s", round, i, got, c.stderr)
				}
				c.stdin.Close()
				c.wait(t, 10*time.Second)
			}()
		}
		wg.Wait()
	}
	storm("sign-in")
	st := as.Stats()
	if st.ClientsRegistered != 1 || st.AuthorizeRequests != 1 || st.TokenRequests["authorization_code"] != 1 {
		t.Fatalf("eight bridges at once: %d registrations, %d browser visits, %d code exchanges; want 1 each",
			st.ClientsRegistered, st.AuthorizeRequests, st.TokenRequests["authorization_code"])
	}

	as.ExpireAccessTokens()
	storm("refresh")
	st = as.Stats()
	if st.Refreshes != 1 || st.InvalidGrants != 0 || st.AuthorizeRequests != 1 {
		t.Errorf("eight bridges with an expired token: %d refreshes, %d invalid_grant, %d sign-ins; want 1, 0, 1",
			st.Refreshes, st.InvalidGrants, st.AuthorizeRequests)
	}
}

// TestHolderKilledMidSignIn: a bridge that dies while its sign-in waits
// for the browser does not block the others: the OS drops its lock, and a
// waiting bridge signs in itself.
func TestHolderKilledMidSignIn(t *testing.T) {
	var challenged atomic.Int32 // 401 answers of the MCP endpoint
	as, resource := protectedServer(t, fakeas.Options{}, countStatus(http.StatusUnauthorized, &challenged))
	dir := t.TempDir()

	// A's browser never comes back: A holds the sign-in lock.
	a := startChild(t, []string{"MCPBRIDGE_CONFIG_DIR=" + dir, "BROWSER=true"}, resource, "--token-store", "file", "--auth-timeout", "60")
	_, _ = a.stdin.Write([]byte(initLine + "\n"))
	if !testwait.Until(10*time.Second, func() bool { return strings.Contains(a.stderrText(), "in your browser") }) {
		t.Fatalf("A never started its sign-in: %s", a.stderrText())
	}
	before := challenged.Load()
	b := startChild(t, []string{"MCPBRIDGE_CONFIG_DIR=" + dir, "MCPBRIDGE_TEST_BROWSER=1",
		"BROWSER=" + os.Args[0] + " -test.run=^TestHelperBrowser$ %s"}, resource, "--token-store", "file", "--auth-timeout", "60")
	answer := make(chan string, 1)
	go func() { answer <- b.roundTripWithin(t, initLine, 30*time.Second) }()
	// B's 401 sends it into its sign-in, to the lock A holds: there is no
	// request to see between the two. (That a process polling the lock
	// gets it when its holder is killed, tokencache's
	// TestLockHolderKilled shows for certain.)
	if !testwait.Until(10*time.Second, func() bool { return challenged.Load() > before }) {
		t.Fatalf("B was not asked to sign in; stderr %s", b.stderr)
	}
	_ = a.cmd.Process.Kill()
	start := time.Now()
	if got := <-answer; !strings.Contains(got, `"result"`) {
		t.Fatalf("B after A died: %s; stderr %s", got, b.stderr)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("B took %v to take over", took)
	}
	if st := as.Stats(); st.TokenRequests["authorization_code"] != 1 {
		t.Errorf("code exchanges %d, want B's alone", st.TokenRequests["authorization_code"])
	}
}

// countStatus counts in n the answers of a handler with status code.
func countStatus(code int, n *atomic.Int32) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
			h.ServeHTTP(sw, r)
			if sw.code == code {
				n.Add(1)
			}
		})
	}
}

// statusWriter remembers the status code written through it.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
