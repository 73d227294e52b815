package era

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/mcpbridge/mcpbridge/bridge/inflight"
	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
)

// downgrade lets a 2026-07-28 client use a server that speaks only a
// legacy version, where that is well defined:
//   - the bridge runs the initialize handshake on the client's behalf, with
//     the capabilities and identity of the client's first request's _meta,
//     and answers server/discover from its result;
//   - requests go out in the session, without the 2026-07-28 headers and
//     _meta members;
//   - a _meta log level becomes logging/setLevel when it changes;
//   - subscriptions/listen becomes resources/subscribe for its resources
//     plus a filter on the session's notifications, which reach the client
//     tagged with the subscription id (basic/patterns/subscriptions).
//
// A server-to-client request on the answer stream of a tools/call,
// prompts/get or resources/read becomes a multi round-trip result
// (reverse.go); anywhere else it has no 2026-07-28 counterpart, and the
// server gets a JSON-RPC error naming the reason.
type downgrade struct {
	b            *Env
	capabilities []byte
	serverInfo   []byte
	instructions []byte
	subscribe    bool

	parked *parkedCalls

	mu         sync.Mutex
	level      string                   // the log level asked of the session
	levelReady chan struct{}            // closed once the session was asked
	listens    map[string]*clientListen // by the listen request's id
	subs       map[string]int           // resource uri → listens that want it
}

// clientListen is one subscriptions/listen request of the client's.
type clientListen struct {
	id    []byte
	kinds map[string]bool // notification methods it opted into
	uris  map[string]bool
}

// newDowngrade runs the handshake for the client whose first message is
// first.
func newDowngrade(b *Env, first *jsonrpc.Message) (*downgrade, error) {
	d := &downgrade{b: b, listens: map[string]*clientListen{}, subs: map[string]int{}, parked: newParkedCalls(b)}
	meta := jsonrpc.Field(first.Params, "_meta")
	caps, info := jsonrpc.Field(meta, jsonrpc.MetaClientCapabilities), jsonrpc.Field(meta, jsonrpc.MetaClientInfo)
	if caps == nil {
		caps = []byte("{}")
	}
	if info == nil {
		info = ownInfo(d.b.Version)
	}
	params := jsonrpc.WrapObject(jsonrpc.JoinMembers(
		jsonrpc.Member([]byte("protocolVersion"), []byte(strconv.Quote(legacyVersions[0]))),
		jsonrpc.Member([]byte("capabilities"), caps),
		jsonrpc.Member([]byte("clientInfo"), info),
	))
	ans, err := b.Ask(b.Ctx, jsonrpc.NewRequest(inflight.OwnID("initialize"), "initialize", params))
	if err != nil {
		return nil, fmt.Errorf("initialize on the client's behalf: %w", err)
	}
	if f := jsonrpc.Failure(ans); f != nil {
		return nil, fmt.Errorf("the server refused the initialize sent on the client's behalf: %w", f)
	}
	res := ans.Flat().Result
	d.capabilities, d.serverInfo, d.instructions = jsonrpc.Field(res, "capabilities"), jsonrpc.Field(res, "serverInfo"), jsonrpc.Field(res, "instructions")
	d.subscribe = string(jsonrpc.Field(jsonrpc.Field(d.capabilities, "resources"), "subscribe")) == "true"
	if err := b.Tell(b.Ctx, &jsonrpc.Message{Raw: jsonrpc.NewNotification("notifications/initialized", nil), Kind: jsonrpc.KindNotification, Method: "notifications/initialized"}); err != nil {
		return nil, fmt.Errorf("notifications/initialized: %w", err)
	}
	return d, nil
}

