package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/mcpbridge/mcpbridge/internal/mcpremote"
	"github.com/mcpbridge/mcpbridge/oauthflow"
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
			if err := importMCPRemote(cmd.Context(), flow, args[0], mcpremote.ServerFiles(args[0], hash)); err != nil {
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

// importMCPRemote takes over the tokens and client registration mcp-remote
// stored in f.
func importMCPRemote(ctx context.Context, flow *oauthflow.Flow, server string, f mcpremote.Files) error {
	tokens, err := os.ReadFile(f.Tokens())
	if err != nil {
		return fmt.Errorf("no tokens of mcp-remote for %s in %s (%w); was it run with other flags? see --help", redactedArg(server), f.Dir, err)
	}
	client, err := os.ReadFile(f.ClientInfo())
	if err != nil {
		return fmt.Errorf("mcp-remote's tokens are there but not its client registration: %w", err)
	}
	return flow.Import(ctx, tokens, client)
}
