package oauthflow

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// deviceAS answers device authorization, then the token endpoint with the
// given answers in turn.
type deviceAS struct {
	mu      sync.Mutex
	answers []string // error codes, "" for the token
	polls   []time.Time
	forms   []url.Values
}

func (d *deviceAS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	d.mu.Lock()
	defer d.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/device":
		d.forms = append(d.forms, r.PostForm)
		_, _ = w.Write([]byte(`{"device_code":"dev-1","user_code":"ABCD-EFGH","verification_uri":"https://as.example/device","verification_uri_complete":"https://as.example/device?code=ABCD-EFGH","expires_in":60}`))
	case "/token":
		d.polls = append(d.polls, time.Now())
		if r.PostForm.Get("grant_type") != deviceGrant || r.PostForm.Get("device_code") != "dev-1" {
			w.WriteHeader(400)
			_, _ = w.Write([]byte(`{"error":"invalid_request"}`))
			return
		}
		next := d.answers[0]
		d.answers = d.answers[1:]
		if next != "" {
			w.WriteHeader(400)
			_, _ = w.Write([]byte(`{"error":"` + next + `"}`))
			return
		}
		_, _ = w.Write([]byte(`{"access_token":"dev-token","token_type":"Bearer","refresh_token":"r","expires_in":3600}`))
	}
}

func TestDeviceGrant(t *testing.T) {
	tests := []struct {
		name    string
		answers []string
		wantErr string
	}{
		{"pending, slow down, then signed in", []string{"authorization_pending", "slow_down", ""}, ""},
		{"denied", []string{"authorization_pending", "access_denied"}, "access_denied"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			das := &deviceAS{answers: tc.answers}
			srv := httptest.NewServer(das)
			defer srv.Close()
			var notes []string
			server, _ := url.Parse("https://mcp.example/mcp")
			f, err := New(Config{Server: server, HTTP: srv.Client(), Store: newMemStore(), DeviceCode: true,
				DevicePollInterval: 100 * time.Millisecond, // 5 s by default
				Notify:             func(m string) { notes = append(notes, m) },
				Open:               func(string) error { t.Error("a browser was opened"); return nil },
				StaticClient:       map[string]any{"client_id": "device-client"},
			})
			if err != nil {
				t.Fatal(err)
			}
			as := &AuthServer{Issuer: srv.URL, TokenEndpoint: srv.URL + "/token", DeviceAuthorizationEndpoint: srv.URL + "/device"}
			rec, err := f.deviceRecord(context.Background(), as, []string{"mcp:read"}, "https://mcp.example/mcp")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %s", err, tc.wantErr)
				}
				return
			}
			if err != nil || rec.Token.AccessToken != "dev-token" {
				t.Fatalf("record %+v, %v", rec, err)
			}
			if len(notes) == 0 || !strings.Contains(notes[0], "ABCD-EFGH") || !strings.Contains(notes[0], "https://as.example/device?code=ABCD-EFGH") {
				t.Errorf("the user was not told where and what to enter: %q", notes)
			}
			if f := das.forms[0]; f.Get("scope") != "mcp:read" || f.Get("resource") != "https://mcp.example/mcp" || f.Get("client_id") != "device-client" {
				t.Errorf("device authorization form %v", f)
			}
			// slow_down adds the step to the interval (5 s by default, RFC
			// 8628 §3.5): 100 ms → 200 ms. Sleeps are lower bounds, so the gap
			// is at least that however loaded the machine (a relative check
			// was flaky).
			if gap := das.polls[2].Sub(das.polls[1]); gap < 195*time.Millisecond {
				t.Errorf("poll gap after slow_down %v, want at least 200 ms", gap)
			}
		})
	}
}

func TestDeviceGrantNeedsTheEndpoint(t *testing.T) {
	f := &Flow{}
	if _, err := f.deviceSignIn(context.Background(), &AuthServer{}, &Client{}, nil, ""); err == nil || !strings.Contains(err.Error(), "no device authorization") {
		t.Errorf("err %v", err)
	}
}

// TestDeviceInterval: the server's interval is honoured when longer than
// the step, the step is the least wait, and 5 s when none is named (RFC
// 8628 §3.2).
func TestDeviceInterval(t *testing.T) {
	for _, tc := range []struct {
		named int
		step  time.Duration
		want  time.Duration
	}{
		{0, DefaultDevicePollInterval, 5 * time.Second},
		{1, DefaultDevicePollInterval, 5 * time.Second},
		{10, DefaultDevicePollInterval, 10 * time.Second},
		{0, 100 * time.Millisecond, 100 * time.Millisecond},
		{1, 100 * time.Millisecond, time.Second},
	} {
		if got := deviceInterval(tc.named, tc.step); got != tc.want {
			t.Errorf("deviceInterval(%d, %v) = %v, want %v", tc.named, tc.step, got, tc.want)
		}
	}
}
