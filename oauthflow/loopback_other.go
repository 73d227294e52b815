//go:build !unix && !windows

package oauthflow

import "syscall"

// unassignableErrnos: none known here; every address must bind.
var unassignableErrnos []syscall.Errno
