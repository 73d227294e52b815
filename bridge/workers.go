package bridge

import (
	"sync/atomic"
)

// maxIdleWorkers bounds the goroutines kept waiting for work: enough for
// a client's burst of requests in flight, small beside maxConns.
const maxIdleWorkers = 64

// workers runs the stdin reader and the jobs it routes (a request's
// exchange with the server, an answer's delivery) on goroutines that
// outlive one job. A new goroutine per message grew its stack to
// net/http's depth on every call: runtime.newstack and copystack were 9% of
// the bridge's CPU per call. run never blocks: with no worker idle it
// starts one.
type workers struct {
	jobs chan func() // unbuffered: a send succeeds only when a worker is idle
	idle atomic.Int32
	done <-chan struct{} // the bridge's end: idle workers exit
}

func newWorkers(done <-chan struct{}) *workers {
	return &workers{jobs: make(chan func()), done: done}
}

// run runs job on an idle worker, or on a new one.
func (w *workers) run(job func()) {
	select {
	case w.jobs <- job:
	default:
		go w.loop(job)
	}
}

func (w *workers) loop(job func()) {
	for {
		job()
		if w.idle.Add(1) > maxIdleWorkers {
			w.idle.Add(-1)
			return
		}
		select {
		case job = <-w.jobs:
			w.idle.Add(-1)
		case <-w.done:
			w.idle.Add(-1)
			return
		}
	}
}
