// Package hostconfig owns the MCP hosts' configuration files: where each
// host (Claude Desktop, Claude Code, Cursor, Windsurf, VS Code, Zed) keeps
// its list of stdio servers, how an entry looks there, and how to change one
// entry safely.
//
// A change is textual and minimal: a small JSONC scanner finds the byte
// ranges of the objects and members, and only the one entry (or the members
// of it that change) is inserted or replaced, in the file's own indentation
// and line endings. Comments, key order, trailing commas and every other
// byte outside the entry stay as they were. The file is never round-tripped
// through encoding/json.
//
// Saving keeps a timestamped copy of the old file next to it
// (FILE.YYYYMMDD-HHMMSS.bak), then writes a temporary file in the same
// folder, syncs it and renames it over the original, keeping its mode; a
// failure at any step leaves the original untouched.
//
// Files: hosts.go (the hosts and where their files are), jsonc.go (the
// JSONC scanner), layout.go (edits in the file's own indentation),
// document.go (reading servers, putting an entry), rewrite.go (changing
// an entry's command and arguments in place), diff.go (the unified diff
// shown for a dry run), save.go (backup and atomic replace), install.go
// (which file to change and the planned change for one entry, PlanInstallFor
// both), targets.go
// (the hosts' files that exist on this machine), command.go (the absolute
// path an entry names mcpbridge by, and shell quoting of a command line),
// claudecode.go (Claude Code's claude mcp add line, and running it),
// args.go (install's own flags told apart from the bridge's).
package hostconfig
