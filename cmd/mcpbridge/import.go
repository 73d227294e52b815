package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mcpbridge/mcpbridge/internal/mcpremote"
)

// importOptions are import-mcp-remote's: the bridge's flags (the sign-in
// is built as the bridge builds it) and the name of mcp-remote's files.
type importOptions struct {
	io     ioStreams
	bridge options
	hash   string
}

// newImportCmd is `mcpbridge import-mcp-remote`; runF, when set, runs
// instead of runImport (tests of the flags).
func newImportCmd(s ioStreams, runF func(context.Context, *importOptions, []string) error) *cobra.Command {
	o := &importOptions{io: s}
	cmd := &cobra.Command{
		Use:   "import-mcp-remote URL [flags]",
		Short: "Take over mcp-remote's stored sign-in for a server",
		Long: `import-mcp-remote reads the tokens and client registration mcp-remote stored for
the server at URL (in $MCP_REMOTE_CONFIG_DIR, else ~/.mcp-auth) and keeps them the
way mcpbridge does (the OS keychain, else files), so the switch needs no new sign-in.
mcp-remote's files are left as they are.

mcp-remote names its files after an MD5 of the server URL; when it was run with
--header, --resource or similar flags the name differs: give it with --mcp-remote-hash
(the part before _tokens.json).`,
		Example: `  mcpbridge import-mcp-remote https://mcp.example.com/mcp`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), o, args)
			}
			return runImport(cmd.Context(), o, args)
		},
	}
	cmd.Flags().StringVar(&o.hash, "mcp-remote-hash", "", "the name mcp-remote gave the server's files, when it is not the MD5 of URL")
	o.bridge.register(cmd)
	return cmd
}

func runImport(ctx context.Context, o *importOptions, args []string) error {
	flow, err := accountFlow(&o.bridge, args, o.io)
	if err != nil {
		return err
	}
	if err := mcpremote.Import(ctx, flow, args[0], mcpremote.ServerFiles(args[0], o.hash)); err != nil {
		return err
	}
	fmt.Fprintf(o.io.out, "Imported mcp-remote's sign-in for %s.\n", redactedArg(args[0]))
	return nil
}