func (d *downgrade) FromClient(m *jsonrpc.Message) (func(), bool) {
	switch {
	case m.Kind == jsonrpc.KindNotification && m.Method == "notifications/cancelled":
		return nil, d.endListen(jsonrpc.Field(m.Params, "requestId"))
	case m.Kind != jsonrpc.KindRequest:
		return nil, false
	}
	if d.parked.retry(m) {
		return nil, true
	}
	switch m.Method {
	case "server/discover":
		d.b.Reply(jsonrpc.ResultResponse(m.ID, d.discoverResult()))
		return nil, true
	case "subscriptions/listen":
		return func() { d.listen(m) }, true
	}
	if wait := d.levelFor(m); wait != nil {
		return func() {
			wait()
			if job := d.b.Forward(m); job != nil {
				job()
			}
		}, true
	}
	return nil, false
}

// discoverResult renders the DiscoverResult of the server's initialize.
func (d *downgrade) discoverResult() []byte {
	caps, info := d.capabilities, d.serverInfo
	if caps == nil {
		caps = []byte("{}")
	}
	ms := [][]byte{
		jsonrpc.Member([]byte("resultType"), []byte(`"complete"`)),
		jsonrpc.Member([]byte("supportedVersions"), []byte(`["`+ModernVersion+`"]`)),
		jsonrpc.Member([]byte("capabilities"), caps),
	}
	if info != nil {
		ms = append(ms, jsonrpc.Member([]byte("_meta"), jsonrpc.WrapObject(jsonrpc.Member([]byte(jsonrpc.MetaServerInfo), info))))
	}
	if d.instructions != nil {
		ms = append(ms, jsonrpc.Member([]byte("instructions"), d.instructions))
	}
	ms = append(ms, jsonrpc.Member([]byte("ttlMs"), []byte("0")), jsonrpc.Member([]byte("cacheScope"), []byte(`"private"`)))
	return jsonrpc.WrapObject(jsonrpc.JoinMembers(ms...))
}

