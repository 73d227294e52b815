//go:build !unix

package httpclient

import "net"

// peeker cannot peek at a socket here; a kept connection the server closed
// fails its next exchange, which h1 retries where that is safe.
type peeker struct{}

func newPeeker(net.Conn) *peeker { return &peeker{} }

func (*peeker) alive() bool { return true }
