package era

import (
	"bytes"
	"strconv"
	"sync"

	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
)

// upgrade lets a legacy client (2025-11-25 and earlier) use a server that
// speaks 2026-07-28 (2026-07-28 changelog §Major changes):
//   - initialize is answered from server/discover, and
//     notifications/initialized goes no further;
//   - every request gets the _meta the client's initialize implied
//     (protocol version, client capabilities, client info, log level);
//   - ping is answered here; logging/setLevel is kept and sent per request;
//   - resources/subscribe and list-changed interest become a
//     subscriptions/listen stream (listen.go);
//   - an input_required result becomes the server-to-client requests the
//     client knows, and the request is retried with their answers (mrtr.go).
//
// Results pass as they are: resultType, ttlMs and cacheScope are members a
// legacy client ignores (Result allows any member).
type upgrade struct {
	b    *Env
	disc *Discovery

	mu       sync.Mutex
	meta     [][2][]byte // _meta members every request gets
	logLevel []byte      // raw level string from logging/setLevel; nil before
	metaObj  []byte      // "_meta":{…} of meta and logLevel, for requests without _meta

	listen *listener
	rounds *roundTrips
}

func newUpgrade(b *Env, d *Discovery) *upgrade {
	u := &upgrade{b: b, disc: d}
	u.setClient(nil)
	u.listen = newListener(b, u, d.Capabilities)
	u.rounds = newRoundTrips(b)
	return u
}

// setClient records the client's initialize params (nil before any).
func (u *upgrade) setClient(params []byte) {
	caps, info := jsonrpc.Field(params, "capabilities"), jsonrpc.Field(params, "clientInfo")
	if caps == nil {
		caps = []byte("{}")
	}
	if info == nil {
		info = ownInfo(u.b.Version)
	}
	u.mu.Lock()
	u.meta = [][2][]byte{
		{[]byte(jsonrpc.MetaProtocolVersion), []byte(`"` + ModernVersion + `"`)},
		{[]byte(jsonrpc.MetaClientCapabilities), caps},
		{[]byte(jsonrpc.MetaClientInfo), info},
	}
	u.renderMeta()
	u.mu.Unlock()
}

// renderMeta prepares the _meta member once for all requests; u.mu is held.
func (u *upgrade) renderMeta() {
	ms := make([][]byte, 0, len(u.meta)+1)
	for _, kv := range u.meta {
		ms = append(ms, jsonrpc.Member(kv[0], kv[1]))
	}
	if u.logLevel != nil {
		ms = append(ms, jsonrpc.Member([]byte(jsonrpc.MetaLogLevel), u.logLevel))
	}
	u.metaObj = jsonrpc.Member([]byte("_meta"), jsonrpc.WrapObject(jsonrpc.JoinMembers(ms...)))
}

// metaMembers returns the _meta members for a request now.
func (u *upgrade) metaMembers() [][2][]byte {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := u.meta
	if u.logLevel != nil {
		out = append(append([][2][]byte(nil), u.meta...), [2][]byte{[]byte(jsonrpc.MetaLogLevel), u.logLevel})
	}
	return out
}

func (u *upgrade) FromClient(m *jsonrpc.Message) (func(), bool) {
	switch m.Kind {
	case jsonrpc.KindResponse:
		// Answers to the bridge's own requests never reach the server,
		// even late ones (after a cancellation or a failed round).
		return nil, u.rounds.answer(m) || bytes.HasPrefix(m.ID, []byte(`"mcpbridge-`))
	case jsonrpc.KindNotification:
		return u.notification(m)
	}
	switch m.Method {
	case "initialize":
		u.initialize(m)
	case "ping":
		u.b.Reply(jsonrpc.ResultResponse(m.ID, []byte("{}")))
	case "logging/setLevel":
		u.setLevel(m)
	case "resources/subscribe", "resources/unsubscribe":
		return u.listen.change(m), true
	default:
		return nil, false
	}
	return nil, true
}

// notification handles the client notifications 2026-07-28 removed.
func (u *upgrade) notification(m *jsonrpc.Message) (func(), bool) {
	switch m.Method {
	case "notifications/initialized":
		return u.listen.start, true
	case "notifications/roots/list_changed":
		return nil, true // roots are asked for per request now
	case "notifications/cancelled":
		return nil, u.rounds.cancel(m)
	}
	return nil, false
}

// initialize answers the client's handshake from server/discover
// (2025-11-25 basic/lifecycle §Version Negotiation: the client's version
// when the bridge can serve it, else the newest legacy one).
func (u *upgrade) initialize(m *jsonrpc.Message) {
	u.setClient(m.Params)
	version := legacyVersions[0]
	if v, ok := jsonrpc.StringValue(jsonrpc.Field(m.Params, "protocolVersion")); ok && isLegacyVersion(v) {
		version = v
	}
	caps := u.disc.Capabilities
	if caps == nil {
		caps = []byte("{}")
	}
	info := u.disc.ServerInfo
	if info == nil {
		info = []byte(`{"name":` + strconv.Quote(u.b.Host) + `,"version":"unknown"}`)
	}
	res := []([]byte){
		jsonrpc.Member([]byte("protocolVersion"), []byte(strconv.Quote(version))),
		jsonrpc.Member([]byte("capabilities"), caps),
		jsonrpc.Member([]byte("serverInfo"), info),
	}
	if u.disc.Instructions != nil {
		res = append(res, jsonrpc.Member([]byte("instructions"), u.disc.Instructions))
	}
	u.b.Reply(jsonrpc.ResultResponse(m.ID, jsonrpc.WrapObject(jsonrpc.JoinMembers(res...))))
}

// setLevel keeps the client's log level for the requests that follow
// (2026-07-28: "Log level is now set per-request").
func (u *upgrade) setLevel(m *jsonrpc.Message) {
	level := jsonrpc.Field(m.Params, "level")
	if _, ok := jsonrpc.StringValue(level); !ok {
		u.b.Reply(jsonrpc.ErrorResponse(m.ID, jsonrpc.CodeInvalidParams, "Invalid params: level must be a string", nil))
		return
	}
	u.mu.Lock()
	u.logLevel = level
	u.renderMeta()
	u.mu.Unlock()
	u.b.Reply(jsonrpc.ResultResponse(m.ID, []byte("{}")))
}

// outgoing gives a client message the _meta and headers of 2026-07-28.
func (u *upgrade) Outgoing(m *jsonrpc.Message) *jsonrpc.Message {
	if m.Kind == jsonrpc.KindNotification {
		m.Header = modernHeaders(ModernVersion, m.Method)
		return m
	}
	var re *jsonrpc.Message
	if obj := u.metaObject(); jsonrpc.Field(m.Params, "_meta") == nil && len(m.Params) > 1 && m.Params[0] == '{' {
		// The usual case, in one copy: the client's params gain _meta.
		re = jsonrpc.Reparse(m, jsonrpc.InsertMember(m.Raw, m.Params, obj))
		re.Modern = ModernVersion
	} else {
		re = jsonrpc.WithMeta(m, u.metaMembers())
	}
	u.b.Catalog.Annotate(re)
	return re
}

func (u *upgrade) metaObject() []byte {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.metaObj
}

func (u *upgrade) FromServer(m *jsonrpc.Message) bool {
	switch m.Kind {
	case jsonrpc.KindNotification:
		return u.listen.notification(m)
	case jsonrpc.KindResponse:
		return u.rounds.result(m)
	}
	return false
}

func (u *upgrade) Shutdown() {
	u.rounds.shutdown()
	u.listen.shutdown()
}
