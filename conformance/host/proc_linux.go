package main

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel kill the bridge if the host dies, so a
// killed scenario leaves nothing running.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
