package httpclient

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func testH1() *h1 {
	d := &net.Dialer{Timeout: 5 * time.Second}
	return newH1(d.DialContext, nil, 5*time.Second, 0)
}

// countConns counts the connections a test server accepts, and reports
// each one that went idle.
func countConns(ts *httptest.Server) (*atomic.Int32, chan net.Conn) {
	var n atomic.Int32
	idle := make(chan net.Conn, 64)
	ts.Config.ConnState = func(c net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			n.Add(1)
		case http.StateIdle:
			select {
			case idle <- c:
			default:
			}
		}
	}
	return &n, idle
}

func post(t *testing.T, c *http.Client, url, body string) string {
	t.Helper()
	resp, err := c.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestH1KeepsConnections: sequential exchanges of every body framing
// (Content-Length, chunked, none at all, after a 103) share one connection.
func TestH1KeepsConnections(t *testing.T) {
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/chunked":
			w.Write(b)
			w.(http.Flusher).Flush()
			w.Write([]byte("!"))
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		case "/early":
			w.Header().Set("Link", "</style.css>; rel=preload")
			w.WriteHeader(http.StatusEarlyHints)
			w.Write(b)
		default:
			w.Write(b)
		}
	}))
	n, _ := countConns(ts)
	ts.Start()
	defer ts.Close()
	c := &http.Client{Transport: testH1()}
	for i := range 10 {
		if got := post(t, c, ts.URL, fmt.Sprint(i)); got != fmt.Sprint(i) {
			t.Fatalf("answer %d: %q", i, got)
		}
		if got := post(t, c, ts.URL+"/chunked", "c"); got != "c!" {
			t.Fatalf("chunked: %q", got)
		}
		if got := post(t, c, ts.URL+"/empty", "e"); got != "" {
			t.Fatalf("204: %q", got)
		}
		if got := post(t, c, ts.URL+"/early", "x"); got != "x" {
			t.Fatalf("after a 103: %q", got)
		}
	}
	if got := n.Load(); got != 1 {
		t.Errorf("40 exchanges used %d connections, want 1", got)
	}
}

// TestH1ServerClosedIdle: a connection the server closed while it was idle
// is noticed before it is used: the next POST goes on a new one.
func TestH1ServerClosedIdle(t *testing.T) {
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(w, r.Body) }))
	n, idle := countConns(ts)
	ts.Start()
	defer ts.Close()
	c := &http.Client{Transport: testH1()}
	for i := range 3 {
		if got := post(t, c, ts.URL, "x"); got != "x" {
			t.Fatalf("answer %d: %q", i, got)
		}
		conn := <-idle
		conn.Close() // the server ends the idle connection (its idle timeout)
	}
	if got := n.Load(); got != 3 {
		t.Errorf("%d connections, want 3 (one per exchange)", got)
	}
}

// rawServer accepts connections and hands each to serve.
func rawServer(t *testing.T, serve func(n int, c net.Conn)) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for i := 0; ; i++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serve(i, c)
		}
	}()
	return "http://" + ln.Addr().String()
}

// requestServer hands each request of connection n, its body read, to
// answer, until answer returns false or the client hangs up.
func requestServer(t *testing.T, answer func(n int, c net.Conn, req *http.Request) bool) string {
	return rawServer(t, func(n int, c net.Conn) {
		serveConn(c, func(req *http.Request) bool {
			io.Copy(io.Discard, req.Body)
			return answer(n, c, req)
		})
	})
}

// serveConn reads requests from c and hands each to answer, until answer
// returns false or the client hangs up; then it closes c.
func serveConn(c net.Conn, answer func(req *http.Request) bool) {
	defer c.Close()
	br := bufio.NewReader(c)
	for {
		req, err := http.ReadRequest(br)
		if err != nil || !answer(req) {
			return
		}
	}
}

// answerOnce reads one request from c and answers it.
func answerOnce(br *bufio.Reader, c net.Conn, body string) bool {
	req, err := http.ReadRequest(br)
	if err != nil {
		return false
	}
	io.Copy(io.Discard, req.Body)
	fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	return true
}

