package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
)

// streamable is the Streamable HTTP client (MCP 2025-11-25
// basic/transports §Streamable HTTP, and 2026-07-28
// basic/transports/streamable-http): every message is its own POST; an
// answer comes back as one JSON body or as an SSE stream carrying the
// server's notifications and requests before it.
type streamable struct {
	http     *httpPeer
	endpoint string
	sink     Sink
	log      *slog.Logger
	life     context.Context // the bridge's lifetime: bounds the GET stream
	// answerTimeout is Config.AnswerTimeout: the longest an answer stream
	// may go without a message (0: no limit).
	answerTimeout time.Duration
	// mayFallBack lets the first initialize report errOtherTransport when
	// the server refuses it the way an HTTP+SSE server would.
	mayFallBack bool

	mu        sync.Mutex
	session   string           // Mcp-Session-Id; "" before initialize or without sessions
	version   string           // negotiated protocol version
	gen       int              // bumped with every new session
	initReq   *jsonrpc.Message // the client's initialize, replayed for a new session
	initNote  *jsonrpc.Message // the client's notifications/initialized
	listening int              // the session generation whose GET stream runs; -1 none
	renewal   *renewal         // the session renewal under way, if any
	hdr       sessionHeaders   // the headers of requests in this session
	succeeded bool             // some exchange worked: no more fallback
}

type renewal struct {
	done chan struct{}
	err  error
}

func newStreamable(life context.Context, h *httpPeer, endpoint string, s Sink, log *slog.Logger, fallback bool) *streamable {
	return &streamable{http: h, endpoint: endpoint, sink: s, log: log, life: life, mayFallBack: fallback, listening: -1}
}

// roundTrip POSTs m and, for a request, reads its answer stream to the end.
func (s *streamable) roundTrip(ctx context.Context, m *jsonrpc.Message) error {
	s.remember(m)
	for attempt := 0; ; attempt++ {
		hdr, gen := s.headersFor(m)
		resp, err := s.http.do(ctx, http.MethodPost, s.endpoint, m.Raw, hdr)
		if err != nil {
			return err
		}
		// A 404 to a request that named a session: the session is gone.
		// Start a new one and send the message again (§Session Management 4).
		if resp.StatusCode == http.StatusNotFound && hdr.Get(HeaderSession) != "" && attempt == 0 {
			discard(resp)
			s.log.Info("the server ended the session; starting a new one")
			if err := s.renew(ctx, gen); err != nil {
				return fmt.Errorf("the server ended the session and a new one could not be started: %w", err)
			}
			continue
		}
		return s.answer(ctx, m, resp, s.deliverVia(m))
	}
}

// deliverVia tags the server requests that come on the answer stream of
// the request m with its id (a 2026-07-28 client gets them in a multi
// round-trip result for that request: reverse.go).
func (s *streamable) deliverVia(m *jsonrpc.Message) func(*jsonrpc.Message) {
	if m.Kind != jsonrpc.KindRequest {
		return s.sink.Deliver
	}
	return func(x *jsonrpc.Message) {
		if x.Kind == jsonrpc.KindRequest {
			x.Via = m.ID
		}
		s.sink.Deliver(x)
	}
}

// remember keeps the client's initialize and initialized messages, which a
// new session replays.
func (s *streamable) remember(m *jsonrpc.Message) {
	if m.Modern != "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case m.Kind == jsonrpc.KindRequest && m.Method == "initialize":
		s.initReq, s.session, s.version = m, "", ""
	case m.Kind == jsonrpc.KindNotification && m.Method == "notifications/initialized":
		s.initNote = m
	}
}

// acceptValue and contentTypeValue are shared by every POST (net/http
// only reads header values).
var (
	acceptValue      = []string{"application/json, text/event-stream"}
	contentTypeValue = []string{"application/json"}
)

