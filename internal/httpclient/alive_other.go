//go:build !unix

package httpclient

import "net"

// alive cannot peek at a socket here; a kept connection the server closed
// fails its next exchange, which h1 retries where that is safe.
func alive(net.Conn) bool { return true }
