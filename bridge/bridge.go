package bridge

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/mcpbridge/mcpbridge/bridge/era"
	"github.com/mcpbridge/mcpbridge/bridge/inflight"
	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
	"github.com/mcpbridge/mcpbridge/bridge/transport"
)

// Bridge pumps JSON-RPC messages between one stdio client and one remote
// server. Read a message's life in order: stdin.go (the line), this file
// (routing and the send), the transport's streamable.go (the POST and its
// answer), deliver.go (the answer's way back) and stdout.go.
type Bridge struct {
	cfg   Config
	log   *slog.Logger
	out   *outWriter
	calls *inflight.Table
	conn  *transport.Connector
	tools *era.Catalog
	gate  initGate
	order barrier
	eras  era.Switch
	env   *era.Env // what the era code works with (eras.go)

	ctx    context.Context // every exchange with the server; cancelled last
	cancel context.CancelFunc
	sent   *inflight.Scope   // b.ctx as a request's send sees it
	sends  inflight.Counter  // messages still being handed to the server
	work   *workers          // the goroutines jobs run on (workers.go)
	mem    *transport.Budget // bytes held for messages in flight (transport/budget.go)
}

// New prepares a bridge that writes the client's answers to stdout.
func New(cfg Config, stdout io.Writer) (*Bridge, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	b := &Bridge{cfg: cfg, log: cfg.Log, out: newOutWriter(stdout), calls: inflight.NewTable(), tools: era.NewCatalog(), mem: transport.NewBudget(cfg.MemoryPool)}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	b.sent = inflight.NewScope(b.ctx)
	b.work = newWorkers(b.ctx.Done())
	conn, err := transport.NewConnector(b.ctx, transport.Config{URL: cfg.URL, HTTPClient: cfg.HTTPClient, Mode: cfg.Transport,
		Header: cfg.Header, Auth: cfg.Auth, Log: cfg.Log, BodyTimeout: cfg.BodyTimeout, AnswerTimeout: cfg.AnswerTimeout,
		UserAgent: cfg.UserAgent, Memory: b.mem}, fromServer{b})
	if err != nil {
		b.cancel()
		return nil, err
	}
	b.conn = conn
	b.env = b.eraEnv()
	if cfg.Protocol == ProtocolLegacy {
		b.eras.PassThrough() // mcp-remote's --protocol legacy: no probe, no translation
	}
	return b, nil
}

// Run bridges stdin and stdout to the server in cfg until stdin ends or ctx
// is cancelled (SIGINT, SIGTERM), then shuts down cleanly.
func Run(ctx context.Context, cfg Config, stdin io.Reader, stdout io.Writer) error {
	b, err := New(cfg, stdout)
	if err != nil {
		return err
	}
	return b.Serve(ctx, stdin)
}

// Serve reads the client's messages from stdin until it ends or ctx is
// cancelled, then waits briefly for answers still due, ends the session and
// returns. A read error other than EOF is returned after the shutdown.
func (b *Bridge) Serve(ctx context.Context, stdin io.Reader) error {
	b.conn.Preconnect(b.ctx) // opening while the client's first line is read
	readErr := make(chan error, 1)
	b.startReading(newLineReader(stdin), readErr)
	if b.cfg.PingInterval > 0 {
		go b.keepAlive(b.cfg.PingInterval)
	}
	var err error
	select {
	case err = <-readErr:
	case <-ctx.Done():
	}
	b.shutdown()
	return err
}

// startReading runs the stdin reader on a worker. The reader is one
// closure, made once: it moves from worker to worker.
func (b *Bridge) startReading(lines *lineReader, done chan<- error) {
	var read func()
	read = func() { b.readLoop(lines, done, read) }
	b.work.run(read)
}

// readLoop handles stdin line by line and never blocks on the server. When
// a line gives a message to send, it hands reading (again) to another
// worker and sends the message itself: the message leaves at once, and the
// wake-up of the other worker happens beside it rather than before it. The
// loop that meets the end of stdin reports it on done.
func (b *Bridge) readLoop(lines *lineReader, done chan<- error, again func()) {
	for {
		hold := b.mem.Lease()
		line, err := lines.next(b.ctx, &hold)
		var long *tooLong
		switch {
		case errors.As(err, &long):
			hold.Release()
			b.log.Warn("the client sent a line too long to hold; answered with an error", "limit_mib", jsonrpc.MaxMessageBytes>>20)
			b.reply(jsonrpc.ErrorResponse(long.id, jsonrpc.CodeInvalidRequest, "mcpbridge: message dropped: "+err.Error(), nil))
			continue
		case errors.Is(err, io.EOF):
			hold.Release()
			done <- nil
			return
		case err != nil:
			hold.Release()
			done <- fmt.Errorf("read stdin: %w", err)
			return
		}
		job := b.handleLine(line)
		// The lease bounds the line while it is read and routed. It is not
		// kept while the job runs: a job may wait long (a tool call, a
		// request waiting on the client's own answer to a sampling request),
		// and stdin must never stall behind it, or the client's answer
		// could not be read.
		hold.Release()
		if job == nil {
			continue
		}
		// The job starts on this goroutine at once, and reading goes on
		// on another: stdin never waits for a job, and a job has begun
		// before the line after it is read.
		b.work.run(again)
		job()
		return
	}
}

