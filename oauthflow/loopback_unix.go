//go:build unix

package oauthflow

import "syscall"

// unassignableErrnos: the address is not on this machine, or its family
// (IPv6) is not there at all.
var unassignableErrnos = []syscall.Errno{syscall.EADDRNOTAVAIL, syscall.EAFNOSUPPORT}
