package bridge

import (
	"bytes"
	"strconv"
	"sync"
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
	b    *Bridge
	disc *discovery

	mu       sync.Mutex
	meta     [][2][]byte // _meta members every request gets
	logLevel []byte      // raw level string from logging/setLevel; nil before
	metaObj  []byte      // "_meta":{…} of meta and logLevel, for requests without _meta

	listen *listener
	rounds *roundTrips
}

func newUpgrade(b *Bridge, d *discovery) *upgrade {
	u := &upgrade{b: b, disc: d}
	u.setClient(nil)
	u.listen = newListener(b, u, d.capabilities)
	u.rounds = newRoundTrips(b)
	return u
}

// setClient records the client's initialize params (nil before any).
func (u *upgrade) setClient(params []byte) {
	caps, info := Field(params, "capabilities"), Field(params, "clientInfo")
	if caps == nil {
		caps = []byte("{}")
	}
	if info == nil {
		info = ownInfo(u.b.cfg.Version)
	}
	u.mu.Lock()
	u.meta = [][2][]byte{
		{[]byte(MetaProtocolVersion), []byte(`"` + modernVersion + `"`)},
		{[]byte(metaClientCapabilities), caps},
		{[]byte(metaClientInfo), info},
	}
	u.renderMeta()
	u.mu.Unlock()
}

// renderMeta prepares the _meta member once for all requests; u.mu is held.
func (u *upgrade) renderMeta() {
	ms := make([][]byte, 0, len(u.meta)+1)
	for _, kv := range u.meta {
		ms = append(ms, Member(kv[0], kv[1]))
	}
	if u.logLevel != nil {
		ms = append(ms, Member([]byte(metaLogLevel), u.logLevel))
	}
	u.metaObj = Member([]byte("_meta"), WrapObject(joinMembers(ms...)))
}

// metaMembers returns the _meta members for a request now.
func (u *upgrade) metaMembers() [][2][]byte {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := u.meta
	if u.logLevel != nil {
		out = append(append([][2][]byte(nil), u.meta...), [2][]byte{[]byte(metaLogLevel), u.logLevel})
	}
	return out
}

func (u *upgrade) fromClient(m *Message) (func(), bool) {
	switch m.Kind {
	case KindResponse:
		// Answers to the bridge's own requests never reach the server,
		// even late ones (after a cancellation or a failed round).
		return nil, u.rounds.answer(m) || bytes.HasPrefix(m.ID, []byte(`"mcpbridge-`))
	case KindNotification:
		return u.notification(m)
	}
	switch m.Method {
	case "initialize":
		u.initialize(m)
	case "ping":
		u.b.reply(resultResponse(m.ID, []byte("{}")))
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
func (u *upgrade) notification(m *Message) (func(), bool) {
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
func (u *upgrade) initialize(m *Message) {
	u.setClient(m.Params)
	version := legacyVersions[0]
	if v, ok := StringValue(Field(m.Params, "protocolVersion")); ok && isLegacyVersion(v) {
		version = v
	}
	caps := u.disc.capabilities
	if caps == nil {
		caps = []byte("{}")
	}
	info := u.disc.serverInfo
	if info == nil {
		info = []byte(`{"name":` + strconv.Quote(u.b.cfg.URL.Host) + `,"version":"unknown"}`)
	}
	res := []([]byte){
		Member([]byte("protocolVersion"), []byte(strconv.Quote(version))),
		Member([]byte("capabilities"), caps),
		Member([]byte("serverInfo"), info),
	}
	if u.disc.instructions != nil {
		res = append(res, Member([]byte("instructions"), u.disc.instructions))
	}
	u.b.reply(resultResponse(m.ID, WrapObject(joinMembers(res...))))
}

// setLevel keeps the client's log level for the requests that follow
// (2026-07-28: "Log level is now set per-request").
func (u *upgrade) setLevel(m *Message) {
	level := Field(m.Params, "level")
	if _, ok := StringValue(level); !ok {
		u.b.reply(ErrorResponse(m.ID, CodeInvalidParams, "Invalid params: level must be a string", nil))
		return
	}
	u.mu.Lock()
	u.logLevel = level
	u.renderMeta()
	u.mu.Unlock()
	u.b.reply(resultResponse(m.ID, []byte("{}")))
}

// outgoing gives a client message the _meta and headers of 2026-07-28.
func (u *upgrade) outgoing(m *Message) *Message {
	if m.Kind == KindNotification {
		m.Header = modernHeaders(modernVersion, m.Method)
		return m
	}
	var re *Message
	if obj := u.metaObject(); Field(m.Params, "_meta") == nil && len(m.Params) > 1 && m.Params[0] == '{' {
		// The usual case, in one copy: the client's params gain _meta.
		re = Reparse(m, InsertMember(m.Raw, m.Params, obj))
		re.Modern = modernVersion
	} else {
		re = WithMeta(m, u.metaMembers())
	}
	u.b.tools.annotate(re)
	return re
}

func (u *upgrade) metaObject() []byte {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.metaObj
}

func (u *upgrade) fromServer(m *Message) bool {
	switch m.Kind {
	case KindNotification:
		return u.listen.notification(m)
	case KindResponse:
		return u.rounds.result(m)
	}
	return false
}

func (u *upgrade) shutdown() { u.rounds.shutdown() }

// resultResponse builds a result answer for id.
func resultResponse(id, result []byte) []byte {
	out := make([]byte, 0, len(id)+len(result)+32)
	out = append(out, `{"jsonrpc":"2.0","id":`...)
	out = append(out, id...)
	out = append(out, `,"result":`...)
	out = append(out, result...)
	return append(out, '}')
}
