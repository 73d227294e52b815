//go:build unix

package httpclient

import (
	"crypto/tls"
	"errors"
	"net"
	"syscall"
)

// alive reports whether a kept connection is still open and quiet: one
// non-blocking peek (MSG_PEEK) at its socket. The server's FIN reads as
// end of file, and anything it sent unasked (an error page before closing,
// a TLS alert) means the connection cannot carry a clean exchange either.
func alive(c net.Conn) bool {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return true
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	open := false
	var b [1]byte
	err = rc.Read(func(fd uintptr) bool {
		n, _, rerr := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		open = n <= 0 && (errors.Is(rerr, syscall.EAGAIN) || errors.Is(rerr, syscall.EWOULDBLOCK))
		return true // never wait for the socket to become readable
	})
	return err == nil && open
}
