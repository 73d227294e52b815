package bridge

// Hand-written servers of both protocol eras for the era tests: a
// 2026-07-28 server (no sessions, server/discover, subscriptions/listen)
// and a 2025-11-25 server with sessions that does not know server/discover.
// Each test scripts the parts it misbehaves in; the rest is well-behaved.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// modernCaps announces everything an upgrade translates.
const modernCaps = `{"tools":{"listChanged":true},"resources":{"subscribe":true,"listChanged":false},"logging":{}}`

// discoverResult is a 2026-07-28 server/discover answer.
func discoverResult(id json.RawMessage, caps string) string {
	return resultFor(id, `{"resultType":"complete","supportedVersions":["2026-07-28"],"capabilities":`+caps+
		`,"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"modern-fake","version":"2.0.0"}},"instructions":"Use the tools.","ttlMs":0,"cacheScope":"private"}`)
}

// modernServer is a 2026-07-28 server: server/discover answers caps;
// subscriptions/listen and every other request go to next (nil: echo);
// notifications and responses get 202; GET and DELETE 405 (no sessions).
type modernServer struct {
	caps string
	next serverFunc
}

func (m modernServer) serve(w http.ResponseWriter, r *http.Request, req *seenRequest) {
	switch {
	case r.Method != http.MethodPost:
		w.WriteHeader(http.StatusMethodNotAllowed)
	case !req.IsRPC:
		writeJSON(w, http.StatusBadRequest, `{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}`)
	case !req.Msg.IsRequest():
		w.WriteHeader(http.StatusAccepted)
	case req.Msg.Method == "server/discover":
		caps := m.caps
		if caps == "" {
			caps = modernCaps
		}
		writeJSON(w, http.StatusOK, discoverResult(req.Msg.ID, caps))
	case m.next != nil:
		m.next(w, r, req)
	default:
		writeJSON(w, http.StatusOK, echoResult(req))
	}
}

// probeFault answers server/discover with fault and everything else as a
// 2025-11-25 server with session sess-legacy.
func probeFault(fault serverFunc) serverFunc {
	legacy := mcpServer{session: "sess-legacy", version: "2025-11-25"}
	return func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
		if req.IsRPC && req.Msg.Method == "server/discover" {
			fault(w, r, req)
			return
		}
		legacy.serve(w, r, req)
	}
}

// ackEvent is the acknowledgment of the listen request with id.
func ackEvent(id json.RawMessage) string {
	return `data: {"jsonrpc":"2.0","method":"notifications/subscriptions/acknowledged","params":{"_meta":{"io.modelcontextprotocol/subscriptionId":` +
		string(id) + `},"notifications":{}}}`
}

// listenStreams is the subscriptions/listen side of a modern fake: each
// listen request gets an event stream; the test decides when it is
// acknowledged, what it carries and when it ends.
type listenStreams struct {
	s       *faultServer
	autoAck atomic.Bool

	mu      sync.Mutex
	streams []*listenConn
}

// listenConn is one open listen stream.
type listenConn struct {
	req    *seenRequest
	events chan string
	end    chan struct{}
	gone   chan struct{} // closed when the bridge closed it
	once   sync.Once
}

func (c *listenConn) send(event string) { c.events <- event }
func (c *listenConn) ack()              { c.send(ackEvent(c.req.Msg.ID)) }
func (c *listenConn) close()            { c.once.Do(func() { close(c.end) }) }

// closedByBridge reports whether the bridge ended this stream.
func (c *listenConn) closedByBridge() bool {
	select {
	case <-c.gone:
		return true
	default:
		return false
	}
}

func (l *listenStreams) serve(w http.ResponseWriter, r *http.Request, req *seenRequest) {
	c := &listenConn{req: req, events: make(chan string, 16), end: make(chan struct{}), gone: make(chan struct{})}
	l.mu.Lock()
	l.streams = append(l.streams, c)
	l.mu.Unlock()
	l.s.env.signal()
	writeSSE(w)
	if l.autoAck.Load() {
		c.ack()
	}
	for {
		select {
		case e := <-c.events:
			_, _ = io.WriteString(w, e+"\n\n")
			flush(w)
		case <-c.end:
			return
		case <-r.Context().Done():
			close(c.gone)
			l.s.env.signal()
			return
		case <-l.s.quit:
			return
		}
	}
}

// wait returns the n-th listen stream (from 0) once it is open.
func (l *listenStreams) wait(t *testing.T, n int) *listenConn {
	t.Helper()
	var c *listenConn
	waitFor(t, fmt.Sprintf("subscriptions/listen stream #%d", n+1), func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		if len(l.streams) > n {
			c = l.streams[n]
		}
		return c != nil
	})
	return c
}

func (l *listenStreams) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.streams)
}

