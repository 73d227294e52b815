package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mcpbridge/mcpbridge/internal/mcpremote"
)

func newImportCmd(s ioStreams) *cobra.Command {
	o := &options{}
	var hash string
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
			flow, err := accountFlow(o, args, s)
			if err != nil {
				return err
			}
			if err := mcpremote.Import(cmd.Context(), flow, args[0], mcpremote.ServerFiles(args[0], hash)); err != nil {
				return err
			}
			fmt.Fprintf(s.out, "Imported mcp-remote's sign-in for %s.\n", redactedArg(args[0]))
			return nil
		},
	}
	cmd.Flags().StringVar(&hash, "mcp-remote-hash", "", "the name mcp-remote gave the server's files, when it is not the MD5 of URL")
	o.register(cmd)
	return cmd
}
