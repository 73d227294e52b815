package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mcpbridge/mcpbridge/internal/hostconfig"
	"github.com/mcpbridge/mcpbridge/internal/mcpremote"
)

type migrateOptions struct {
	write, noImport bool
	hosts           []string
	config, command string
	tokenStore      string
	project         bool
}

func newMigrateCmd(s ioStreams) *cobra.Command {
	o := &migrateOptions{}
	cmd := &cobra.Command{
		Use:   "migrate [--write] [--host HOST…] [--config FILE]",
		Short: "Switch the hosts' mcp-remote entries to mcpbridge",
		Long: `migrate finds the entries in your MCP hosts' configuration files that run
mcp-remote (npx mcp-remote, pnpm dlx, bunx, node …/mcp-remote/dist/proxy.js,
cmd /c npx … on Windows) and rewrites each to run mcpbridge with the same
server and equivalent flags. Only the command and arguments of those entries
change; env and every other byte of the files stay.

By default it only shows what it would do (each entry before and after, and a
diff). With --write it changes the files, keeping each old file as
FILE.YYYYMMDD-HHMMSS.bak, and imports the sign-in mcp-remote stored for each
server, so no new sign-in is needed (skip with --no-import).

Hosts: ` + strings.Join(hostconfig.IDs(), ", ") + `. Quit Claude Code before migrating its
file (~/.claude.json): it rewrites that file while it runs.`,
		Example: `  mcpbridge migrate                         # show what would change
  mcpbridge migrate --write
  mcpbridge migrate --host cursor --host zed --write
  mcpbridge migrate --host vscode --config .vscode/mcp.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runMigrate(cmd.Context(), o, s)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.write, "write", false, "change the files (default: only show the changes)")
	f.StringArrayVar(&o.hosts, "host", nil, "only this host (repeatable): "+strings.Join(hostconfig.IDs(), ", "))
	f.StringVar(&o.config, "config", "", "migrate this file (with exactly one --host saying whose it is)")
	f.BoolVar(&o.project, "project", false, "the project files in the current folder instead of the user's files")
	f.StringVar(&o.command, "command", "", "path of mcpbridge the entries start (default: as for install)")
	f.BoolVar(&o.noImport, "no-import", false, "do not import mcp-remote's stored sign-ins")
	f.StringVar(&o.tokenStore, "token-store", "auto", "where imported tokens go: auto (the OS keychain, else files), keychain or file")
	return cmd
}

// migrateTarget is one host file to look at.
type migrateTarget struct {
	host hostconfig.Host
	path string
}

func runMigrate(ctx context.Context, o *migrateOptions, s ioStreams) error {
	targets, err := migrateTargets(o)
	if err != nil {
		return err
	}
	command, note, err := bridgeCommand(o.command)
	if err != nil {
		return err
	}
	if note != "" {
		fmt.Fprintln(s.err, "mcpbridge: "+shown(note))
	}
	var rows []migrateRow
	var errs []error
	for _, t := range targets {
		r, err := migrateFile(ctx, o, t, command, s)
		rows = append(rows, r...)
		if err != nil {
			errs = append(errs, err)
			fmt.Fprintf(s.err, "mcpbridge: %s\n", shown(err.Error()))
		}
	}
	printMigrateSummary(s, o, targets, rows)
	if len(errs) > 0 {
		return fmt.Errorf("%d of %d files could not be migrated; see above", len(errs), len(targets))
	}
	return nil
}

// migrateTargets are --config, or the files of the chosen (default: all)
// hosts that exist on this machine.
func migrateTargets(o *migrateOptions) ([]migrateTarget, error) {
	ids := o.hosts
	if len(ids) == 0 {
		if o.config != "" {
			return nil, usageError{errors.New("--config needs --host to say whose file it is")}
		}
		ids = hostconfig.IDs()
	}
	if o.config != "" && len(ids) != 1 {
		return nil, usageError{errors.New("--config goes with exactly one --host")}
	}
	var out []migrateTarget
	for _, id := range ids {
		h, err := hostconfig.Lookup(id)
		if err != nil {
			return nil, usageError{err}
		}
		if o.config != "" {
			return []migrateTarget{{h, o.config}}, nil
		}
		path, err := installPath(&installOptions{project: o.project}, h)
		if err != nil {
			if o.project && len(o.hosts) == 0 {
				continue // that host has no project file
			}
			return nil, err
		}
		if b, err := hostconfig.Read(path); err == nil && b != nil {
			out = append(out, migrateTarget{h, path})
		}
	}
	return out, nil
}

// migrateFile rewrites the file's mcp-remote entries; with --write it saves
// the file and imports the sign-ins.
func migrateFile(ctx context.Context, o *migrateOptions, t migrateTarget, command string, s ioStreams) ([]migrateRow, error) {
	before, err := hostconfig.Read(t.path)
	if err != nil {
		return nil, err
	}
	doc, err := hostconfig.Parse(t.host, before)
	if err != nil {
		return nil, fmt.Errorf("%s: %w; fix it by hand, then try again", t.path, err)
	}
	servers, err := doc.Servers()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", t.path, err)
	}
	fs := bridgeFlagSet()
	after := before
	var rows []migrateRow
	for _, srv := range servers {
		mrArgs, ok := mcpremote.Args(srv.Command, srv.Args)
		if !ok {
			continue
		}
		args, notes := mcpremote.ToBridge(mrArgs, fs)
		d, err := hostconfig.Parse(t.host, after)
		if err == nil {
			after, err = d.Rewrite(srv, command, args)
		}
		if err != nil {
			return rows, fmt.Errorf("%s: entry %q: %w", t.path, srv.Name, err)
		}
		row := migrateRow{host: t.host, file: t.path, server: srv, url: mrArgs[0], mrArgs: mrArgs, args: args}
		printEntryChange(s, row, command, notes)
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	fmt.Fprint(s.out, shownLines(hostconfig.Diff(t.path, before, after)), "\n")
	if !o.write {
		for i := range rows {
			rows[i].result = "would migrate"
			rows[i].signIn = importPreview(o, rows[i])
		}
		return rows, nil
	}
	backup, err := hostconfig.Saver{}.Save(t.path, before, after)
	if err != nil {
		return rows, err
	}
	fmt.Fprintf(s.out, "Wrote %s (the previous file is kept as %s). Restart %s.\n\n", t.path, backup, t.host.Name)
	for i := range rows {
		rows[i].result = "migrated"
		rows[i].signIn = importSignIn(ctx, o, rows[i], s)
	}
	return rows, nil
}

func printEntryChange(s ioStreams, r migrateRow, command string, notes []string) {
	where := r.server.Name
	if len(r.server.Path) > 1 { // Claude Code's per-project servers
		where = r.server.Name + " (" + strings.Join(r.server.Path[:len(r.server.Path)-1], " ") + ")"
	}
	fmt.Fprintf(s.out, "%s: %s\n  before: %s\n  after:  %s\n", r.host.Name, shown(where),
		shown(shellLine(append([]string{r.server.Command}, r.server.Args...))), shown(shellLine(append([]string{command}, r.args...))))
	for _, n := range notes {
		fmt.Fprintf(s.out, "  note:   %s\n", shown(n))
	}
	if dir, ok := r.server.Env["MCP_REMOTE_CONFIG_DIR"]; ok {
		fmt.Fprintf(s.out, "  note:   env MCP_REMOTE_CONFIG_DIR=%s is kept; sign-ins are imported from it, mcpbridge keeps its own in the keychain (or MCPBRIDGE_CONFIG_DIR)\n", shown(dir))
	}
}
