package oauthflow_test

import (
	"bytes"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcpbridge/mcpbridge/oauthflow"
)

// TestWorkloadIdentityRotatingFile: the workload's JWT is read from its
// file at every token request, so a rotated one is what the next grant
// presents; the grant carries the resource and names no client; with DPoP
// advertised its token is DPoP-bound; no JWT reaches the log.
func TestWorkloadIdentityRotatingFile(t *testing.T) {
	for _, dpop := range []bool{false, true} {
		w := newProofWorld(t)
		w.advertise = dpop
		w.expiresIn = 1
		path := filepath.Join(t.TempDir(), "token")
		current := "eyJ0eXAi.workload-1.sig"
		if err := os.WriteFile(path, []byte(current+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		w.jwtBearer = func(r *http.Request) error {
			switch {
			case r.PostForm.Get("assertion") != current:
				return errors.New("not the workload's current JWT")
			case r.PostForm.Get("resource") != w.rs.URL+"/mcp":
				return errors.New("resource " + r.PostForm.Get("resource"))
			case r.PostForm.Has("client_id") || r.Header.Get("Authorization") != "":
				return errors.New("a client was named")
			}
			return nil
		}
		log := &bytes.Buffer{}
		clk := newClock()
		h := w.host(t, w.flow(t, t.TempDir(), log, func(c *oauthflow.Config) { c.Workload, c.Now = "file:"+path, clk.Now }))
		ok(t, h.call(t, 1, "tools/list"))
		w.mu.Lock()
		w.tokens = append(w.tokens, current)
		current = "eyJ0eXAi.workload-2.sig"
		w.tokens = append(w.tokens, current)
		w.mu.Unlock()
		if err := os.WriteFile(path, []byte(current), 0o600); err != nil {
			t.Fatal(err)
		}
		clk.Advance(2 * time.Second) // the first token has expired
		ok(t, h.call(t, 2, "tools/list"))
		w.mu.Lock()
		var grants []string
		for _, g := range w.grants {
			grants = append(grants, g.Get("grant_type")+" "+g.Get("assertion"))
		}
		schemes := strings.Join(w.schemes, " ")
		w.mu.Unlock()
		want := "urn:ietf:params:oauth:grant-type:jwt-bearer eyJ0eXAi.workload-1.sig"
		if len(grants) < 2 || grants[0] != want || !strings.HasSuffix(grants[len(grants)-1], "workload-2.sig") {
			t.Errorf("dpop %v: grants %q, want the first JWT then the rotated one", dpop, grants)
		}
		if dpop != strings.Contains(schemes, "DPoP") || dpop == strings.Contains(schemes, "Bearer") {
			t.Errorf("dpop %v: schemes %q", dpop, schemes)
		}
		w.check(t, log)
	}
}

// TestWorkloadIdentityRefusalNotRetried: a refused JWT is reported to the
// host as it came (the server's error), with one token request: neither
// retried nor traded for another grant (SEP-1933).
func TestWorkloadIdentityRefusalNotRetried(t *testing.T) {
	t.Setenv("MCPBRIDGE_TEST_WORKLOAD_JWT", "eyJ.env-jwt.sig")
	w := newProofWorld(t)
	w.advertise = false
	w.jwtBearer = func(*http.Request) error { return errors.New("the JWT has expired") }
	log := &bytes.Buffer{}
	m := w.host(t, w.flow(t, t.TempDir(), log, func(c *oauthflow.Config) { c.Workload = "env:MCPBRIDGE_TEST_WORKLOAD_JWT" })).call(t, 1, "tools/list")
	e, _ := m["error"].(map[string]any)
	if msg, _ := e["message"].(string); !strings.Contains(msg, "invalid_grant") || !strings.Contains(msg, "the JWT has expired") {
		t.Errorf("answer %v, want the server's refusal", m)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.grants) != 1 || w.grants[0].Get("assertion") != "eyJ.env-jwt.sig" {
		t.Errorf("token requests %v, want the one jwt-bearer grant", w.grants)
	}
}
