package bridge

import (
	"io"
	"os"
	"runtime"
)

// OwnProcess readies the process for one bridge on its own stdin and
// returns what to read the client from, with a function that undoes it at
// exit. A reader other than os.Stdin (a test's pipe, an embedding
// program's stream) is returned as it is and the process left alone.
//
// The pump is one stream of messages, and it is cheapest on one thread.
// When stdin is a pipe or a socket (what a host gives its stdio server;
// process_unix.go), it is read through the runtime's poller rather than
// with a blocking read(2), and the process runs on one P (GOMAXPROCS 1):
// a message's read, its POST, the answer and the write to stdout then run
// on one OS thread, which sleeps in one epoll_wait for stdin and every
// connection. With a blocking stdin the reader holds a thread in read(2)
// and a message wakes another thread. Measured with shared/bench's
// mcpbench in two sets of 8 and 12 paired runs: 6-9% less CPU per call
// and a 1-4% lower sequential p50; the pipelined rate and the start stayed
// within the noise. On one P a blocking stdin is slower, so a terminal, a
// file or a system without the poller keeps the runtime's default.
// GOMAXPROCS set in the environment wins.
func OwnProcess(in io.Reader) (io.Reader, func()) {
	if f, ok := in.(*os.File); !ok || f != os.Stdin {
		return in, func() {}
	}
	f, polled, restore := pollable(os.Stdin)
	if polled && os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1) // no-op after StartOnOneP
	}
	return f, restore
}

// StartOnOneP puts the process on one P at once when its stdin is what
// OwnProcess will poll (a pipe or a socket) and GOMAXPROCS is not set in
// the environment. cmd/mcpbridge calls it first in main, before the
// first goroutine of its own: the signal handling, the command line and
// the bridge's start then run on one P too, and the stop of the world the
// change takes finds none of mcpbridge's work to stop. Left to
// OwnProcess, the change stopped the world in the middle of the start
// (0.03-0.37 ms, median 0.23, in 12 starts), and the start before it
// woke threads for the second P: a start to the first answer took
// 0.26-0.35 ms longer (medians of 20-30 paired rounds of 11 starts, on
// the benchmark's machine). Every command is
// I/O-bound, so one P costs none of them: a command other than the
// bridge with its stdin piped just runs on one P.
func StartOnOneP() {
	if os.Getenv("GOMAXPROCS") == "" && pipeOrSocket(os.Stdin) {
		runtime.GOMAXPROCS(1)
	}
}