// headersFor returns the transport headers for m and the session
// generation they belong to. The caller must not modify them: for a
// 2025-11-25 message they are shared by every request of the session
// (built once per session and version, not once per message).
func (s *streamable) headersFor(m *jsonrpc.Message) (http.Header, int) {
	if m.Header != nil { // 2026-07-28: everything comes from the message
		h := m.Header.Clone()
		h["Accept"], h["Content-Type"] = acceptValue, contentTypeValue
		return h, 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.Method == "initialize" && m.Kind == jsonrpc.KindRequest {
		return http.Header{"Accept": acceptValue, "Content-Type": contentTypeValue}, s.gen
	}
	if c := s.hdr; c.h == nil || c.session != s.session || c.version != s.version {
		h := http.Header{"Accept": acceptValue, "Content-Type": contentTypeValue}
		if s.session != "" {
			h.Set(HeaderSession, s.session)
		}
		if s.version != "" {
			h.Set(HeaderProtocolVersion, s.version)
		}
		s.hdr = sessionHeaders{session: s.session, version: s.version, h: h}
	}
	return s.hdr.h, s.gen
}

// sessionHeaders are the headers of a session's requests (headersFor).
type sessionHeaders struct {
	session, version string
	h                http.Header
}

// answer handles the server's HTTP answer to m.
func (s *streamable) answer(ctx context.Context, m *jsonrpc.Message, resp *http.Response, deliver func(*jsonrpc.Message)) (err error) {
	defer resp.Body.Close()
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	if !ok {
		return s.refused(m, resp, deliver)
	}
	s.markSucceeded()
	isInit := m.Kind == jsonrpc.KindRequest && m.Method == "initialize" && m.Modern == ""
	if isInit {
		if err := s.adoptSession(resp.Header.Get(HeaderSession)); err != nil {
			return err
		}
	}
	if isInit {
		deliver = s.watchInit(m, deliver)
	}
	if m.Kind == jsonrpc.KindRequest {
		var stray []byte
		deliver = s.watchStray(m, deliver, &stray)
		defer func() {
			if stray != nil && s.sink.Waiting(m.ID) != nil {
				err = fmt.Errorf("the server answered with id %s, which is not this request's; the answer was dropped", snippet(stray))
			}
		}()
	}
	switch {
	case m.Kind != jsonrpc.KindRequest:
		discard(resp)
		if m.Method == "notifications/initialized" {
			s.listen(ctx)
		}
		return nil
	case isEventStream(resp):
		long := m.Method == "subscriptions/listen"
		if long {
			stopIdle(resp.Body) // long-lived by design, however quiet
		}
		return s.readStream(ctx, m, resp.Body, deliver, long)
	case resp.StatusCode == http.StatusAccepted:
		discard(resp)
		return errors.New("the server accepted the request (HTTP 202) but sent no answer")
	}
	hold := s.http.mem.Lease() // until the answer is written out
	defer hold.Release()
	parts, err := readAnswer(resp, jsonrpc.MaxMessageBytes, &hold)
	if err != nil {
		return err
	}
	return deliverBody(resp, parts, deliver)
}

// watchStray wraps deliver to remember an answer whose id matches no
// waiting request (the bridge drops it), to name it in the error.
func (s *streamable) watchStray(m *jsonrpc.Message, deliver func(*jsonrpc.Message), stray *[]byte) func(*jsonrpc.Message) {
	return func(ans *jsonrpc.Message) {
		if ans.Kind == jsonrpc.KindResponse && jsonrpc.IDKey(ans.ID) != jsonrpc.IDKey(m.ID) && s.sink.Waiting(ans.ID) == nil {
			*stray = ans.ID
		}
		deliver(ans)
	}
}

// deliverBody hands over a JSON answer body, or explains why it is none.
func deliverBody(resp *http.Response, parts [][]byte, deliver func(*jsonrpc.Message)) error {
	ans, err := jsonrpc.ParseParts(jsonrpc.TrimParts(parts))
	if err != nil || ans.Kind != jsonrpc.KindResponse {
		return fmt.Errorf("the answer is not a JSON-RPC response: %w", statusError(resp, bytes.Join(parts, nil)))
	}
	deliver(ans)
	return nil
}

// refused handles a non-2xx answer: a JSON-RPC error in the body reaches
// the client under its request's id; anything else becomes a StatusError.
func (s *streamable) refused(m *jsonrpc.Message, resp *http.Response, deliver func(*jsonrpc.Message)) error {
	body, _ := ReadBody(resp, 1<<20)
	rpc, _ := jsonrpc.Parse(body)
	isRPCError := rpc != nil && rpc.Kind == jsonrpc.KindResponse && rpc.ErrorValue != nil
	if s.fallbackFor(m, resp.StatusCode, isRPCError) {
		return fmt.Errorf("%w: %w", errOtherTransport, statusError(resp, body))
	}
	if m.Kind == jsonrpc.KindRequest && isRPCError {
		if string(rpc.ID) == "null" { // 4xx bodies carry errors without an id
			rpc = &jsonrpc.Message{Raw: rebindError(m.ID, rpc.ErrorValue), Kind: jsonrpc.KindResponse, ID: m.ID, ErrorValue: rpc.ErrorValue}
		}
		deliver(rpc)
		return nil
	}
	return statusError(resp, body)
}

// rebindError builds an error response for id around a raw error object.
func rebindError(id, errv []byte) []byte {
	out := make([]byte, 0, len(id)+len(errv)+32)
	out = append(out, `{"jsonrpc":"2.0","id":`...)
	out = append(out, id...)
	out = append(out, `,"error":`...)
	out = append(out, errv...)
	return append(out, '}')
}

// fallbackFor reports whether a refusal of m means "not a Streamable HTTP
// server": 400, 404 or 405 to the first initialize, without a modern
// JSON-RPC error in the body (2026-07-28 streamable-http §Backward
// Compatibility).
func (s *streamable) fallbackFor(m *jsonrpc.Message, status int, isRPCError bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.mayFallBack || s.succeeded || isRPCError || m.Method != "initialize" {
		return false
	}
	return OtherTransport(status)
}

func (s *streamable) markSucceeded() {
	s.mu.Lock()
	s.succeeded = true
	s.mu.Unlock()
}

// adoptSession takes the session id from the initialize answer.
func (s *streamable) adoptSession(id string) error {
	for i := 0; i < len(id); i++ { // visible ASCII only (§Session Management 1)
		if id[i] < 0x21 || id[i] > 0x7e {
			return errors.New("the server sent a session id with characters outside visible ASCII")
		}
	}
	s.mu.Lock()
	s.session = id
	s.gen++
	s.mu.Unlock()
	return nil
}

// watchInit wraps deliver to learn the negotiated protocol version from the
// initialize answer.
func (s *streamable) watchInit(init *jsonrpc.Message, deliver func(*jsonrpc.Message)) func(*jsonrpc.Message) {
	return func(ans *jsonrpc.Message) {
		if ans.Kind == jsonrpc.KindResponse && jsonrpc.IDKey(ans.ID) == jsonrpc.IDKey(init.ID) && ans.HasResult {
			if v, ok := jsonrpc.StringValue(jsonrpc.Field(ans.Flat().Result, "protocolVersion")); ok {
				s.mu.Lock()
				s.version = v
				s.mu.Unlock()
			}
		}
		deliver(ans)
	}
}

// readStream reads an SSE answer stream until m is answered, resuming it
// when it breaks first (resume.go). A listen stream (long) has no
// progress limit.
func (s *streamable) readStream(ctx context.Context, m *jsonrpc.Message, body io.Reader, deliver func(*jsonrpc.Message), long bool) error {
	clock := newAnswerClock(s.answerTimeout)
	if long {
		clock.limit = 0
	}
	clock.watch(body)
	deliver = clock.wrap(deliver)
	ev := newSSEReader(body).useBudget(ctx, s.http.mem)
	err := s.pump(ev, m, deliver)
	if resumable(m, ev, err) && ctx.Err() == nil {
		err = s.resumeAnswer(ctx, m, ev, clock, deliver, err)
	}
	switch {
	case errors.Is(err, errAnswered) || s.sink.Waiting(m.ID) == nil:
		return nil
	case err == nil || errors.Is(err, io.EOF):
		return fmt.Errorf("%w without answering this request", errStreamEnded)
	case errors.Is(err, errStreamBroke) || errors.Is(err, context.Canceled):
		return err
	}
	return fmt.Errorf("%w: %w", errStreamBroke, err)
}

// errStreamEnded and errStreamBroke end an answer stream that did not
// answer its request: a 2026-07-28 request is then lost (reissue.go).
var (
	errStreamEnded = errors.New("the server ended its answer stream")
	errStreamBroke = errors.New("the answer stream broke before the answer")
)

// errAnswered ends a pump once its request has its answer.
var errAnswered = errors.New("answered")

// pump delivers the stream's messages; it returns errAnswered once m (if a
// request) is answered, or the error that ended the stream.
func (s *streamable) pump(ev *sseReader, m *jsonrpc.Message, deliver func(*jsonrpc.Message)) error {
	for {
		e, err := ev.next()
		if err != nil {
			return err
		}
		if e.name != "message" || e.empty() {
			e.release()
			continue // priming events carry an id and no data
		}
		msg, perr := e.message()
		if perr != nil {
			e.release()
			s.log.Warn("the server sent an event that is not JSON-RPC; dropped", "error", perr)
			continue
		}
		ev.progressed()
		deliver(msg)
		e.release() // written out (or dropped): its bytes are free again
		if m != nil && msg.Kind == jsonrpc.KindResponse && jsonrpc.IDKey(msg.ID) == jsonrpc.IDKey(m.ID) {
			return errAnswered
		}
	}
}

// close ends the session with DELETE (§Session Management 5); a 405 means
// the server keeps sessions until they expire, which is fine.
func (s *streamable) close(ctx context.Context) {
	s.mu.Lock()
	session, version := s.session, s.version
	s.mu.Unlock()
	if session == "" {
		return
	}
	hdr := http.Header{HeaderSession: {session}}
	if version != "" {
		hdr.Set(HeaderProtocolVersion, version)
	}
	resp, err := s.http.do(ctx, http.MethodDelete, s.endpoint, nil, hdr)
	if err != nil {
		s.log.Debug("could not end the session", "error", err)
		return
	}
	discard(resp)
}

// StreamLost reports whether err is an answer stream that broke or ended
// before the answer: a request the bridge may send again.
func StreamLost(err error) bool {
	return errors.Is(err, errStreamBroke) || errors.Is(err, errStreamEnded)
}
