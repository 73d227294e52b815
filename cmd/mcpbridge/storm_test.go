package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/fakeas"
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
	as := fakeas.New(fakeas.Options{RotateRefreshTokens: true})
	defer as.Close()
	mux := http.NewServeMux()
	mcp := httptest.NewServer(mux)
	defer mcp.Close()
	resource := mcp.URL + "/mcp"
	prm := fakeas.ResourceMetadataURL(resource)
	mux.Handle("/mcp", as.ProtectResource(&sessionServer{}, resource, prm, "mcp:read"))
	u, _ := http.NewRequest(http.MethodGet, prm, nil)
	mux.Handle(u.URL.Path, as.ProtectedResourceMetadata(resource, []string{"mcp:read"}))
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
