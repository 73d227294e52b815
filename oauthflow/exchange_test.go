package oauthflow

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"
)

// TestExchangesHaveADeadline: every exchange with an authorization server
// is bounded as a whole (a trickled token answer cannot hold a refresh
// forever), by exchangeTimeout or the caller's own shorter limit.
func TestExchangesHaveADeadline(t *testing.T) {
	if got := ruled(&http.Client{}).Timeout; got != exchangeTimeout {
		t.Fatalf("a client without a limit got %v, want %v", got, exchangeTimeout)
	}
	if got := ruled(&http.Client{Timeout: time.Hour}).Timeout; got != exchangeTimeout {
		t.Fatalf("a client with a longer limit got %v, want %v", got, exchangeTimeout)
	}
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		for _, c := range `{"access_token":"x","token_type":"Bearer"` { // never finished
			select {
			case <-done:
				return
			case <-time.After(50 * time.Millisecond):
			}
			_, _ = w.Write([]byte(string(c)))
			w.(http.Flusher).Flush()
		}
		<-done
	}))
	defer srv.Close()
	defer close(done)
	start := time.Now()
	_, err := tokenRequest(t.Context(), &http.Client{Timeout: 300 * time.Millisecond}, srv.URL+"/token",
		&Client{ClientID: "c", AuthMethod: "none"}, url.Values{"grant_type": {"refresh_token"}}, time.Now)
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("trickled token answer: err %v after %v", err, time.Since(start))
	}
}

// TestHugeExpiresInDoesNotOverflow: an expires_in past what a Duration
// holds is capped, not wrapped into the past.
func TestHugeExpiresInDoesNotOverflow(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"x","token_type":"Bearer","expires_in":99999999999999}`))
	}))
	defer srv.Close()
	tok, err := tokenRequest(t.Context(), srv.Client(), srv.URL+"/token", &Client{ClientID: "c", AuthMethod: "none"}, url.Values{}, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if !tok.Expiry.After(time.Now().Add(365*24*time.Hour)) || tok.expiring(time.Now()) {
		t.Fatalf("expiry %v: wrapped or expiring", tok.Expiry)
	}
}
