package httpclient

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// Preconnect starts opening a connection to u's origin (TCP, and TLS for
// https) for the first request c makes there, and returns at once. A
// bridge calls it when it starts: the host has just spawned it and its
// first message is on the way, and the connection's round trips (a TLS
// handshake: two across the internet) then overlap with reading that
// message, the era probe's preparation and the keychain's answer, instead
// of following them. A request that finds the connection still opening
// waits for it rather than dialling a second one, and takes its failure
// as its own. Nothing happens through a proxy (net/http's Transport, which
// has no such call), when u's origin has a connection already, or when u
// is not one h1 carries; a connection that is never used is closed with
// the others. ctx bounds the attempt (the bridge's life), as the connect
// and handshake timeouts do.
func Preconnect(ctx context.Context, c *http.Client, u *url.URL) {
	a, ok := c.Transport.(agent)
	if !ok {
		return
	}
	if t, ok := a.base.(*h1); ok {
		t.preconnect(ctx, u)
	}
}

// warmup is a connection Preconnect is opening: done is closed once it is
// in the pool's idle list, or has failed with err.
type warmup struct {
	done chan struct{}
	err  error // written before done is closed
}

// warmingUp returns the connection being opened for p; nil when none.
func (p *h1pool) warmingUp() *warmup {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.warming
}

func (t *h1) preconnect(ctx context.Context, u *url.URL) {
	o, err := t.origin(u)
	if err != nil {
		return // the first request reports it
	}
	p := o.pool
	select {
	case p.slots <- struct{}{}:
	default:
		return
	}
	w := &warmup{done: make(chan struct{})}
	p.mu.Lock()
	busy := p.warming != nil || len(p.idle) > 0
	if !busy {
		p.warming = w
	}
	p.mu.Unlock()
	if busy {
		<-p.slots
		return
	}
	go t.warm(ctx, p, o, w)
}

// warm opens the connection and puts it in p, as a request would leave it.
func (t *h1) warm(ctx context.Context, p *h1pool, o *origin, w *warmup) {
	c, err := t.connect(ctx, o.scheme, o.addr)
	if err != nil {
		<-p.slots
		w.err = err
	} else {
		c.pool = p
		c.expires = time.Now().Add(idleFor)
		p.put(c)
	}
	p.mu.Lock()
	p.warming = nil
	p.mu.Unlock()
	close(w.done)
}
