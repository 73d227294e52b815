package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mcpbridge/mcpbridge/bridge"
	"github.com/mcpbridge/mcpbridge/internal/hostconfig"
	"github.com/mcpbridge/mcpbridge/internal/safetext"
)

// installOptions are install's: its own flags, the host, the entry's name
// and the bridge's arguments (URL [callback-port] and every other flag),
// which go into the host's entry.
type installOptions struct {
	io                          ioStreams
	force, dryRun, run, project bool
	config, command             string
	host, name                  string
	bridgeArgs                  []string
}

func (o *installOptions) register(f *pflag.FlagSet) {
	f.BoolVar(&o.force, "force", false, "replace an entry of the same name")
	f.BoolVar(&o.dryRun, "dry-run", false, "show the change as a diff and write nothing")
	f.StringVar(&o.config, "config", "", "the host's configuration file, when not in the usual place")
	f.StringVar(&o.command, "command", "", "path of mcpbridge the host starts (default: this executable, through a stable link such as Homebrew's bin when there is one)")
	f.BoolVar(&o.project, "project", false, "add to the project in the current folder (.cursor/mcp.json, .vscode/mcp.json, .zed/settings.json; claude-code: --scope project)")
	f.BoolVar(&o.run, "run", false, "claude-code: run the claude mcp add line instead of only printing it")
}

// newInstallCmd is `mcpbridge install`; runF, when set, runs instead of
// runInstall (tests of the flags).
func newInstallCmd(s ioStreams, runF func(context.Context, *installOptions) error) *cobra.Command {
	o := &installOptions{io: s}
	cmd := &cobra.Command{
		Use:   "install HOST NAME URL [callback-port] [bridge flags…]",
		Short: "Add a server to an MCP host's configuration (" + strings.Join(hostconfig.IDs(), ", ") + ")",
		Long: `install adds an entry named NAME to the host's configuration that starts
mcpbridge for the server at URL. Flags install does not know, and everything
after --, become the bridge's flags in that entry.

The file is edited in place: only the new entry is added, in the file's own
indentation; comments and everything else stay as they are. The old file is
kept as FILE.YYYYMMDD-HHMMSS.bak. An existing entry of that name is replaced
only with --force.

For claude-code, install prints the 'claude mcp add' line (and runs it with --run).

Hosts start servers with a minimal PATH, so the entry names mcpbridge by its
absolute path: this executable, or the stable link to it on PATH (Homebrew's
bin, ~/go/bin), so that upgrades keep working. Use --command to choose.`,
		Example: `  mcpbridge install claude-desktop linear https://mcp.linear.app/mcp
  mcpbridge install cursor github https://api.githubcopilot.com/mcp/ --header "Authorization: Bearer ${GITHUB_PAT}"
  mcpbridge install vscode intranet https://mcp.intranet.example/mcp --project --dry-run
  mcpbridge install claude-code linear https://mcp.linear.app/mcp --run`,
		DisableFlagParsing: true, // the bridge's flags pass through; install's own are parsed below
		RunE: func(cmd *cobra.Command, args []string) error {
			own, pos, bridgeArgs, help, err := hostconfig.SplitArgs(cmd.Flags(), bridgeFlagSet(), args)
			if err != nil {
				return usageError{err}
			}
			if help {
				return cmd.Help()
			}
			if err := cmd.Flags().Parse(own); err != nil {
				return usageError{err}
			}
			if len(pos) < 3 {
				return usageError{errors.New("give the host, a name for the server and its URL: mcpbridge install HOST NAME URL [flags]")}
			}
			o.host, o.name, o.bridgeArgs = pos[0], pos[1], append(pos[2:], bridgeArgs...)
			return runOr(cmd.Context(), o, runF, runInstall)
		},
	}
	o.register(cmd.Flags())
	return cmd
}

// bridgeFlagSet is the bridge's flags, for telling them apart and checking them.
func bridgeFlagSet() *pflag.FlagSet {
	return newBridgeCmd(ioStreams{in: strings.NewReader(""), out: io.Discard, err: io.Discard}).Flags()
}

// checkBridgeArgs parses URL [port] [flags] as the bridge will, so a typo
// fails now rather than when the host starts the server.
func checkBridgeArgs(args []string) error {
	fs := bridgeFlagSet()
	if err := fs.Parse(args); err != nil {
		return usageError{fmt.Errorf("bridge flags: %w", err)}
	}
	o := &options{}
	if n := fs.NArg(); n < 1 || n > 2 {
		return usageError{fmt.Errorf("give the server URL, and optionally the OAuth callback port, not %q", fs.Args())}
	}
	if err := o.positional(fs.Args()); err != nil {
		return err
	}
	if t, _ := fs.GetString("transport"); t != "" {
		if _, err := bridge.ParseTransportMode(t); err != nil {
			return usageError{err}
		}
	}
	allowHTTP, _ := fs.GetBool("allow-http")
	_, err := serverURL(o.url, allowHTTP)
	return err
}

func runInstall(ctx context.Context, o *installOptions) error {
	s := o.io
	h, err := hostconfig.Lookup(o.host)
	if err != nil {
		return usageError{err}
	}
	if err := checkBridgeArgs(o.bridgeArgs); err != nil {
		return err
	}
	command, note, err := hostconfig.BridgeCommand(o.command)
	if err != nil {
		return err
	}
	if note != "" {
		fmt.Fprintln(s.err, "mcpbridge: "+shown(note))
	}
	if h.ID == "claude-code" {
		return installClaudeCode(ctx, o, command)
	}
	plan, err := hostconfig.PlanInstallFor(h, o.config, o.project, o.name, hostconfig.Entry{Command: command, Args: o.bridgeArgs}, o.force)
	if errors.Is(err, hostconfig.ErrNoProjectFile) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	if o.dryRun {
		fmt.Fprint(s.out, safetext.Lines(plan.Diff()))
		fmt.Fprintln(s.out, "Dry run: nothing was written.")
		return nil
	}
	backup, err := plan.Save()
	if err != nil {
		return err
	}
	fmt.Fprintf(s.out, "Added %q to %s's configuration: %s\n", o.name, h.Name, plan.Path)
	if backup != "" {
		fmt.Fprintf(s.out, "The previous file is kept as %s\n", backup)
	}
	fmt.Fprintf(s.out, "Restart %s (quit it fully and open it again) to start the server.\n", h.Name)
	return nil
}

// installClaudeCode prints (and with --run, runs) the claude mcp add line.
func installClaudeCode(ctx context.Context, o *installOptions, command string) error {
	s := o.io
	if o.config != "" {
		return usageError{errors.New("--config does not apply to claude-code: Claude Code edits its own file through 'claude mcp add'")}
	}
	argv := hostconfig.ClaudeAdd(o.name, hostconfig.Entry{Command: command, Args: o.bridgeArgs}, o.project)
	fmt.Fprintln(s.out, hostconfig.ShellLine(argv))
	if !o.run || o.dryRun {
		fmt.Fprintln(s.out, "Run that line to add the server to Claude Code (or pass --run).")
		return nil
	}
	if err := hostconfig.RunClaude(ctx, argv, s.out, s.err); err != nil {
		return err
	}
	fmt.Fprintln(s.out, "Added. Start a new Claude Code session (or run /mcp) to use it.")
	return nil
}