// TestH1RetriesOnlyWhatIsSafe: the server takes the second request on a
// kept connection and closes it without a word. A GET is sent again on a
// new connection; a POST is not (the server may have acted on it), and
// fails with a sentence that says so.
func TestH1RetriesOnlyWhatIsSafe(t *testing.T) {
	url := rawServer(t, func(n int, c net.Conn) {
		defer c.Close()
		br := bufio.NewReader(c)
		if n%2 == 1 { // the retry's connection
			for answerOnce(br, c, "again") {
			}
			return
		}
		if answerOnce(br, c, "first") { // then read the next request, and hang up
			http.ReadRequest(br)
		}
	})
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		c := &http.Client{Transport: testH1()}
		do := func() (string, error) {
			req, _ := http.NewRequest(method, url, strings.NewReader("b"))
			resp, err := c.Do(req)
			if err != nil {
				return "", err
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			return string(b), err
		}
		if got, err := do(); err != nil || got != "first" {
			t.Fatalf("%s: first: %q %v", method, got, err)
		}
		got, err := do()
		switch method {
		case http.MethodGet:
			if err != nil || got != "again" {
				t.Errorf("GET after a silent close: %q %v, want it sent again", got, err)
			}
		case http.MethodPost:
			var closed *closedBeforeAnswer
			if !errors.As(err, &closed) {
				t.Errorf("POST after a silent close: %q %v, want closedBeforeAnswer and no retry", got, err)
			}
		}
	}
}

// TestH1Limits: answer headers past the cap, headers that never come, and
// a context cancelled in the middle of a body each end the exchange.
func TestH1Limits(t *testing.T) {
	url := rawServer(t, func(_ int, c net.Conn) {
		defer c.Close()
		br := bufio.NewReader(c)
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		switch req.URL.Path {
		case "/huge":
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nX-Pad: %s\r\n\r\n", strings.Repeat("a", 2<<20))
		case "/silent":
		case "/stall":
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhalf")
		}
		io.Copy(io.Discard, br) // until the client hangs up
	})
	if _, err := (&http.Client{Transport: testH1()}).Get(url + "/huge"); !errors.Is(err, errHeadersTooLarge) {
		t.Errorf("2 MiB of headers: %v, want errHeadersTooLarge", err)
	}
	tr := testH1()
	tr.headers = 50 * time.Millisecond
	c := &http.Client{Transport: tr}
	if _, err := c.Get(url + "/silent"); err == nil || !strings.Contains(err.Error(), "timeout awaiting response headers") {
		t.Errorf("no headers: %v, want a header timeout", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stallThenEnd(t, c, ctx, url+"/stall", func() { time.AfterFunc(10*time.Millisecond, cancel) })
}

// stallThenEnd GETs url, whose server sends "half" of a body and stalls,
// and checks that end (which ends ctx) ends the read with context.Canceled.
func stallThenEnd(t *testing.T, c *http.Client, ctx context.Context, url string, end func()) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 4)
	if _, err := io.ReadFull(resp.Body, buf); err != nil || string(buf) != "half" {
		t.Fatalf("the first bytes: %q %v", buf, err)
	}
	end()
	if _, err := resp.Body.Read(buf); !errors.Is(err, context.Canceled) {
		t.Errorf("read after the context ended: %v, want context.Canceled", err)
	}
}

// TestH1ConnectionLimit: with room for two connections, a third request
// waits for one of them and is carried on it.
func TestH1ConnectionLimit(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 3)
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		if r.URL.Path == "/hold" {
			<-release
		}
		io.WriteString(w, "ok")
	}))
	n, _ := countConns(ts)
	ts.Start()
	defer ts.Close()
	tr := testH1()
	tr.limit = 2
	c := &http.Client{Transport: tr}
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for _, path := range []string{"/hold", "/hold", "/next"} {
		if path == "/next" {
			<-entered // both connections are busy
			<-entered
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := c.Get(ts.URL + path)
			if err == nil {
				_, err = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			errs <- err
		}()
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := n.Load(); got != 2 {
		t.Errorf("%d connections, want 2", got)
	}
}

// TestH1TLS: https is carried over HTTP/1.1 with the client's roots.
func TestH1TLS(t *testing.T) {
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %v", r.Proto, r.TLS != nil)
	}))
	ts.EnableHTTP2 = true
	ts.StartTLS()
	defer ts.Close()
	roots := x509.NewCertPool()
	roots.AddCert(ts.Certificate())
	d := &net.Dialer{}
	c := &http.Client{Transport: newH1(d.DialContext, &tls.Config{RootCAs: roots}, 5*time.Second, 0)}
	for range 2 {
		resp, err := c.Get(ts.URL)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "HTTP/1.1 true" {
			t.Errorf("got %q, want HTTP/1.1 over TLS", b)
		}
	}
	if _, err := (&http.Client{Transport: testH1()}).Get(ts.URL); err == nil {
		t.Error("a certificate outside the roots was accepted")
	}
}

