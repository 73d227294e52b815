package ledger

import (
	"os"
	"strconv"
	"strings"
)

// hostName is the command name of process pid, from /proc (proc(5): comm).
func hostName(pid int) string {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(raw))
}
