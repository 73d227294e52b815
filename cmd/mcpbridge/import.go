package main

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

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
			if hash == "" {
				sum := md5.Sum([]byte(args[0]))
				hash = hex.EncodeToString(sum[:])
			}
			if err := importMCPRemote(cmd.Context(), flow, args[0], mcpRemoteDir(), hash); err != nil {
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
// stored under hash in dir (its files hash_tokens.json, hash_client_info.json).
func importMCPRemote(ctx context.Context, flow *oauthflow.Flow, server, dir, hash string) error {
	tokens, err := os.ReadFile(filepath.Join(dir, hash+"_tokens.json"))
	if err != nil {
		return fmt.Errorf("no tokens of mcp-remote for %s in %s (%w); was it run with other flags? see --help", redactedArg(server), dir, err)
	}
	client, err := os.ReadFile(filepath.Join(dir, hash+"_client_info.json"))
	if err != nil {
		return fmt.Errorf("mcp-remote's tokens are there but not its client registration: %w", err)
	}
	return flow.Import(ctx, tokens, client)
}

// mcpRemoteDir is where mcp-remote 0.15 keeps its files.
func mcpRemoteDir() string { return mcpRemoteDirFor(os.Getenv("MCP_REMOTE_CONFIG_DIR")) }

// mcpRemoteDirFor is mcp-remote's folder for a MCP_REMOTE_CONFIG_DIR value.
func mcpRemoteDirFor(base string) string {
	if base == "" {
		home, _ := os.UserHomeDir()
		base = filepath.Join(home, ".mcp-auth")
	}
	return filepath.Join(base, "mcp-remote-v1")
}