// handleLine routes one line from the client. It returns the sending of
// the message, for the caller to run, or nil when nothing is to be sent now.
func (b *Bridge) handleLine(line []byte) (job func()) {
	if len(bytes.TrimSpace(line)) == 0 {
		return nil // blank lines carry no message
	}
	m, err := jsonrpc.Parse(line)
	if err != nil {
		b.reject(line, err)
		return nil
	}
	if job, held := b.hold(m); held {
		return job // the first message: learn the eras first (eras.go)
	}
	return b.route(m)
}

// route sends a client message on its way: to the translator when the
// client and the server speak different protocol eras, else to the server.
func (b *Bridge) route(m *jsonrpc.Message) (job func()) {
	xl := b.eras.Translator()
	if xl != nil {
		if job, handled := xl.FromClient(m); handled {
			return b.counted(job)
		}
	}
	switch m.Kind {
	case jsonrpc.KindRequest:
		return b.request(m, xl)
	case jsonrpc.KindNotification:
		m.ReadMeta()
		if xl != nil {
			m = xl.Outgoing(m)
		}
		return b.notification(m)
	default:
		return b.dispatch(m) // the client's answer to a server request
	}
}

// reject answers a line that is not a JSON-RPC message.
func (b *Bridge) reject(line []byte, err error) {
	var inv *jsonrpc.InvalidMessage
	switch {
	case errors.As(err, &inv) && jsonrpc.IsBatch(line):
		b.rejectBatch(line)
	case errors.As(err, &inv):
		b.log.Warn("invalid message from the client", "reason", inv.Reason)
		b.reply(jsonrpc.ErrorResponse(inv.ID, jsonrpc.CodeInvalidRequest, "Invalid Request: "+inv.Reason, nil))
	default:
		b.log.Warn("the client sent a line that is not JSON", "error", err)
		b.reply(jsonrpc.ErrorResponse(nil, jsonrpc.CodeParseError, "Parse error: "+err.Error(), nil))
	}
}

// request forwards a client request, unless the tool filter refuses it.
func (b *Bridge) request(m *jsonrpc.Message, xl era.Translator) (job func()) {
	if err := checkTool(b.cfg.Tools, m); err != nil {
		b.reply(jsonrpc.ErrorResponse(m.ID, jsonrpc.CodeInternalError, err.Error(), nil))
		return nil
	}
	if xl != nil {
		m = xl.Outgoing(m)
	} else {
		b.tools.Annotate(m)
	}
	c := &inflight.Call{ID: m.ID, Method: m.Method, Req: m}
	if !b.calls.Add(c) {
		b.reply(jsonrpc.ErrorResponse(m.ID, jsonrpc.CodeInvalidRequest, "Invalid Request: a request with this id is still in flight", nil))
		return nil
	}
	return b.dispatch(m)
}

// notification forwards a client notification; a cancellation also aborts
// the cancelled request's exchange once the server has been told.
func (b *Bridge) notification(m *jsonrpc.Message) (job func()) {
	if m.Method == "notifications/cancelled" {
		if id := jsonrpc.Field(m.Params, "requestId"); id != nil {
			if c := b.calls.TakeClient(id); c != nil {
				if c.Wire != nil { // the server knows the request by another id
					m = jsonrpc.WithParams(m, [][2][]byte{{[]byte("requestId"), c.Wire}})
				}
				return b.dispatchThen(m, c.Abort)
			}
		}
	}
	return b.dispatch(m)
}

// counted makes job part of the work shutdown waits for (a translator's
// job may answer the client last, as a subscribe does).
func (b *Bridge) counted(job func()) func() {
	if job == nil {
		return nil
	}
	b.sends.Add()
	return func() {
		defer b.sends.Done()
		job()
	}
}

