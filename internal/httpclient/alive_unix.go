//go:build unix

package httpclient

import (
	"crypto/tls"
	"errors"
	"net"
	"syscall"
)

// peeker tells whether a kept connection is still open and quiet: one
// non-blocking peek (MSG_PEEK) at its socket. The server's FIN reads as
// end of file, and anything it sent unasked (an error page before closing,
// a TLS alert) means the connection cannot carry a clean exchange either.
// It is made once per connection, so that a check allocates nothing.
type peeker struct {
	rc   syscall.RawConn // nil: no socket to peek at
	peek func(fd uintptr) bool
	open bool
	b    [1]byte
}

func newPeeker(c net.Conn) *peeker {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	p := &peeker{}
	if sc, ok := c.(syscall.Conn); ok {
		p.rc, _ = sc.SyscallConn()
	}
	p.peek = func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), p.b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		p.open = n <= 0 && (errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EWOULDBLOCK))
		return true // never wait for the socket to become readable
	}
	return p
}

func (p *peeker) alive() bool {
	if p.rc == nil {
		return true
	}
	p.open = false
	return p.rc.Read(p.peek) == nil && p.open
}
