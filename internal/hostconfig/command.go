package hostconfig

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// BridgeCommand is the path a host's entry names mcpbridge by. Hosts start
// servers with a minimal PATH (Claude Desktop on macOS sees neither
// /opt/homebrew/bin nor ~/go/bin), so it is absolute: --command when given;
// else the mcpbridge on PATH when it is this very executable (Homebrew's
// /opt/homebrew/bin/mcpbridge is a link into a versioned Cellar folder that
// an upgrade removes, so the link is the path to keep; ~/go/bin/mcpbridge
// from go install is the file itself); else this executable. A binary that
// go run built in a temporary folder is refused. note is advice for stderr.
func BridgeCommand(explicit string) (path, note string, err error) {
	if explicit != "" {
		if !filepath.IsAbs(explicit) {
			note = fmt.Sprintf("--command %s is not an absolute path; the host must find it on its own PATH", explicit)
		}
		return explicit, note, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return "", "", fmt.Errorf("find this program's path (%w); give it with --command", err)
	}
	real, err := filepath.EvalSymlinks(exe)
	if err != nil {
		real = exe
	}
	if strings.Contains(real, "go-build") {
		return "", "", errors.New("this mcpbridge is a temporary build (go run or go test); install it (go install, brew, a release) and pass its path with --command")
	}
	if onPath, err := exec.LookPath(executableName()); err == nil && filepath.IsAbs(onPath) {
		if r, err := filepath.EvalSymlinks(onPath); err == nil && r == real {
			return onPath, "", nil
		}
	}
	if strings.Contains(filepath.ToSlash(real), "/Cellar/") {
		note = "the entry names a versioned Homebrew path that an upgrade removes; put Homebrew's bin on PATH or pass --command"
	}
	return exe, note, nil
}

func executableName() string {
	if runtime.GOOS == "windows" {
		return "mcpbridge.exe"
	}
	return "mcpbridge"
}

// ShellLine quotes argv for the user's shell: POSIX single quotes, or on
// Windows PowerShell's single quotes (no ${VAR} expansion in either).
func ShellLine(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = shellQuote(a, runtime.GOOS == "windows")
	}
	return strings.Join(q, " ")
}

func shellQuote(s string, windows bool) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-") == "" {
		return s
	}
	if windows {
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