// dispatch prepares the sending of m, or holds it behind a pending
// initialize (and returns nil).
func (b *Bridge) dispatch(m *jsonrpc.Message) (job func()) { return b.dispatchThen(m, nil) }

// dispatchThen is dispatch with a function to run once m has been sent.
func (b *Bridge) dispatchThen(m *jsonrpc.Message, after func()) (job func()) {
	if b.gate.hold(m, after) {
		return nil
	}
	if m.Kind == jsonrpc.KindRequest && m.Method == "initialize" && m.Modern == "" {
		b.gate.close()
		return b.sendJob(m, b.releaseGate)
	}
	return b.sendJob(m, after)
}

// releaseGate sends the messages held during initialize, in order:
// notifications (notifications/initialized first of all) synchronously, so
// the server has them before the requests behind them.
func (b *Bridge) releaseGate() {
	for {
		h, ok := b.gate.pop()
		if !ok {
			return
		}
		if h.m.Kind == jsonrpc.KindRequest && h.m.Method != "initialize" {
			b.work.run(b.sendJob(h.m, h.after))
			continue
		}
		b.sends.Add()
		b.send(h.m, nil)
		if h.after != nil {
			h.after()
		}
		b.sends.Done()
	}
}

// sendJob takes m's place in the order of messages now and returns the
// work of sending it and then running after, for the caller to run (on a
// goroutine of its own, as nothing may wait for it).
func (b *Bridge) sendJob(m *jsonrpc.Message, after func()) func() {
	b.sends.Add()
	wait, lift := b.order.enter(m)
	return func() {
		defer b.sends.Done()
		b.send(m, wait)
		lift()
		if after != nil {
			after()
		}
	}
}

// send hands one message to the server and, for a request, makes sure the
// client hears exactly one answer.
func (b *Bridge) send(m *jsonrpc.Message, after <-chan struct{}) {
	if after != nil {
		select { // the notification before m goes first
		case <-after:
		case <-b.ctx.Done():
		}
	}
	ctx := b.ctx
	if m.Kind == jsonrpc.KindRequest {
		c := b.calls.Peek(m.ID)
		if c == nil {
			return // cancelled before it left
		}
		sc := b.sent.Start()
		defer b.sent.Finish(sc)
		c.Carry(sc)
		ctx = sc
	}
	err := b.conn.RoundTrip(ctx, m)
	if m.Kind == jsonrpc.KindRequest {
		if err != nil && m.Modern != "" {
			m, err = era.Reissue(b.env, ctx, m, err, b.conn.RoundTrip)
		}
		b.settle(m, err)
	} else if err != nil {
		b.log.Warn("could not deliver a message to the server", "method", m.Method, "error", err)
	}
}

var errUnanswered = errors.New("the server ended its answer stream without answering this request")

// settle answers a request that the server left unanswered.
func (b *Bridge) settle(m *jsonrpc.Message, err error) {
	c := b.calls.Take(m.ID)
	if c == nil {
		return // answered, or cancelled by the client: the usual case
	}
	if err == nil {
		err = errUnanswered
	}
	if c.Internal {
		c.Answered(nil, err)
		return
	}
	b.log.Warn("request failed", "method", m.Method, "error", err)
	b.reply(jsonrpc.ErrorFor(c.ID, err))
}

// shutdown lets answers still due arrive (within the grace period), answers
// the rest with an error, ends the session and stops every exchange.
func (b *Bridge) shutdown() {
	deadline, cancel := context.WithTimeout(context.Background(), b.cfg.ShutdownGrace)
	defer cancel()
	select { // messages held while the eras are learned go out first
	case <-b.eras.Idle():
	case <-deadline.Done():
		b.abandonHeld(errors.New("shutting down before the server answered"))
	}
	if xl := b.eras.Translator(); xl != nil {
		xl.Shutdown()
	}
	select {
	case <-b.calls.Drained():
	case <-deadline.Done():
	}
	for _, c := range b.calls.All() {
		if b.calls.Take(b.calls.WireID(c)) == nil {
			continue
		}
		c.Abort()
		if c.Internal {
			c.Answered(nil, inflight.ErrShuttingDown)
		} else {
			b.reply(jsonrpc.ErrorResponse(c.ID, jsonrpc.CodeServerError, "mcpbridge: shutting down before the server answered", nil))
		}
	}
	select {
	case <-b.sends.Zero():
	case <-deadline.Done():
	}
	ctx, stop := context.WithTimeout(context.Background(), time.Second)
	defer stop()
	b.conn.Close(ctx)
	b.cancel()
}
