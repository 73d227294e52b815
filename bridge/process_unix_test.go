//go:build unix

package bridge

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func nonblocking(t *testing.T, fd int) bool {
	t.Helper()
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		t.Fatalf("F_GETFL: %v", err)
	}
	return flags&unix.O_NONBLOCK != 0
}

// A blocking pipe, what a host hands its stdio server, is read through
// the poller afterwards (a read deadline works only there) and put back
// in blocking mode by restore.
func TestPollableTakesABlockingPipe(t *testing.T) {
	var fds [2]int
	if err := unix.Pipe(fds[:]); err != nil {
		t.Fatal(err)
	}
	r, w := os.NewFile(uintptr(fds[0]), "stdin"), os.NewFile(uintptr(fds[1]), "host")
	defer w.Close()
	if err := r.SetReadDeadline(time.Now()); err == nil {
		t.Fatal("a blocking pipe took a read deadline: the test's premise is wrong")
	}
	f, polled, restore := pollable(r)
	defer f.Close()
	if !polled || f == r {
		t.Fatalf("pollable = (same file %v, polled %v), want a new polled file", f == r, polled)
	}
	if _, err := w.WriteString("{}\n"); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 8)
	if n, err := f.Read(buf); err != nil || string(buf[:n]) != "{}\n" {
		t.Fatalf("Read = %q, %v", buf[:n], err)
	}
	if err := f.SetReadDeadline(time.Now().Add(-time.Second)); err != nil {
		t.Fatalf("SetReadDeadline on the polled pipe: %v", err)
	}
	if _, err := f.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read past the deadline = %v, want os.ErrDeadlineExceeded (the poller's)", err)
	}
	restore()
	if nonblocking(t, fds[0]) {
		t.Error("restore left the pipe non-blocking")
	}
}

func TestPollableTakesASocket(t *testing.T) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[1])
	f, polled, restore := pollable(os.NewFile(uintptr(fds[0]), "stdin"))
	defer f.Close()
	if !polled || !nonblocking(t, fds[0]) {
		t.Fatalf("socket: polled %v, non-blocking %v; want both", polled, nonblocking(t, fds[0]))
	}
	restore()
	if nonblocking(t, fds[0]) {
		t.Error("restore left the socket non-blocking")
	}
}

// A file is no pipe: left as it is, and so is a pipe the os package
// already polls (os.Pipe's), whose mode restore must not change.
func TestPollableLeavesFilesAndPolledPipes(t *testing.T) {
	file, err := os.Create(filepath.Join(t.TempDir(), "in"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	if f, polled, _ := pollable(file); f != file || polled {
		t.Errorf("regular file: same %v, polled %v; want the same file, not polled", f == file, polled)
	}
	if nonblocking(t, int(file.Fd())) {
		t.Error("the regular file was made non-blocking")
	}

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	f, polled, restore := pollable(r)
	restore()
	if f != r || !polled {
		t.Errorf("polled pipe: same %v, polled %v; want the same file, polled", f == r, polled)
	}
	if err := r.SetReadDeadline(time.Now().Add(time.Minute)); err != nil {
		t.Errorf("restore took the os package's pipe out of the poller: %v", err)
	}
}

// Only the process's own stdin changes the process: the pump run over any
// other reader (tests, an embedding program) leaves GOMAXPROCS alone.
func TestOwnProcessLeavesOtherReaders(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	in := strings.NewReader("{}\n")
	got, restore := OwnProcess(in)
	restore()
	if got != in {
		t.Error("OwnProcess replaced a reader that is not os.Stdin")
	}
	if after := runtime.GOMAXPROCS(0); after != before {
		t.Errorf("GOMAXPROCS %d -> %d for a reader that is not os.Stdin", before, after)
	}
}

// StartOnOneP puts the process on one P for a piped stdin, what a host
// gives its stdio server, and leaves it alone for a file or when the
// environment sets GOMAXPROCS.
func TestStartOnOnePOnlyForAPipedStdin(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	stdin := os.Stdin
	t.Cleanup(func() { os.Stdin = stdin; runtime.GOMAXPROCS(before) })
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	file, err := os.Create(filepath.Join(t.TempDir(), "in"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	for _, c := range []struct {
		name  string
		stdin *os.File
		env   string
		want  int
	}{
		{"a file", file, "", 2},
		{"a pipe, GOMAXPROCS set", r, "2", 2},
		{"a pipe", r, "", 1},
	} {
		runtime.GOMAXPROCS(2)
		os.Stdin = c.stdin
		t.Setenv("GOMAXPROCS", c.env)
		StartOnOneP()
		if got := runtime.GOMAXPROCS(0); got != c.want {
			t.Errorf("%s: GOMAXPROCS %d, want %d", c.name, got, c.want)
		}
	}
}
