//go:build unix

package bridge

import (
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// pollable returns f read through the runtime's poller when it is a pipe
// or a socket, whether it now is, and a function that puts the blocking
// mode back (the file description may be shared with the process that
// started us). A terminal or a file is left as it is: a terminal is shared
// with the shell, and epoll takes no regular file.
func pollable(f *os.File) (*os.File, bool, func()) {
	none := func() {}
	fd, ok := descriptor(f)
	if !ok || !fdPipeOrSocket(fd) {
		return f, false, none
	}
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	switch {
	case err != nil:
		return f, false, none
	case flags&unix.O_NONBLOCK != 0: // the os package polls it already
		return f, true, none
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		return f, false, none
	}
	// NewFile sees the non-blocking mode and registers the descriptor with
	// the poller. The new File reads fd from here; f must not.
	nf := os.NewFile(uintptr(fd), f.Name())
	return nf, true, func() {
		_ = unix.SetNonblock(fd, false)
		runtime.KeepAlive(nf) // a collected File closes its descriptor
	}
}

// pipeOrSocket reports whether f is a pipe or a socket, which pollable
// takes.
func pipeOrSocket(f *os.File) bool {
	fd, ok := descriptor(f)
	return ok && fdPipeOrSocket(fd)
}

func fdPipeOrSocket(fd int) bool {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return false
	}
	kind := st.Mode & unix.S_IFMT
	return kind == unix.S_IFIFO || kind == unix.S_IFSOCK
}

// descriptor is f's file descriptor, read without File.Fd (which puts a
// polled descriptor into blocking mode).
func descriptor(f *os.File) (int, bool) {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, false
	}
	fd := -1
	if err := rc.Control(func(u uintptr) { fd = int(u) }); err != nil || fd < 0 {
		return 0, false
	}
	return fd, true
}
