package mcpremote

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/mcpbridge/mcpbridge/internal/hostconfig"
)

// Plan is what migrating one host file changes.
type Plan struct {
	Host          hostconfig.Host
	Path          string
	Before, After []byte
	Changes       []Change // the file's mcp-remote entries, in its order
}

// Change is one mcp-remote entry and what it becomes.
type Change struct {
	Server hostconfig.Server
	From   []string // mcp-remote's arguments, the server URL first
	Args   []string // mcpbridge's
	Notes  []string // what changed in the meaning, and why
}

// URL is the entry's server.
func (c Change) URL() string { return c.From[0] }

// Where names the entry for a person: its name, and for Claude Code's
// per-project servers its project too.
func (c Change) Where() string {
	if p := c.Server.Path; len(p) > 1 {
		return c.Server.Name + " (" + strings.Join(p[:len(p)-1], " ") + ")"
	}
	return c.Server.Name
}

// Files is where mcp-remote kept the entry's sign-in: the folder of the
// entry's own env MCP_REMOTE_CONFIG_DIR (else this process's), under the
// hash of its arguments.
func (c Change) Files() Files {
	base, ok := c.Server.Env[EnvConfigDir]
	if !ok {
		base = os.Getenv(EnvConfigDir)
	}
	return Files{ConfigDir(base), Hash(c.From)}
}

// PlanFile finds the mcp-remote entries in the host's file at path and
// rewrites each to start command with mcpbridge arguments of the same
// meaning (ToBridge, with bridgeFlags); only their command and args
// change. Nothing is written. On an error the plan holds the entries
// rewritten before it.
func PlanFile(h hostconfig.Host, path, command string, bridgeFlags *pflag.FlagSet) (*Plan, error) {
	before, err := hostconfig.Read(path)
	if err != nil {
		return nil, err
	}
	doc, err := hostconfig.Parse(h, before)
	if err != nil {
		return nil, fmt.Errorf("%s: %w; fix it by hand, then try again", path, err)
	}
	servers, err := doc.Servers()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	p := &Plan{Host: h, Path: path, Before: before, After: before}
	for _, srv := range servers {
		from, ok := Args(srv.Command, srv.Args)
		if !ok {
			continue
		}
		if err := p.rewrite(Change{Server: srv, From: from}, command, bridgeFlags); err != nil {
			return p, err
		}
	}
	return p, nil
}

// rewrite maps c's arguments and rewrites its entry in p.After.
func (p *Plan) rewrite(c Change, command string, bridgeFlags *pflag.FlagSet) error {
	c.Args, c.Notes = ToBridge(c.From, bridgeFlags)
	if dir, ok := c.Server.Env[EnvConfigDir]; ok {
		c.Notes = append(c.Notes, fmt.Sprintf("env %s=%s is kept; sign-ins are imported from it, mcpbridge keeps its own in the keychain (or MCPBRIDGE_CONFIG_DIR)", EnvConfigDir, dir))
	}
	d, err := hostconfig.Parse(p.Host, p.After)
	if err == nil {
		p.After, err = d.Rewrite(c.Server, command, c.Args)
	}
	if err != nil {
		return fmt.Errorf("%s: entry %q: %w", p.Path, c.Server.Name, err)
	}
	p.Changes = append(p.Changes, c)
	return nil
}

// Diff is the change to the file, as a unified diff.
func (p *Plan) Diff() string { return hostconfig.Diff(p.Path, p.Before, p.After) }

// Save writes the new file, keeping the old one as a backup, whose path it
// returns (hostconfig.Saver).
func (p *Plan) Save() (backup string, err error) {
	return hostconfig.Saver{}.Save(p.Path, p.Before, p.After)
}
