package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestWorkloadDPoPThroughTheBinary: the real binary signs in as a workload
// (--workload-identity file:) at an authorization server that advertises
// DPoP, and presents the DPoP-bound token with a proof on every request;
// the workload's JWT, the proofs, the token and the DPoP key appear
// neither on stderr nor in the --debug log.
func TestWorkloadDPoPThroughTheBinary(t *testing.T) {
	var mu sync.Mutex
	var proofs, schemes, assertions []string
	const token = "dpop-bound-token-1"
	as := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		base := "http://" + r.Host
		switch r.URL.Path {
		case "/.well-known/oauth-authorization-server":
			_ = json.NewEncoder(w).Encode(map[string]any{"issuer": base, "token_endpoint": base + "/token",
				"grant_types_supported": []string{"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "dpop_signing_alg_values_supported": []string{"ES256"}})
		case "/token":
			_ = r.ParseForm()
			mu.Lock()
			proofs = append(proofs, r.Header.Get("DPoP"))
			assertions = append(assertions, r.PostForm.Get("assertion"))
			mu.Unlock()
			if r.PostForm.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" || r.Header.Get("DPoP") == "" {
				w.WriteHeader(400)
				_, _ = w.Write([]byte(`{"error":"invalid_request"}`))
				return
			}
			_, _ = w.Write([]byte(`{"access_token":"` + token + `","token_type":"DPoP","expires_in":3600}`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(as.Close)
	mux := http.NewServeMux()
	mcp := httptest.NewServer(mux)
	t.Cleanup(mcp.Close)
	prm := mcp.URL + "/.well-known/oauth-protected-resource/mcp"
	mux.HandleFunc("/.well-known/oauth-protected-resource/mcp", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"resource": mcp.URL + "/mcp", "authorization_servers": []string{as.URL}})
	})
	server := &sessionServer{}
	mux.HandleFunc("/mcp", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "DPoP "+token || r.Header.Get("DPoP") == "" {
			w.Header().Set("WWW-Authenticate", `DPoP resource_metadata="`+prm+`"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		mu.Lock()
		schemes = append(schemes, strings.Fields(r.Header.Get("Authorization"))[0])
		proofs = append(proofs, r.Header.Get("DPoP"))
		mu.Unlock()
		server.ServeHTTP(w, r)
	})

	dir := t.TempDir()
	jwt := "eyJhbGciOiJFUzI1NiJ9.workload-claims.workload-signature"
	path := filepath.Join(dir, "workload.jwt")
	if err := os.WriteFile(path, []byte(jwt+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := startChild(t, []string{"MCPBRIDGE_CONFIG_DIR=" + dir}, mcp.URL+"/mcp", "--token-store", "file", "--debug", "--workload-identity", "file:"+path)
	if got := c.roundTripWithin(t, initLine, 20*time.Second); !strings.Contains(got, `"id":1,"result"`) {
		t.Fatalf("initialize answer = %s; stderr: %s", got, c.stderr)
	}
	c.stdin.Close()
	if code := c.wait(t, 5*time.Second); code != 0 {
		t.Fatalf("exit %d; stderr: %s", code, c.stderr)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(assertions) != 1 || assertions[0] != jwt || len(schemes) == 0 {
		t.Fatalf("assertions %q, schemes %q: want the workload's JWT once, then DPoP requests", assertions, schemes)
	}
	secrets := append([]string{jwt, token}, proofs...)
	keys, _ := filepath.Glob(filepath.Join(dir, "secrets", "*.secret"))
	for _, k := range keys {
		b, _ := os.ReadFile(k)
		var key struct {
			PKCS8 string `json:"pkcs8"`
		}
		if json.Unmarshal(b, &key) == nil && key.PKCS8 != "" {
			secrets = append(secrets, key.PKCS8[len(key.PKCS8)/2:]) // any part of the key
		}
	}
	if len(secrets) < len(proofs)+3 {
		t.Fatalf("no DPoP key found in the store (%d files)", len(keys))
	}
	logs, _ := filepath.Glob(filepath.Join(dir, "logs", "*.log"))
	text := c.stderr.String()
	for _, l := range logs {
		b, _ := os.ReadFile(l)
		text += string(b)
	}
	if len(logs) == 0 {
		t.Fatal("no debug log written")
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("stderr or the debug log holds a secret: %.24s…", s)
		}
	}
}
