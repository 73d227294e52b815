//go:build !linux && !darwin

package ledger

// hostName cannot tell the parent's name here.
func hostName(int) string { return "" }
