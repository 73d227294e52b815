// Package mcpremote is mcpbridge's knowledge of mcp-remote
// (https://github.com/geelen/mcp-remote), the npm bridge mcpbridge
// replaces, as of its version 0.15.1: how hosts start it, what its flags
// mean, where it keeps its sign-ins and how it names them. It lets
// `mcpbridge migrate` move host entries over and `import-mcp-remote` take
// over a stored sign-in; it writes nothing of mcp-remote's.
//
// Files:
//   - recognize.go: Args, an entry's command line that runs mcp-remote
//     (npx, npm exec, pnpm dlx, yarn dlx, bunx, node …/proxy.js, cmd /c)
//   - flags.go: ToBridge, mcp-remote's arguments as mcpbridge's of the same
//     meaning, each change with a note
//   - hash.go: Hash, the name of a server's files (getServerUrlHash)
//   - files.go: ConfigDir and Files, the folder ($MCP_REMOTE_CONFIG_DIR,
//     else ~/.mcp-auth, /mcp-remote-v1) and the files in it; size budgets
//   - signin.go: Import and ReadSignIn, <hash>_tokens.json and
//     <hash>_client_info.json read into an oauthflow.Adopted
//   - migrate.go: PlanFile, a host file's mcp-remote entries rewritten
//     (through internal/hostconfig, which knows nothing of mcp-remote)
//   - adopt.go: SignIn, ImportEntry and Preview, a migrated entry's sign-in
//
// cmd/mcpbridge parses the flags of migrate and import-mcp-remote, builds
// the sign-in (oauthflow.Flow) as the bridge does, and prints.
package mcpremote
