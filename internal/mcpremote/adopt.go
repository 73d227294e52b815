package mcpremote

import (
	"context"
	"os"
	"strings"

	"github.com/mcpbridge/mcpbridge/oauthflow"
)

// Preview says what ImportEntry would do for c.
func Preview(c Change) string {
	if !c.Files().Stored() {
		return "none stored by mcp-remote"
	}
	return "would import"
}

// SignIn says in one line (a row of migrate's summary) what becomes of
// c's sign-in in a migration: skipped with noImport; on a dry run (without
// write) shown as it would go (Preview); else imported (ImportEntry,
// flowFor as there), an error's first line.
func SignIn(ctx context.Context, c Change, write, noImport bool, flowFor func(args []string) (*oauthflow.Flow, error)) string {
	switch {
	case noImport:
		return "skipped (--no-import)"
	case !write:
		return Preview(c)
	}
	line, _, _ := strings.Cut(ImportEntry(ctx, c, flowFor), "\n")
	return line
}

// ImportEntry takes over mcp-remote's stored sign-in for a migrated entry
// and says how it went. flowFor builds the sign-in from the entry's new
// arguments exactly as the bridge will when the host starts it; it runs,
// and the import with it, with the entry's env set.
func ImportEntry(ctx context.Context, c Change, flowFor func(args []string) (*oauthflow.Flow, error)) string {
	f := c.Files()
	if !f.Stored() {
		return "none stored by mcp-remote"
	}
	result := "imported"
	withEnv(c.Server.Env, func() {
		flow, err := flowFor(c.Args)
		if err != nil {
			result = "not imported: " + err.Error()
			return
		}
		if err := Import(ctx, flow, c.URL(), f); err != nil {
			result = "import failed: " + err.Error()
		}
	})
	return result
}

// withEnv runs fn with the entry's env set, as the host sets it for the
// bridge: header ${VAR}s, and so the credentials' identity, depend on it.
// The command runs alone in its process; the old values are put back.
func withEnv(env map[string]string, fn func()) {
	type saved struct {
		v  string
		ok bool
	}
	old := map[string]saved{}
	for k, v := range env {
		ov, ok := os.LookupEnv(k)
		old[k] = saved{ov, ok}
		_ = os.Setenv(k, v)
	}
	defer func() {
		for k, s := range old {
			if s.ok {
				_ = os.Setenv(k, s.v)
			} else {
				_ = os.Unsetenv(k)
			}
		}
	}()
	fn()
}