func TestKeepFor(t *testing.T) {
	for _, c := range []struct {
		h    string
		want time.Duration
	}{
		{"", idleFor},
		{"timeout=5, max=1000", 4 * time.Second},
		{"max=3, Timeout = 10", 9 * time.Second},
		{"timeout=1", 0},
		{"timeout=100000", idleFor},
		{"timeout=x", idleFor},
	} {
		if got := keepFor(http.Header{"Keep-Alive": {c.h}}); got != c.want {
			t.Errorf("Keep-Alive %q: %v, want %v", c.h, got, c.want)
		}
	}
}

// TestH1Wire: what the server receives (the request line, Host, the
// headers, the body by its length or chunked) and a gzip answer read
// decoded on a connection that is kept; a header that would break the
// framing is refused before anything is sent.
func TestH1Wire(t *testing.T) {
	type seen struct{ line, host, ua, x, enc, body string }
	got := make(chan seen, 4)
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Method + " " + r.RequestURI + " " + r.Proto, r.Host, r.UserAgent(), r.Header.Get("X-Mine"), r.Header.Get("Accept-Encoding"), string(b)}
		if r.URL.Query().Get("gz") == "" {
			io.WriteString(w, "plain")
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		io.WriteString(zw, strings.Repeat("squeeze ", 1000))
		zw.Close()
	}))
	n, _ := countConns(ts)
	ts.Start()
	defer ts.Close()
	c := &http.Client{Transport: testH1()}

	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/mcp?a=1", strings.NewReader(`{"x":1}`))
	req.Header.Set("User-Agent", "mcpbridge/test")
	req.Header.Set("X-Mine", "v\tw")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(resp.Body)
	resp.Body.Close()
	want := seen{"POST /mcp?a=1 HTTP/1.1", strings.TrimPrefix(ts.URL, "http://"), "mcpbridge/test", "v\tw", "gzip", `{"x":1}`}
	if s := <-got; s != want {
		t.Errorf("the server saw %+v, want %+v", s, want)
	}

	resp, err = c.Post(ts.URL+"/mcp?gz=1", "application/json", io.MultiReader(strings.NewReader("chun"), strings.NewReader("ked")))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || string(b) != strings.Repeat("squeeze ", 1000) || resp.Header.Get("Content-Encoding") != "" || !resp.Uncompressed {
		t.Errorf("gzip answer: %d bytes %v, Content-Encoding %q, Uncompressed %v", len(b), err, resp.Header.Get("Content-Encoding"), resp.Uncompressed)
	}
	if s := <-got; s.body != "chunked" {
		t.Errorf("a body of unknown length: the server read %q", s.body)
	}

	for _, bad := range []string{"v\r\nX-Injected: 1", "v\nw", "nul\x00"} {
		req, _ := http.NewRequest(http.MethodGet, ts.URL, nil)
		req.Header["X-Bad"] = []string{bad}
		if _, err := c.Do(req); err == nil || !strings.Contains(err.Error(), "invalid header field value") {
			t.Errorf("header value %q: %v, want it refused", bad, err)
		}
	}
	req, _ = http.NewRequest(http.MethodGet, ts.URL, nil)
	req.Header["Bad Name"] = []string{"v"}
	if _, err := c.Do(req); err == nil || !strings.Contains(err.Error(), "invalid header field name") {
		t.Errorf("header name with a space: %v, want it refused", err)
	}
	if len(got) != 0 {
		t.Errorf("a refused request reached the server")
	}
	if got := n.Load(); got != 1 {
		t.Errorf("%d connections, want 1 (kept across the gzip answer and the refusals)", got)
	}
}

// TestH1EarlyAnswer: a server that answers a body over its limit (413)
// before reading it all, and closes, is reported by its answer, not by
// the write that failed (RFC 9112 §9.5); the next request gets a new
// connection.
func TestH1EarlyAnswer(t *testing.T) {
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		fmt.Fprint(w, "ok")
	}))
	conns, _ := countConns(ts)
	ts.Start()
	defer ts.Close()
	c := &http.Client{Transport: testH1()}
	resp, err := c.Post(ts.URL, "application/json", bytes.NewReader(make([]byte, 32<<20)))
	if err != nil {
		t.Fatalf("a body over the server's limit: %v, want its 413", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "too large") {
		t.Fatalf("status %d, body %q; want 413 with the server's text", resp.StatusCode, body)
	}
	if got := post(t, c, ts.URL, "{}"); got != "ok" {
		t.Errorf("the next request: %q", got)
	}
	if n := conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2: the one the 413 came on is not kept", n)
	}
}

