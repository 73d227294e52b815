package era

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

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

// silentServer is a pump whose server takes every listen request and
// never acknowledges one; it keeps what the listener sends and replies.
type silentServer struct {
	mu      sync.Mutex
	sent    []*jsonrpc.Message
	replies []string
}

func (p *silentServer) Reply(msg []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.replies = append(p.replies, string(msg))
}

func (p *silentServer) Send(m *jsonrpc.Message) func() {
	return func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.sent = append(p.sent, m)
	}
}

func (p *silentServer) counts() (sent, replies int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.sent), len(p.replies)
}

func (*silentServer) ReplyMsg(*jsonrpc.Message) {}
func (*silentServer) ToClient(*jsonrpc.Message) {}
func (*silentServer) Ask(context.Context, *jsonrpc.Message) (*jsonrpc.Message, error) {
	return nil, errors.New("not asked in this test")
}
func (*silentServer) Tell(context.Context, *jsonrpc.Message) error { return nil }
func (*silentServer) Forward(*jsonrpc.Message) func()              { return nil }
func (*silentServer) SigningIn() bool                              { return false }

// Two subscription changes at once, neither stream acknowledged: the
// second waits for the first, which fails at the acknowledgment timeout,
// and then sends its own request and fails one timeout later. The second
// change's wait is durable for testing/synctest: behind a sync.Mutex the
// bubble's clock never moved again, and the test hung (as the bridge
// package's TestEraUpgradeSubscribeNeverAcknowledged did, rarely, when
// the client's initialized notification started the listener while its
// subscribe's change was waiting). Shutdown answers a change still
// waiting behind another at once.
func TestListenerChangesWaitInTurn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const ack = time.Second
		p := &silentServer{}
		env := &Env{Pump: p, Calls: inflight.NewTable(), Catalog: NewCatalog(), Ctx: t.Context(),
			Log: slog.New(slog.DiscardHandler), AckTimeout: ack}
		l := newListener(env, &upgrade{}, []byte(`{"resources":{"subscribe":true}}`))
		subscribe := func(id, uri string) func() {
			m, err := jsonrpc.Parse([]byte(`{"jsonrpc":"2.0","id":` + id + `,"method":"resources/subscribe","params":{"uri":"` + uri + `"}}`))
			if err != nil {
				t.Fatal(err)
			}
			return l.change(m)
		}
		begin := time.Now()
		go subscribe("1", "file:///a")()
		synctest.Wait() // the first change waits for its acknowledgment
		go subscribe("2", "file:///b")()
		synctest.Wait() // the second waits behind it
		if sent, replies := p.counts(); sent != 1 || replies != 0 {
			t.Fatalf("while the first change waits: %d listen requests, %d replies; want 1 and 0", sent, replies)
		}
		time.Sleep(ack)
		synctest.Wait()
		if sent, replies := p.counts(); sent != 2 || replies != 1 {
			t.Fatalf("after one timeout (%v): %d listen requests, %d replies; want 2 and 1", time.Since(begin), sent, replies)
		}
		time.Sleep(ack)
		synctest.Wait()
		if sent, replies := p.counts(); sent != 2 || replies != 2 {
			t.Fatalf("after two timeouts: %d listen requests, %d replies; want 2 and 2", sent, replies)
		}
		for _, r := range p.replies {
			if !strings.Contains(r, "no acknowledgment within 1s") {
				t.Errorf("reply %s, want the acknowledgment timeout", r)
			}
		}

		// Shutdown: a change behind one that waits is answered at once.
		go subscribe("3", "file:///c")()
		synctest.Wait()
		go subscribe("4", "file:///d")()
		synctest.Wait()
		l.shutdown()
		synctest.Wait()
		if _, replies := p.counts(); replies != 4 || time.Since(begin) != 2*ack {
			t.Errorf("after shutdown: %d replies at %v, want 4 at once (%v)", replies, time.Since(begin), 2*ack)
		}
	})
}
