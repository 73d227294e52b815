package era

import (
	"testing"

	"github.com/mcpbridge/mcpbridge/bridge/inflight"
	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
)

// A notification a closed listen stream's reader still hands over is
// dropped: the client that unsubscribed was answered once the old stream
// was closed. One of an open stream, untagged, or tagged by another id
// goes on to the client.
func TestListenerDropsWhatClosedStreamsCarried(t *testing.T) {
	l := &listener{b: &Env{Calls: inflight.NewTable()}, streams: map[string]*listenStream{}}
	open := &listenStream{id: inflight.OwnID("listen")}
	l.streams[jsonrpc.IDKey(open.id)] = open
	closed := &listenStream{id: inflight.OwnID("listen")}
	l.streams[jsonrpc.IDKey(closed.id)] = closed
	l.close(closed) // as reopen closes the stream it replaced

	updated := func(meta string) *jsonrpc.Message {
		t.Helper()
		m, err := jsonrpc.Parse([]byte(`{"jsonrpc":"2.0","method":"notifications/resources/updated","params":{` + meta + `"uri":"test://counter"}}`))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	tagged := func(id []byte) string {
		return `"_meta":{"` + jsonrpc.MetaSubscriptionID + `":` + string(id) + `},`
	}
	for name, tc := range map[string]struct {
		m    *jsonrpc.Message
		drop bool
	}{
		"closed stream":   {updated(tagged(closed.id)), true},
		"open stream":     {updated(tagged(open.id)), false},
		"untagged":        {updated(""), false},
		"another id":      {updated(tagged([]byte(`"server-7"`))), false},
		"numeric another": {updated(tagged([]byte(`7`))), false},
	} {
		if got := l.notification(tc.m); got != tc.drop {
			t.Errorf("%s: handled (dropped) = %v, want %v", name, got, tc.drop)
		}
	}
}