// TestH1HeadersDeadlineOnKeptConnection: on one kept connection, answers
// that come whole with their headers leave the header deadline in place
// for the next exchange, a body still coming is not cut by it however
// long it takes, and headers that never come still time out.
func TestH1HeadersDeadlineOnKeptConnection(t *testing.T) {
	const limit = 100 * time.Millisecond
	url := requestServer(t, func(_ int, c net.Conn, req *http.Request) bool {
		switch req.URL.Path {
		case "/quick":
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		case "/slow":
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nha")
			<-time.After(3 * limit) // the rest comes after the header limit
			fmt.Fprintf(c, "lf")
		case "/silent":
			io.Copy(io.Discard, c) // no answer, until the client hangs up
			return false
		}
		return true
	})
	tr := testH1()
	tr.headers = limit
	c := &http.Client{Transport: tr}
	for _, path := range []string{"/quick", "/quick", "/slow", "/quick"} {
		want := map[string]string{"/quick": "ok", "/slow": "half"}[path]
		if got := post(t, c, url+path, "x"); got != want {
			t.Fatalf("%s: %q, want %q", path, got, want)
		}
	}
	if n := len(tr.pools); n != 1 {
		t.Fatalf("%d pools", n)
	}
	for _, p := range tr.pools {
		if len(p.idle) != 1 {
			t.Fatalf("%d idle connections, want the one kept", len(p.idle))
		}
	}
	_, err := c.Post(url+"/silent", "text/plain", strings.NewReader("x"))
	if err == nil || !strings.Contains(err.Error(), "timeout awaiting response headers") {
		t.Errorf("no headers on a kept connection: %v, want a header timeout", err)
	}
}

// TestH1BytesPastTheAnswer: a server that sends more than its answer's
// length (a second answer, unasked) has the connection closed: the next
// request goes on a new one and gets its own answer, never those bytes.
func TestH1BytesPastTheAnswer(t *testing.T) {
	url := requestServer(t, func(n int, c net.Conn, _ *http.Request) bool {
		body := fmt.Sprintf("conn %d", n)
		// One write: the answer and a forged one after it.
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%sHTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged", len(body), body)
		return true
	})
	c := &http.Client{Transport: testH1()}
	for i := range 3 {
		if got, want := post(t, c, url, "x"), fmt.Sprintf("conn %d", i); got != want {
			t.Fatalf("answer %d: %q, want %q", i, got, want)
		}
	}
}

// watchingCtx is a context with its own Watch and Unwatch, as the
// bridge's per-message context has (bridge/inflight's Ctx): it counts them.
type watchingCtx struct {
	context.Context
	cancel context.CancelFunc

	mu       sync.Mutex
	watching map[int]func()
	next     int
	watched  int
}

func newWatchingCtx() *watchingCtx {
	ctx, cancel := context.WithCancel(context.Background())
	return &watchingCtx{Context: ctx, cancel: cancel, watching: map[int]func(){}}
}

func (w *watchingCtx) Watch(f func()) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.next++
	w.watched++
	w.watching[w.next] = f
	return w.next
}

func (w *watchingCtx) Unwatch(slot int) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, ok := w.watching[slot]
	delete(w.watching, slot)
	return ok
}

// end cancels the context and runs what watches it, as the bridge's does.
func (w *watchingCtx) end() {
	w.cancel()
	w.mu.Lock()
	fs := w.watching
	w.watching = map[int]func(){}
	w.mu.Unlock()
	for _, f := range fs {
		go f()
	}
}

func (w *watchingCtx) counts() (watched, still int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.watched, len(w.watching)
}

// TestH1WatchesItsOwnContext: a context that watches for its own end is
// asked to (not context.AfterFunc), the watch is lifted when the answer has
// been read and the connection kept; ending the context during a body
// ends the read with its error.
func TestH1WatchesItsOwnContext(t *testing.T) {
	var conns atomic.Int32
	url := requestServer(t, func(n int, c net.Conn, req *http.Request) bool {
		conns.Store(int32(n) + 1)
		if req.URL.Path == "/stall" {
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhalf")
			io.Copy(io.Discard, c) // until the client hangs up
			return false
		}
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		return true
	})
	c := &http.Client{Transport: testH1()}
	ctx := newWatchingCtx()
	for range 2 {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"/", strings.NewReader("{}"))
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if b, err := io.ReadAll(resp.Body); err != nil || string(b) != "ok" {
			t.Fatalf("answer %q, %v", b, err)
		}
		resp.Body.Close()
	}
	if watched, still := ctx.counts(); watched != 2 || still != 0 {
		t.Errorf("two exchanges watched the context %d times and left %d watches, want 2 and 0", watched, still)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("the two exchanges took %d connections, want the one kept", n)
	}

	stall := newWatchingCtx()
	stallThenEnd(t, c, stall, url+"/stall", stall.end)
}
