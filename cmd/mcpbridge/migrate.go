package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mcpbridge/mcpbridge/internal/cmdutil"
	"github.com/mcpbridge/mcpbridge/internal/hostconfig"
	"github.com/mcpbridge/mcpbridge/internal/logx"
	"github.com/mcpbridge/mcpbridge/internal/mcpremote"
	"github.com/mcpbridge/mcpbridge/internal/netrule"
	"github.com/mcpbridge/mcpbridge/internal/safetext"
	"github.com/mcpbridge/mcpbridge/oauthflow"
)

type migrateOptions struct {
	io              ioStreams
	write, noImport bool
	hosts           []string
	config, command string
	tokenStore      string
	project         bool
}

// newMigrateCmd is `mcpbridge migrate`; runF, when set, runs instead of
// runMigrate (tests of the flags).
func newMigrateCmd(s ioStreams, runF func(context.Context, *migrateOptions) error) *cobra.Command {
	o := &migrateOptions{io: s}
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
			return runOr(cmd.Context(), o, runF, runMigrate)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.write, "write", false, "change the files (default: only show the changes)")
	cmdutil.Repeatable(f, &o.hosts, "host", "only this host (repeatable): "+strings.Join(hostconfig.IDs(), ", "))
	f.StringVar(&o.config, "config", "", "migrate this file (with exactly one --host saying whose it is)")
	f.BoolVar(&o.project, "project", false, "the project files in the current folder instead of the user's files")
	f.StringVar(&o.command, "command", "", "path of mcpbridge the entries start (default: as for install)")
	f.BoolVar(&o.noImport, "no-import", false, "do not import mcp-remote's stored sign-ins")
	f.StringVar(&o.tokenStore, "token-store", "auto", "where imported tokens go: auto (the OS keychain, else files), keychain or file")
	return cmd
}

// migrateRow is one migrated entry and what became of it.
type migrateRow struct {
	host           hostconfig.Host
	change         mcpremote.Change
	result, signIn string
}

func runMigrate(ctx context.Context, o *migrateOptions) error {
	s := o.io
	targets, err := migrateTargets(o)
	if err != nil {
		return err
	}
	command, note, err := hostconfig.BridgeCommand(o.command)
	if err != nil {
		return err
	}
	if note != "" {
		fmt.Fprintln(s.err, "mcpbridge: "+shown(note))
	}
	var rows []migrateRow
	var errs []error
	for _, t := range targets {
		r, err := migrateFile(ctx, o, t, command)
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

// migrateTargets are --config (of the one --host), or the files of the
// chosen (default: all) hosts that exist on this machine.
func migrateTargets(o *migrateOptions) ([]hostconfig.Target, error) {
	targets, err := hostconfig.Targets(o.hosts, o.config, o.project)
	if errors.Is(err, hostconfig.ErrUnknownHost) || errors.Is(err, hostconfig.ErrNoProjectFile) ||
		errors.Is(err, hostconfig.ErrNotOneHost) {
		return nil, usageError{err}
	}
	return targets, err
}

// migrateFile shows the plan for one file; with --write it saves the file
// and imports the sign-ins.
func migrateFile(ctx context.Context, o *migrateOptions, t hostconfig.Target, command string) ([]migrateRow, error) {
	s := o.io
	plan, err := mcpremote.PlanFile(t.Host, t.Path, command, bridgeFlagSet())
	var rows []migrateRow
	if plan != nil {
		for _, c := range plan.Changes {
			printEntryChange(s, t.Host, c, command)
			rows = append(rows, migrateRow{host: t.Host, change: c})
		}
	}
	if err != nil || len(rows) == 0 {
		return rows, err
	}
	fmt.Fprint(s.out, safetext.Lines(plan.Diff()), "\n")
	result := "would migrate"
	if o.write {
		backup, err := plan.Save()
		if err != nil {
			return rows, err
		}
		fmt.Fprintf(s.out, "Wrote %s (the previous file is kept as %s). Restart %s.\n\n", t.Path, backup, t.Host.Name)
		result = "migrated"
	}
	for i := range rows {
		rows[i].result, rows[i].signIn = result, signIn(ctx, o, rows[i].change)
	}
	return rows, nil
}

// signIn is what becomes of c's sign-in (mcpremote.SignIn): with --write
// imported with the sign-in the bridge builds from the entry's new
// arguments, as import-mcp-remote does.
func signIn(ctx context.Context, o *migrateOptions, c mcpremote.Change) string {
	return mcpremote.SignIn(ctx, c, o.write, o.noImport, func(args []string) (*oauthflow.Flow, error) {
		opts := &options{}
		cmd := &cobra.Command{}
		opts.register(cmd)
		if err := cmd.Flags().Parse(append(append([]string{}, args...), "--token-store", o.tokenStore)); err != nil {
			return nil, err
		}
		return accountFlow(opts, cmd.Flags().Args(), o.io)
	})
}

func printEntryChange(s ioStreams, h hostconfig.Host, c mcpremote.Change, command string) {
	fmt.Fprintf(s.out, "%s: %s\n  before: %s\n  after:  %s\n", h.Name, shown(c.Where()),
		shown(hostconfig.ShellLine(append([]string{c.Server.Command}, c.Server.Args...))), shown(hostconfig.ShellLine(append([]string{command}, c.Args...))))
	for _, n := range c.Notes {
		fmt.Fprintf(s.out, "  note:   %s\n", shown(n))
	}
}

func printMigrateSummary(s ioStreams, o *migrateOptions, targets []hostconfig.Target, rows []migrateRow) {
	if len(targets) == 0 {
		fmt.Fprintln(s.out, "No MCP host configuration files found on this machine (use --host and --config to name one).")
		return
	}
	if len(rows) == 0 {
		fmt.Fprintln(s.out, "No mcp-remote entries in:")
		for _, t := range targets {
			fmt.Fprintf(s.out, "  %s (%s)\n", t.Path, t.Host.Name)
		}
		return
	}
	w := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "HOST\tENTRY\tSERVER\tRESULT\tSIGN-IN")
	for _, r := range rows {
		u := r.change.URL()
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", r.host.ID, shown(r.change.Server.Name), redactedArg(u), r.result, logx.Clean(netrule.HideQueries(u), r.signIn))
	}
	_ = w.Flush()
	if !o.write {
		fmt.Fprintln(s.out, "\nDry run: nothing was changed. Run 'mcpbridge migrate --write' to apply.")
	}
}
