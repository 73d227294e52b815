package oauthflow

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/mcpbridge/mcpbridge/internal/ledger"
)

// MemLedger is a Recorder that keeps the events in memory (for this
// package's tests and oauthflow_test's).
type MemLedger struct {
	mu  sync.Mutex
	All []ledger.Event
}

func (m *MemLedger) Record(_ context.Context, e ledger.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.All = append(m.All, e)
	return nil
}

// Kinds lists the events' kinds, in order.
func (m *MemLedger) Kinds() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, e := range m.All {
		out = append(out, e.Event)
	}
	return out
}

// Last is the newest event of kind (zero when none).
func (m *MemLedger) Last(kind string) ledger.Event {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := len(m.All) - 1; i >= 0; i-- {
		if m.All[i].Event == kind {
			return m.All[i]
		}
	}
	return ledger.Event{}
}

// TestClientCredentialsLedger: the client credentials grant is recorded as
// granted with its grant type and --scope's scopes, and neither the client
// secret nor the signed assertion reaches the ledger.
func TestClientCredentialsLedger(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for name, info := range map[string]map[string]any{
		"secret":    {"client_id": "cc-client", "client_secret": "s3cret-of-the-client"},
		"assertion": {"client_id": "cc-client", "private_key": pemOf(t, key)},
	} {
		t.Run(name, func(t *testing.T) {
			cc := &ccServer{t: t, pub: &key.PublicKey, secret: "s3cret-of-the-client"}
			srv := httptest.NewServer(cc)
			defer srv.Close()
			rec := &MemLedger{}
			server, _ := url.Parse("https://mcp.example/mcp")
			f, err := New(Config{Server: server, HTTP: srv.Client(), Store: newMemStore(), StaticClient: info,
				ClientCredentials: true, TokenEndpoint: srv.URL + "/token", Recorder: rec, Scopes: []string{"jobs:run"}})
			if err != nil {
				t.Fatal(err)
			}
			resp := &http.Response{StatusCode: 401, Header: http.Header{"Www-Authenticate": {`Bearer scope="mcp:read"`}}}
			if err := f.Refused(context.Background(), resp); err != nil {
				t.Fatalf("Refused: %v", err)
			}
			if got := cc.issued[0].Get("scope"); got != "jobs:run" {
				t.Errorf("scope %q, want --scope's jobs:run, not the challenge's", got)
			}
			if len(rec.All) != 1 {
				t.Fatalf("events %+v, want one", rec.All)
			}
			if e := rec.All[0]; e.Event != ledger.Granted || e.GrantType != "client_credentials" || e.ClientID != "cc-client" || strings.Join(e.Scopes, " ") != "jobs:run" {
				t.Errorf("event %+v", e)
			}
			raw, _ := json.Marshal(rec.All)
			for _, secret := range []string{"s3cret-of-the-client", cc.issued[0].Get("client_assertion"), "cc-token"} {
				if secret != "" && strings.Contains(string(raw), secret) {
					t.Errorf("the ledger holds a secret (%d characters)", len(secret))
				}
			}
		})
	}
}