// levelFor returns what a request with a _meta log level waits for before
// it goes: the logging/setLevel that gives the session that level, sent
// once however many requests ask for it; nil when the session has it.
func (d *downgrade) levelFor(m *jsonrpc.Message) func() {
	level, ok := jsonrpc.StringValue(jsonrpc.Field(jsonrpc.Field(m.Params, "_meta"), jsonrpc.MetaLogLevel))
	if !ok {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if level == d.level {
		ready := d.levelReady
		select {
		case <-ready:
			return nil
		default:
			return func() { <-ready }
		}
	}
	ready := make(chan struct{})
	d.level, d.levelReady = level, ready
	return func() {
		d.setLevel(level)
		close(ready)
	}
}

func (d *downgrade) setLevel(level string) {
	params := jsonrpc.WrapObject(jsonrpc.Member([]byte("level"), []byte(strconv.Quote(level))))
	ans, err := d.b.Ask(d.b.Ctx, jsonrpc.NewRequest(inflight.OwnID("setlevel"), "logging/setLevel", params))
	if err == nil {
		if f := jsonrpc.Failure(ans); f != nil {
			err = f
		}
	}
	if err != nil {
		d.b.Log.Warn("the server did not take the log level", "level", level, "error", err)
	}
}

// outgoing sends a client message in the legacy session: without the
// 2026-07-28 _meta members (legacy servers may refuse a request that names
// a protocol version there, as the Go SDK's does) and headers, and with no
// way around the initialize gate.
func (d *downgrade) Outgoing(m *jsonrpc.Message) *jsonrpc.Message {
	re := jsonrpc.WithoutMeta(m, "io.modelcontextprotocol/")
	re.Modern, re.Header = "", nil
	return re
}

func (d *downgrade) FromServer(m *jsonrpc.Message) bool {
	switch m.Kind {
	case jsonrpc.KindRequest:
		if !d.parked.serverRequest(m) {
			d.refuseRequest(m)
		}
		return true
	case jsonrpc.KindNotification:
		return d.notification(m)
	case jsonrpc.KindResponse:
		return d.result(m)
	}
	return false
}

// cacheable lists the results 2026-07-28 gives ttlMs and cacheScope
// (server/utilities/caching: CacheableResult).
func cacheable(method string) bool {
	switch method {
	case "tools/list", "prompts/list", "resources/list", "resources/read", "resources/templates/list":
		return true
	}
	return false
}

// result completes a legacy result with the members 2026-07-28 requires:
// resultType (clients "MUST treat results from earlier-protocol servers
// that omit the field as complete", but strict ones refuse them), and
// ttlMs 0 with cacheScope private where the result is cacheable: fresh
// each time, and never shared.
func (d *downgrade) result(m *jsonrpc.Message) bool {
	c := d.b.Calls.Peek(m.ID)
	if c == nil || c.Internal || !m.HasResult {
		return false
	}
	f := m.Flat()
	if len(f.Result) < 2 || f.Result[0] != '{' {
		return false
	}
	var add [][]byte
	if jsonrpc.Field(f.Result, "resultType") == nil {
		add = append(add, jsonrpc.Member([]byte("resultType"), []byte(`"complete"`)))
	}
	if cacheable(c.Method) && jsonrpc.Field(f.Result, "ttlMs") == nil {
		add = append(add, jsonrpc.Member([]byte("ttlMs"), []byte("0")), jsonrpc.Member([]byte("cacheScope"), []byte(`"private"`)))
	}
	if len(add) == 0 {
		return false
	}
	re, err := jsonrpc.Parse(jsonrpc.InsertMember(f.Raw, f.Result, jsonrpc.JoinMembers(add...)))
	if err != nil {
		return false
	}
	d.b.ToClient(re)
	return true
}

// refuseRequest answers a server-to-client request the client cannot get.
func (d *downgrade) refuseRequest(m *jsonrpc.Message) {
	d.b.Log.Warn("the server sent a request a 2026-07-28 client cannot receive", "method", m.Method)
	msg := "mcpbridge: the client speaks MCP " + ModernVersion + ", where a server asks for " + m.Method +
		" inside a multi round-trip result; the bridge cannot pass this request on"
	ans, err := jsonrpc.Parse(jsonrpc.ErrorResponse(m.ID, jsonrpc.CodeMethodNotFound, msg, nil))
	if err != nil {
		return
	}
	go d.b.Send(ans)()
}

// changeKinds maps the list-changed notifications to their filter fields.
var changeKinds = map[string]string{
	"notifications/tools/list_changed":     "toolsListChanged",
	"notifications/prompts/list_changed":   "promptsListChanged",
	"notifications/resources/list_changed": "resourcesListChanged",
}

// notification routes the session's change notifications to the listens
// that opted into them; request-scoped ones (progress, message) pass.
func (d *downgrade) notification(m *jsonrpc.Message) bool {
	kind, isChange := changeKinds[m.Method]
	var uri string
	if m.Method == "notifications/resources/updated" {
		uri, _ = jsonrpc.StringValue(jsonrpc.Field(m.Params, "uri"))
		isChange, kind = true, ""
	}
	if !isChange {
		return false
	}
	d.mu.Lock()
	var ids [][]byte
	for _, l := range d.listens {
		if (kind != "" && l.kinds[kind]) || (kind == "" && l.uris[uri]) {
			ids = append(ids, l.id)
		}
	}
	d.mu.Unlock()
	for _, id := range ids {
		tagged := jsonrpc.WithMeta(m.Flat(), [][2][]byte{{[]byte(jsonrpc.MetaSubscriptionID), id}})
		d.b.ReplyMsg(tagged)
	}
	return true
}

// listen opens a client subscription: the resources it names are
// subscribed to in the session, and the acknowledgment lists what the
// server can honour.
func (d *downgrade) listen(m *jsonrpc.Message) {
	filter := jsonrpc.Field(m.Params, "notifications")
	l := &clientListen{id: m.ID, kinds: map[string]bool{}, uris: map[string]bool{}}
	var honoured [][]byte
	for _, k := range []struct{ capability, filter string }{
		{"tools", "toolsListChanged"}, {"prompts", "promptsListChanged"}, {"resources", "resourcesListChanged"},
	} {
		if string(jsonrpc.Field(filter, k.filter)) == "true" && string(jsonrpc.Field(jsonrpc.Field(d.capabilities, k.capability), "listChanged")) == "true" {
			l.kinds[k.filter] = true
			honoured = append(honoured, jsonrpc.Member([]byte(k.filter), []byte("true")))
		}
	}
	var uris [][]byte
	if d.subscribe {
		for _, u := range stringList(jsonrpc.Field(filter, "resourceSubscriptions")) {
			if err := d.subscribeTo(u); err != nil {
				d.b.Log.Warn("the server refused a resource subscription", "error", err)
				continue
			}
			l.uris[u] = true
			uris = append(uris, []byte(strconv.Quote(u)))
		}
	}
	if uris != nil {
		honoured = append(honoured, jsonrpc.Member([]byte("resourceSubscriptions"), jsonrpc.JoinArray(uris)))
	}
	d.mu.Lock()
	if _, dup := d.listens[jsonrpc.IDKey(m.ID)]; dup {
		d.mu.Unlock()
		d.b.Reply(jsonrpc.ErrorResponse(m.ID, jsonrpc.CodeInvalidRequest, "Invalid Request: a subscription with this id is open", nil))
		return
	}
	d.listens[jsonrpc.IDKey(m.ID)] = l
	d.mu.Unlock()
	params := jsonrpc.WrapObject(jsonrpc.JoinMembers(
		jsonrpc.Member([]byte("_meta"), jsonrpc.WrapObject(jsonrpc.Member([]byte(jsonrpc.MetaSubscriptionID), m.ID))),
		jsonrpc.Member([]byte("notifications"), jsonrpc.WrapObject(jsonrpc.JoinMembers(honoured...))),
	))
	d.b.Reply(jsonrpc.NewNotification("notifications/subscriptions/acknowledged", params))
}

// shutdown ends the client's subscriptions gracefully: each listen request
// gets its completion result (basic/patterns/subscriptions §Graceful
// Closure).
func (d *downgrade) Shutdown() {
	d.mu.Lock()
	listens := d.listens
	d.listens = map[string]*clientListen{}
	d.mu.Unlock()
	for _, l := range listens {
		res := jsonrpc.WrapObject(jsonrpc.JoinMembers(
			jsonrpc.Member([]byte("resultType"), []byte(`"complete"`)),
			jsonrpc.Member([]byte("_meta"), jsonrpc.WrapObject(jsonrpc.Member([]byte(jsonrpc.MetaSubscriptionID), l.id))),
		))
		d.b.Reply(jsonrpc.ResultResponse(l.id, res))
	}
}

// subscribeTo subscribes the session to uri once, however many listens
// want it.
func (d *downgrade) subscribeTo(uri string) error {
	d.mu.Lock()
	d.subs[uri]++
	first := d.subs[uri] == 1
	d.mu.Unlock()
	if !first {
		return nil
	}
	return d.resourceRequest("resources/subscribe", uri)
}

// endListen closes the client's subscription id (its cancellation).
func (d *downgrade) endListen(id []byte) bool {
	d.mu.Lock()
	l := d.listens[jsonrpc.IDKey(id)]
	delete(d.listens, jsonrpc.IDKey(id))
	var drop []string
	if l != nil {
		for u := range l.uris {
			if d.subs[u]--; d.subs[u] == 0 {
				delete(d.subs, u)
				drop = append(drop, u)
			}
		}
	}
	d.mu.Unlock()
	if l == nil {
		return false
	}
	go func() {
		for _, u := range drop {
			if err := d.resourceRequest("resources/unsubscribe", u); err != nil {
				d.b.Log.Debug("resources/unsubscribe failed", "error", err)
			}
		}
	}()
	return true
}

func (d *downgrade) resourceRequest(method, uri string) error {
	params := jsonrpc.WrapObject(jsonrpc.Member([]byte("uri"), []byte(strconv.Quote(uri))))
	ctx, cancel := context.WithTimeout(d.b.Ctx, d.b.AckTimeout)
	defer cancel()
	ans, err := d.b.Ask(ctx, jsonrpc.NewRequest(inflight.OwnID("subscribe"), method, params))
	if err != nil {
		return err
	}
	if f := jsonrpc.Failure(ans); f != nil {
		return errors.New(f.Message)
	}
	return nil
}
