package ledger

import "os"

// current is this process: its pid and, best effort, the name of the
// program that started it (hostName, per OS; "" when it cannot tell).
func current() Process {
	return Process{PID: os.Getpid(), Host: hostName(os.Getppid())}
}
