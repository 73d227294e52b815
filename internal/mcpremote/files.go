package mcpremote

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// EnvConfigDir is the variable that moves mcp-remote's folder.
const EnvConfigDir = "MCP_REMOTE_CONFIG_DIR"

// Size budgets of the files read: a tokens or client file is a few hundred
// bytes, a header file a few lines.
const (
	maxSignInFile = 1 << 20
	maxHeaderFile = 1 << 20
)

// ConfigDir is the folder where mcp-remote 0.15 keeps its files for an
// MCP_REMOTE_CONFIG_DIR value: base (default ~/.mcp-auth)/mcp-remote-v1.
func ConfigDir(base string) string {
	if base == "" {
		home, _ := os.UserHomeDir()
		base = filepath.Join(home, ".mcp-auth")
	}
	return filepath.Join(base, "mcp-remote-v1")
}

// Files is where mcp-remote keeps one server's sign-in: in Dir, the files
// <Hash>_tokens.json and <Hash>_client_info.json.
type Files struct {
	Dir, Hash string
}

// ServerFiles are the files of `mcp-remote URL` run in this process's
// environment; a hash other than "" replaces the one of URL alone.
func ServerFiles(url, hash string) Files {
	if hash == "" {
		hash = Hash([]string{url})
	}
	return Files{ConfigDir(os.Getenv(EnvConfigDir)), hash}
}

// Tokens is the path of the tokens file.
func (f Files) Tokens() string { return filepath.Join(f.Dir, f.Hash+"_tokens.json") }

// ClientInfo is the path of the client registration file.
func (f Files) ClientInfo() string { return filepath.Join(f.Dir, f.Hash+"_client_info.json") }

// Stored reports whether mcp-remote stored tokens there.
func (f Files) Stored() bool {
	_, err := os.Stat(f.Tokens())
	return err == nil
}

// readFile reads at most max bytes of path; a longer file is an error.
func readFile(path string, max int64) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	b, err := io.ReadAll(io.LimitReader(fh, max+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("read %s: over %d bytes, larger than any file mcp-remote writes", path, max)
	}
	return b, nil
}
