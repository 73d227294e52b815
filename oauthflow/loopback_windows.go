//go:build windows

package oauthflow

import "syscall"

// unassignableErrnos: WSAEADDRNOTAVAIL and WSAEAFNOSUPPORT (Go's
// syscall.EADDRNOTAVAIL on Windows is an invented value no call returns).
var unassignableErrnos = []syscall.Errno{10049, 10047}
