package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mcpbridge/mcpbridge/internal/hostconfig"
	"github.com/mcpbridge/mcpbridge/internal/mcpremote"
)

// migrateRow is one migrated entry and what became of it.
type migrateRow struct {
	host   hostconfig.Host
	file   string
	server hostconfig.Server
	url    string
	mrArgs []string // mcp-remote's arguments
	args   []string // mcpbridge's
	result string
	signIn string
}

// mcpRemoteFiles is where mcp-remote kept the entry's sign-in: the folder
// of its env's MCP_REMOTE_CONFIG_DIR (else ours, else ~/.mcp-auth), under
// the hash of its arguments.
func mcpRemoteFiles(r migrateRow) mcpremote.Files {
	base, ok := r.server.Env[mcpremote.EnvConfigDir]
	if !ok {
		base = os.Getenv(mcpremote.EnvConfigDir)
	}
	return mcpremote.Files{Dir: mcpremote.ConfigDir(base), Hash: mcpremote.Hash(r.mrArgs)}
}

func importPreview(o *migrateOptions, r migrateRow) string {
	if o.noImport {
		return "skipped (--no-import)"
	}
	files := mcpRemoteFiles(r)
	if !files.Stored() {
		return "none stored by mcp-remote"
	}
	return "would import"
}

// importSignIn takes over mcp-remote's stored sign-in for the entry with the
// import-mcp-remote code, building the sign-in from the entry's new
// arguments and env exactly as the bridge will when the host starts it.
func importSignIn(ctx context.Context, o *migrateOptions, r migrateRow, s ioStreams) string {
	if o.noImport {
		return "skipped (--no-import)"
	}
	files := mcpRemoteFiles(r)
	if !files.Stored() {
		return "none stored by mcp-remote"
	}
	result := "imported"
	withEnv(r.server.Env, func() {
		opts := &options{}
		c := &cobra.Command{}
		opts.register(c)
		if err := c.Flags().Parse(append(append([]string{}, r.args...), "--token-store", o.tokenStore)); err != nil {
			result = "not imported: " + err.Error()
			return
		}
		flow, err := accountFlow(opts, c.Flags().Args(), s)
		if err != nil {
			result = "not imported: " + err.Error()
			return
		}
		if err := mcpremote.Import(ctx, flow, r.url, files); err != nil {
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

func printMigrateSummary(s ioStreams, o *migrateOptions, targets []migrateTarget, rows []migrateRow) {
	if len(targets) == 0 {
		fmt.Fprintln(s.out, "No MCP host configuration files found on this machine (use --host and --config to name one).")
		return
	}
	if len(rows) == 0 {
		fmt.Fprintln(s.out, "No mcp-remote entries in:")
		for _, t := range targets {
			fmt.Fprintf(s.out, "  %s (%s)\n", t.path, t.host.Name)
		}
		return
	}
	w := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "HOST\tENTRY\tSERVER\tRESULT\tSIGN-IN")
	for _, r := range rows {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", r.host.ID, shown(r.server.Name), redactedArg(r.url), r.result, shown(hidden(hideQueries(r.url), firstLine(r.signIn))))
	}
	_ = w.Flush()
	if !o.write {
		fmt.Fprintln(s.out, "\nDry run: nothing was changed. Run 'mcpbridge migrate --write' to apply.")
	}
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
