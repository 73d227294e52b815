package oauthflow

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/runcmd"
)

// A token source is where mcpbridge reads a credential someone else
// issued and keeps current — a workload's JWT (--workload-identity) or an
// identity provider's id token (--idp-id-token) — written
//
//	file:PATH     read again for every token request (projected
//	              service-account tokens rotate under the same path)
//	env:NAME      the environment variable's value
//	command:CMD   the standard output of CMD, run by the shell (sh -c;
//	              cmd /C on Windows), within sourceTimeout
//
// It is read whole, trimmed, and must be one token: no inner white space,
// sourceLimit bytes at most. Neither it nor the command's output is ever
// logged.

const (
	sourceTimeout = 30 * time.Second
	sourceLimit   = 64 << 10
)

// checkSource reports whether s is a token source (at start: withDefaults).
func checkSource(flag, s string) error {
	kind, v, _ := strings.Cut(s, ":")
	switch {
	case kind != "file" && kind != "env" && kind != "command":
		return fmt.Errorf("%s takes file:PATH, env:NAME or command:CMD, not %q", flag, s)
	case strings.TrimSpace(v) == "":
		return fmt.Errorf("%s %s: names nothing", flag, kind)
	}
	return nil
}

// readSource reads the token s names now.
func readSource(ctx context.Context, s string) (string, error) {
	kind, v, _ := strings.Cut(s, ":")
	var raw []byte
	var err error
	switch kind {
	case "file":
		raw, err = readLimited(v)
	case "env":
		raw = []byte(os.Getenv(v))
	case "command":
		raw, err = runSource(ctx, v)
	default:
		err = fmt.Errorf("not a token source: %q", kind)
	}
	if err != nil {
		return "", fmt.Errorf("read the token from %s: %w", kind, err)
	}
	tok := strings.TrimSpace(string(raw))
	switch {
	case tok == "":
		return "", fmt.Errorf("read the token from %s: it is empty", kind)
	case len(tok) > sourceLimit:
		return "", fmt.Errorf("read the token from %s: longer than %d bytes", kind, sourceLimit)
	case strings.ContainsAny(tok, " \t\r\n"):
		return "", fmt.Errorf("read the token from %s: it is more than one word", kind)
	}
	return tok, nil
}

func readLimited(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	return io.ReadAll(io.LimitReader(fh, sourceLimit+1))
}

// runSource runs cmd by the shell and returns its standard output
// (internal/runcmd: its standard error is not shown, as it may echo the
// token).
func runSource(ctx context.Context, cmd string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, sourceTimeout)
	defer cancel()
	argv := []string{"sh", "-c", cmd}
	if runtime.GOOS == "windows" {
		argv = []string{"cmd", "/C", cmd}
	}
	out, _, err := runcmd.Output(ctx, argv, sourceLimit+1) // readSource refuses what is longer
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return nil, fmt.Errorf("the command did not finish within %s", sourceTimeout)
	case errors.As(err, &ee):
		return nil, fmt.Errorf("the command failed (%s)", ee.ProcessState)
	}
	return out, err
}
