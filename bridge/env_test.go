package bridge

// Where a harness test runs, and how it waits.
//
// A test runs on real TCP (httptest on 127.0.0.1), or, inside inBubble, in
// a testing/synctest bubble: fake time, and an in-memory network. There the
// fault servers are real http.Servers on an in-memory listener and the
// bridge's client a real http.Transport whose connections are net.Pipe
// pairs, so handlers hijack, flush and drop connections as they do on TCP
// while every goroutine blocks durably and timeouts of minutes pass at once.
//
// Either way the harness signals the test's wakeup whenever it records
// something (a stdout line, a request at a server, a stream opened or
// closed), and waits select on it rather than poll.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/httpclient"
)

// testEnv is what the harness keeps per test.
type testEnv struct {
	net *memNet // nil: real TCP

	mu sync.Mutex
	ch chan struct{} // closed at the next signal; made by the first waiter
}

var envs sync.Map // *testing.T → *testEnv

// envOf returns t's environment (real TCP unless t runs in inBubble).
func envOf(t *testing.T) *testEnv {
	if e, ok := envs.Load(t); ok {
		return e.(*testEnv)
	}
	e, loaded := envs.LoadOrStore(t, &testEnv{})
	if !loaded {
		t.Cleanup(func() { envs.Delete(t) })
	}
	return e.(*testEnv)
}

// inBubble runs f in a synctest bubble with an in-memory network for the
// fault servers and bridges it starts.
func inBubble(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) {
		envs.Store(t, &testEnv{net: &memNet{listeners: map[string]*memListener{}}})
		t.Cleanup(func() { envs.Delete(t) })
		f(t)
	})
}

// changed returns a channel that closes at the next signal.
func (e *testEnv) changed() <-chan struct{} {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ch == nil {
		e.ch = make(chan struct{})
	}
	return e.ch
}

// signal wakes every wait of the test.
func (e *testEnv) signal() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ch != nil {
		close(e.ch)
		e.ch = nil
	}
}

// poll is how often a wait on real TCP also looks at its condition
// unasked, for conditions no harness signal covers (a port becoming free).
// In a bubble every condition is the harness's, and waits do not tick.
const poll = 10 * time.Millisecond

// waitUntil waits until cond holds (true), or d passes or stop closes
// (false), looking at cond at each signal.
func (e *testEnv) waitUntil(d time.Duration, stop <-chan struct{}, cond func() bool) bool {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	var tick <-chan time.Time
	if e.net == nil {
		t := time.NewTicker(poll)
		defer t.Stop()
		tick = t.C
	}
	for {
		changed := e.changed() // before cond: a signal in between is not lost
		if cond() {
			return true
		}
		select {
		case <-changed:
		case <-tick:
		case <-stop:
			return false
		case <-deadline.C:
			return cond()
		}
	}
}

// waitFor waits until cond holds, failing the test after faultWait.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	waitLong(t, what, faultWait, cond)
}

// waitLong is waitFor with a deadline of the test's choosing.
func waitLong(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	if !envOf(t).waitUntil(d, nil, cond) {
		t.Fatalf("timed out after %v waiting for %s", d, what)
	}
}

// quiet watches for d for something that must not happen, and reports
// whether it stayed away; it returns as soon as bad holds. Real time on
// TCP, fake time in a bubble.
func quiet(t *testing.T, d time.Duration, bad func() bool) bool {
	t.Helper()
	return !envOf(t).waitUntil(d, nil, bad)
}

// unusedAddr returns a host:port where no server listens (yet): a closed
// port on 127.0.0.1, or in a bubble an in-memory address.
func unusedAddr(t *testing.T) string {
	t.Helper()
	if n := envOf(t).net; n != nil {
		return n.reserve()
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// newFaultServerAt starts a fault server at an address unusedAddr gave:
// the server comes up where the bridge found nobody.
func newFaultServerAt(t *testing.T, addr string, h serverFunc) *faultServer {
	t.Helper()
	if n := envOf(t).net; n != nil {
		return newMemFaultServer(t, n.listen(addr), h)
	}
	var l net.Listener
	waitFor(t, "the port to be free again", func() bool {
		var err error
		l, err = net.Listen("tcp", addr)
		return err == nil
	})
	return newFaultServerOn(t, l, h)
}

// ---------------------------------------------------------------------------
// The in-memory network of a bubble

// memNet holds a bubble's fault servers by address.
type memNet struct {
	mu        sync.Mutex
	listeners map[string]*memListener // by host:port
	hosts     int                     // addresses handed out
}

// reserve returns a new address where nothing listens yet:
// fault-N.test:80.
func (n *memNet) reserve() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.hosts++
	return fmt.Sprintf("fault-%d.test:80", n.hosts)
}

// listen opens a listener at addr (reserve's).
func (n *memNet) listen(addr string) *memListener {
	n.mu.Lock()
	defer n.mu.Unlock()
	l := &memListener{addr: addr, conns: make(chan net.Conn), done: make(chan struct{})}
	n.listeners[addr] = l
	return l
}

// dial connects to the listener at addr over a net.Pipe.
func (n *memNet) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	n.mu.Lock()
	l := n.listeners[addr]
	n.mu.Unlock()
	refused := &net.OpError{Op: "dial", Net: network, Addr: memAddr(addr), Err: errors.New("connection refused (in-memory network)")}
	if l == nil {
		return nil, refused
	}
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
	case <-ctx.Done():
		refused.Err = ctx.Err()
	}
	_ = client.Close()
	_ = server.Close()
	return nil, refused
}

// client is the bubble's stand-in for httpclient.New(o): a real
// http.Transport (with o's headers timeout) dialing the in-memory network.
func (n *memNet) client(o httpclient.Options) *http.Client {
	headers := o.HeadersTimeout
	switch {
	case headers == 0:
		headers = 5 * time.Minute
	case headers < 0:
		headers = 0
	}
	tr := &http.Transport{
		DialContext:           n.dial,
		MaxIdleConnsPerHost:   128,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: headers,
	}
	return &http.Client{Transport: tr, CheckRedirect: httpclient.SameOriginRedirects}
}

// httpClient is the client a harness bridge talks through: httpclient's
// on real TCP, the in-memory network's in a bubble.
func httpClient(t *testing.T, o httpclient.Options) *http.Client {
	t.Helper()
	if n := envOf(t).net; n != nil {
		return n.client(o)
	}
	c, err := httpclient.New(o)
	if err != nil {
		t.Fatalf("httpclient.New: %v", err)
	}
	return c
}

// memListener is a net.Listener on the in-memory network.
type memListener struct {
	addr  string
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func (l *memListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *memListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *memListener) Addr() net.Addr { return memAddr(l.addr) }

type memAddr string

func (a memAddr) Network() string { return "mem" }
func (a memAddr) String() string  { return string(a) }
