package httpclient

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// TestPreconnectIsTheFirstRequestsConnection: the connection Preconnect
// opens (the server accepts it before any request is made) carries the
// requests that follow; no second one is opened.
func TestPreconnectIsTheFirstRequestsConnection(t *testing.T) {
	accepted := make(chan struct{}, 8)
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(w, r.Body) }))
	var n atomic.Int32
	ts.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			n.Add(1)
			accepted <- struct{}{}
		}
	}
	ts.Start()
	defer ts.Close()
	c := &http.Client{Transport: agent{testH1(), DefaultUserAgent}}
	u, _ := url.Parse(ts.URL)
	Preconnect(t.Context(), c, u)
	Preconnect(t.Context(), c, u) // one is opening, or open: no second
	<-accepted
	for i := range 3 {
		if got := post(t, c, ts.URL, "x"); got != "x" {
			t.Fatalf("answer %d: %q", i, got)
		}
	}
	if got := n.Load(); got != 1 {
		t.Errorf("Preconnect and 3 requests opened %d connections, want 1", got)
	}
}

// heldDial is a dial that waits for the test to answer it: each call
// takes the next of answers (a connection or an error).
type heldDial struct {
	calls   atomic.Int32
	answers chan func() (net.Conn, error)
}

func (d *heldDial) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	d.calls.Add(1)
	select {
	case a := <-d.answers:
		return a()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// pipeServer is one end of a net.Pipe that answers each request on it
// with its body; the other end is returned as a dialled connection.
func pipeServer() (net.Conn, error) {
	client, server := net.Pipe()
	go serveConn(server, func(req *http.Request) bool {
		b, _ := io.ReadAll(req.Body)
		resp := &http.Response{StatusCode: 200, ProtoMajor: 1, ProtoMinor: 1, ContentLength: int64(len(b)),
			Body: io.NopCloser(strings.NewReader(string(b)))}
		return resp.Write(server) == nil
	})
	return client, nil
}

// warmingUp returns a client whose dials wait for d, with a connection to
// u being opened by Preconnect; its kept connections close with the test.
func warmingUp(t *testing.T) (d *heldDial, c *http.Client, u *url.URL) {
	d = &heldDial{answers: make(chan func() (net.Conn, error))}
	c = &http.Client{Transport: agent{newH1(d.dial, nil, 5*time.Second, 0), DefaultUserAgent}}
	t.Cleanup(c.CloseIdleConnections) // ends pipeServer
	u, _ = url.Parse("http://mcp.example:8080/mcp")
	Preconnect(t.Context(), c, u)
	return d, c, u
}

// TestPreconnectWaitedFor: a request made while the connection is still
// opening waits for it instead of dialling a second one.
func TestPreconnectWaitedFor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d, c, u := warmingUp(t)
		got := make(chan string)
		go func() { got <- post(t, c, u.String(), "first") }()
		synctest.Wait() // the request is blocked: on the warm-up, or on a dial of its own
		if n := d.calls.Load(); n != 1 {
			t.Fatalf("%d dials while the warm-up is opening, want 1", n)
		}
		d.answers <- pipeServer
		if a := <-got; a != "first" {
			t.Fatalf("answer %q", a)
		}
		if n := d.calls.Load(); n != 1 {
			t.Errorf("%d dials, want 1", n)
		}
	})
}

// TestPreconnectFailureIsTheWaitersError: a request waiting for a warm-up
// that fails fails with it (a server that never answers costs one connect
// timeout, not two); the next request dials again.
func TestPreconnectFailureIsTheWaitersError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d, c, u := warmingUp(t)
		errc := make(chan error)
		go func() {
			_, err := c.Post(u.String(), "application/json", strings.NewReader("{}"))
			errc <- err
		}()
		synctest.Wait()
		refused := errors.New("connection refused")
		d.answers <- func() (net.Conn, error) { return nil, refused }
		if err := <-errc; !errors.Is(err, refused) {
			t.Fatalf("request error %v, want the warm-up's %v", err, refused)
		}
		go func() { d.answers <- pipeServer }()
		if a := post(t, c, u.String(), "again"); a != "again" {
			t.Fatalf("answer %q", a)
		}
		if n := d.calls.Load(); n != 2 {
			t.Errorf("%d dials, want 2 (the warm-up, then the next request's own)", n)
		}
	})
}

// TestPreconnectOnlyForH1: through a proxy (net/http's Transport) and for
// a URL h1 cannot carry, Preconnect does nothing.
func TestPreconnectOnlyForH1(t *testing.T) {
	proxied, err := New(Options{Proxy: true})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse("http://127.0.0.1:1/mcp")
	Preconnect(t.Context(), proxied, u) // no h1: returns, opens nothing
	d := &heldDial{answers: make(chan func() (net.Conn, error))}
	t1 := newH1(d.dial, nil, 5*time.Second, 0)
	ftp, _ := url.Parse("ftp://127.0.0.1/x")
	Preconnect(t.Context(), &http.Client{Transport: agent{t1, DefaultUserAgent}}, ftp)
	if n := d.calls.Load(); n != 0 {
		t.Errorf("%d dials for an ftp URL, want 0", n)
	}
}
