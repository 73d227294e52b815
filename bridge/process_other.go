//go:build !unix

package bridge

import "os"

// pollable leaves f as it is: the runtime polls no console or pipe handle
// here.
func pollable(f *os.File) (*os.File, bool, func()) { return f, false, func() {} }

// pipeOrSocket: none that pollable takes.
func pipeOrSocket(*os.File) bool { return false }
