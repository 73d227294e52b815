package oauthflow

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"

	"github.com/pkg/browser"

	"github.com/mcpbridge/mcpbridge/internal/netrule"
)

func init() {
	// pkg/browser copies the launcher's output to os.Stdout by default,
	// which would corrupt the JSON-RPC stream the host reads: send it to
	// stderr, once, for the whole process.
	browser.Stdout = os.Stderr
	browser.Stderr = os.Stderr
}

// ErrNotOpenable is the refusal of a URL that must not reach an opener.
var ErrNotOpenable = errors.New("refusing to open it in a browser")

// OpenBrowser opens u in the user's browser. Only a URL that passes the
// network rule (netrule: absolute, https or http to this machine, no user
// info, fragment, space or control character) is ever handed to an opener,
// and in its re-serialized form: every OS opener below also launches files,
// applications and registered protocol handlers (CVE-2025-6514 made an
// authorization_endpoint into command execution this way).
//
// $BROWSER wins, as users expect; otherwise the system's opener, built by
// openerCommands, or pkg/browser on systems it does not cover.
func OpenBrowser(u string) error {
	safe, err := openable(u)
	if err != nil {
		return err
	}
	cmds, err := openerCommands(runtime.GOOS, os.Getenv, safe)
	if err != nil {
		return err
	}
	if cmds == nil {
		return browser.OpenURL(safe)
	}
	var errs []string
	for _, args := range cmds {
		cmd := exec.Command(args[0], args[1:]...) // no shell: the URL is one argv element
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			errs = append(errs, err.Error())
			continue
		}
		go func() { _ = cmd.Wait() }()
		return nil
	}
	return fmt.Errorf("open the browser: %s", strings.Join(errs, "; "))
}

// openable applies the network rule and allows http and https only (the
// rule already does; this says so where the opener is).
func openable(u string) (string, error) {
	p, err := netrule.Check("browser URL", u)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrNotOpenable, err)
	}
	if p.Scheme != "https" && p.Scheme != "http" {
		return "", fmt.Errorf("%w: scheme %q", ErrNotOpenable, p.Scheme)
	}
	return p.String(), nil
}

// openerCommands returns the command lines to try in order for opening u,
// a URL that passed openable; nil when pkg/browser is to open it.
//
//   - $BROWSER: a list separated by the OS path-list separator, each entry a
//     command split on white space, with %s replaced by the URL (in the
//     argument holding it) or the URL appended. The URL is substituted into
//     one argv element after splitting, so it is never split or handed to a
//     shell.
//   - Linux and the BSDs: xdg-open, then x-www-browser and www-browser (as
//     pkg/browser). xdg-open hands file: URLs to the file manager and custom
//     schemes to whatever handler is registered for them.
//   - macOS: open, which opens files and applications too, and any URL with
//     a registered protocol handler.
//   - Windows: rundll32 url.dll,FileProtocolHandler URL, as pkg/browser
//     does. ShellExecute behind it runs UNC paths (\\host\share\x.exe),
//     file: URLs and any registered protocol handler (ms-settings:,
//     search-ms:…).
func openerCommands(goos string, env func(string) string, u string) ([][]string, error) {
	if _, err := openable(u); err != nil {
		return nil, err
	}
	if list := env("BROWSER"); list != "" {
		return browserEnv(list, goos, u), nil
	}
	switch goos {
	case "linux", "freebsd", "openbsd", "netbsd", "dragonfly":
		return [][]string{{"xdg-open", u}, {"x-www-browser", u}, {"www-browser", u}}, nil
	case "darwin":
		return [][]string{{"open", u}}, nil
	case "windows":
		return [][]string{{"rundll32", "url.dll,FileProtocolHandler", u}}, nil
	}
	return nil, nil
}

// browserEnv builds the command lines of $BROWSER.
func browserEnv(list, goos string, u string) [][]string {
	sep := ":"
	if goos == "windows" {
		sep = ";"
	}
	var out [][]string
	for _, entry := range strings.Split(list, sep) {
		args := strings.Fields(entry)
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
		out = append(out, args)
	}
	return out
}
