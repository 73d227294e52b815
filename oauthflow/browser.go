package oauthflow

import (
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/pkg/browser"
)

func init() {
	// pkg/browser copies the launcher's output to os.Stdout by default,
	// which would corrupt the JSON-RPC stream the host reads: send it to
	// stderr, once, for the whole process.
	browser.Stdout = os.Stderr
	browser.Stderr = os.Stderr
}

// OpenBrowser opens u in the user's browser. $BROWSER wins, as users
// expect (a list separated by ':', each entry a command, with %s for the
// URL or the URL appended); otherwise the system's opener.
func OpenBrowser(u string) error {
	if env := os.Getenv("BROWSER"); env != "" {
		var errs []string
		for _, cmdline := range strings.Split(env, string(os.PathListSeparator)) {
			args := strings.Fields(cmdline)
			if len(args) == 0 {
				continue
			}
			replaced := false
			for i, a := range args {
				if strings.Contains(a, "%s") {
					args[i] = strings.ReplaceAll(a, "%s", u)
					replaced = true
				}
			}
			if !replaced {
				args = append(args, u)
			}
			cmd := exec.Command(args[0], args[1:]...)
			cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
			if err := cmd.Start(); err == nil {
				go func() { _ = cmd.Wait() }()
				return nil
			} else {
				errs = append(errs, err.Error())
			}
		}
		return fmt.Errorf("$BROWSER failed: %s", strings.Join(errs, "; "))
	}
	return browser.OpenURL(u)
}