// startModern runs a modern fake whose listen streams l serves and whose
// other requests go to next; the bridge probes it (ProtocolAuto).
func startModern(t *testing.T, caps string, next serverFunc, opts ...hostOpt) (*faultServer, *listenStreams, *faultHost) {
	t.Helper()
	l := &listenStreams{}
	l.autoAck.Store(true)
	srv := newFaultServer(t, modernServer{caps: caps, next: func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
		switch {
		case req.Msg.Method == "subscriptions/listen":
			l.serve(w, r, req)
		case next != nil:
			next(w, r, req)
		default:
			writeJSON(w, http.StatusOK, echoResult(req))
		}
	}}.serve)
	l.s = srv
	h := startHost(t, srv.URL, append([]hostOpt{withProtocol(ProtocolAuto)}, opts...)...)
	return srv, l, h
}

// legacyInitLine is a 2025-11-25 initialize whose capabilities and client
// info the upgrade must carry in every request's _meta.
const legacyInitLine = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"sampling":{},"elicitation":{}},"clientInfo":{"name":"legacy-host","version":"3.1.4"}}}`

// upgraded starts a bridge between a legacy client and a modern fake and
// completes the client's handshake.
func upgraded(t *testing.T, caps string, next serverFunc, opts ...hostOpt) (*faultServer, *listenStreams, *faultHost) {
	t.Helper()
	srv, l, h := startModern(t, caps, next, opts...)
	h.send(legacyInitLine)
	h.result("1")
	h.send(initializedLine)
	return srv, l, h
}

// serverMeta decodes the _meta of a request the server received.
func serverMeta(t *testing.T, r *seenRequest) map[string]json.RawMessage {
	t.Helper()
	var p struct {
		Meta map[string]json.RawMessage `json:"_meta"`
	}
	if err := json.Unmarshal(r.Msg.Params, &p); err != nil {
		t.Fatalf("%s: params %s: %v", r.kind(), r.Msg.Params, err)
	}
	return p.Meta
}

// postsOf returns the POSTs of requests or notifications with method.
func postsOf(srv *faultServer, method string) []*seenRequest {
	var out []*seenRequest
	for _, r := range srv.requests() {
		if r.Method == http.MethodPost && r.IsRPC && r.Msg.Method == method {
			out = append(out, r)
		}
	}
	return out
}

// ---------------------------------------------------------------------------
// A 2025-11-25 server with sessions, for the downgrade

// sessionFake opens session sess-down at initialize and refuses requests
// outside it (400 with a JSON-RPC error, as the Go SDK does); it does not
// know server/discover. Its GET stream carries what the test pushes.
type sessionFake struct {
	s    *faultServer
	caps string
	next serverFunc // requests in the session other than initialize; nil: echo

	get chan string // events for the GET stream
}

const sessionFakeCaps = `{"tools":{"listChanged":true},"resources":{"subscribe":true},"logging":{}}`

func newSessionFake(t *testing.T, next serverFunc) *sessionFake {
	f := &sessionFake{caps: sessionFakeCaps, next: next, get: make(chan string, 16)}
	f.s = newFaultServer(t, f.serve)
	return f
}

func (f *sessionFake) serve(w http.ResponseWriter, r *http.Request, req *seenRequest) {
	inSession := r.Header.Get("Mcp-Session-Id") == "sess-down"
	switch {
	case r.Method == http.MethodDelete:
		w.WriteHeader(http.StatusOK)
	case r.Method == http.MethodGet && inSession:
		writeSSE(w)
		for {
			select {
			case e := <-f.get:
				_, _ = io.WriteString(w, e+"\n\n")
				flush(w)
			case <-r.Context().Done():
				return
			case <-f.s.quit:
				return
			}
		}
	case r.Method != http.MethodPost || !req.IsRPC:
		http.Error(w, "bad request", http.StatusBadRequest)
	case req.Msg.Method == "initialize":
		w.Header().Set("Mcp-Session-Id", "sess-down")
		writeJSON(w, http.StatusOK, resultFor(req.Msg.ID, `{"protocolVersion":"2025-11-25","capabilities":`+f.caps+
			`,"serverInfo":{"name":"session-fake","version":"1.2.3"},"instructions":"Legacy instructions."}`))
	case !inSession:
		writeJSON(w, http.StatusBadRequest, `{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Bad Request: no valid session ID provided"}}`)
	case !req.Msg.IsRequest():
		w.WriteHeader(http.StatusAccepted)
	case req.Msg.Method == "server/discover":
		writeJSON(w, http.StatusOK, fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"error":{"code":-32601,"message":"Method not found"}}`, req.Msg.ID))
	case f.next != nil:
		f.next(w, r, req)
	default:
		writeJSON(w, http.StatusOK, echoResult(req))
	}
}

// modernLine builds a 2026-07-28 request with the client's identity and
// capabilities in _meta, plus extra _meta members.
func modernLine(id, method, members, extraMeta string) string {
	if members != "" {
		members += ","
	}
	if extraMeta != "" {
		extraMeta = "," + extraMeta
	}
	return fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"method":%q,"params":{%s"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",`+
		`"io.modelcontextprotocol/clientCapabilities":{"sampling":{},"roots":{}},"io.modelcontextprotocol/clientInfo":{"name":"modern-host","version":"9.9.9"}%s}}}`,
		id, method, members, extraMeta)
}

// hasPrefixID reports whether a raw JSON id is a string starting with p.
func hasPrefixID(id json.RawMessage, p string) bool {
	return strings.HasPrefix(string(id), `"`+p)
}
