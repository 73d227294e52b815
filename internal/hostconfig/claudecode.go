package hostconfig

import (
	"context"
	"fmt"
	"io"
	"os/exec"
)

// ClaudeAdd is the command line that adds the entry name to Claude Code,
// which edits its own file: claude mcp add, in the user's scope or, with
// project, the project's.
func ClaudeAdd(name string, e Entry, project bool) []string {
	scope := "user"
	if project {
		scope = "project"
	}
	return append([]string{"claude", "mcp", "add", "--scope", scope, name, "--", e.Command}, e.Args...)
}

// RunClaude runs a claude command line (ClaudeAdd's) with the claude on
// PATH, its output to stdout and stderr.
func RunClaude(ctx context.Context, argv []string, stdout, stderr io.Writer) error {
	claude, err := exec.LookPath("claude")
	if err != nil {
		return fmt.Errorf("claude is not on PATH (%w); install Claude Code or run the line above where it is", err)
	}
	c := exec.CommandContext(ctx, claude, argv[1:]...)
	c.Stdout, c.Stderr = stdout, stderr
	if err := c.Run(); err != nil {
		return fmt.Errorf("claude mcp add failed: %w", err)
	}
	return nil
}
