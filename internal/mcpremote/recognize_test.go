package mcpremote

import (
	"reflect"
	"strings"
	"testing"
)

func TestArgs(t *testing.T) {
	const u = "https://mcp.example.com/mcp"
	tests := []struct {
		name    string
		command string
		args    []string
		want    []string // nil: not mcp-remote
	}{
		{"npx -y", "npx", []string{"-y", "mcp-remote", u}, []string{u}},
		{"npx --yes with a version", "npx", []string{"--yes", "mcp-remote@0.1.29", u, "3334", "--allow-http"}, []string{u, "3334", "--allow-http"}},
		{"npx latest", "npx", []string{"-y", "mcp-remote@latest", u}, []string{u}},
		{"npx without -y", "npx", []string{"mcp-remote", u}, []string{u}},
		{"npx -p", "npx", []string{"-y", "-p", "mcp-remote@0.15.1", "mcp-remote", u}, []string{u}},
		{"npx --package=", "npx", []string{"--package=mcp-remote", "mcp-remote", u}, []string{u}},
		{"npx with an absolute path", "/opt/homebrew/bin/npx", []string{"-y", "mcp-remote", u}, []string{u}},
		{"npx.cmd on Windows", `C:\Program Files\nodejs\npx.cmd`, []string{"-y", "mcp-remote", u}, []string{u}},
		{"npx -- separator", "npx", []string{"-y", "mcp-remote", "--", u}, []string{u}},
		{"npm exec", "npm", []string{"exec", "--yes", "--", "mcp-remote", u}, []string{u}},
		{"pnpm dlx", "pnpm", []string{"dlx", "mcp-remote", u, "--debug"}, []string{u, "--debug"}},
		{"pnpx", "pnpx", []string{"mcp-remote", u}, []string{u}},
		{"yarn dlx", "yarn", []string{"dlx", "mcp-remote", u}, []string{u}},
		{"bunx", "bunx", []string{"mcp-remote@latest", u}, []string{u}},
		{"bun x", "bun", []string{"x", "mcp-remote", u}, []string{u}},
		{"global install", "mcp-remote", []string{u, "--header", "A: b"}, []string{u, "--header", "A: b"}},
		{"global install, absolute", "/usr/local/bin/mcp-remote", []string{u}, []string{u}},
		{"node proxy.js", "node", []string{"/usr/lib/node_modules/mcp-remote/dist/proxy.js", u}, []string{u}},
		{"node with flags, Windows path", "node.exe", []string{"--no-warnings", `C:\npm\node_modules\mcp-remote\dist\proxy.js`, u}, []string{u}},
		{"cmd /c", "cmd", []string{"/c", "npx", "-y", "mcp-remote", u}, []string{u}},
		{"cmd.exe /C one string", `C:\Windows\System32\cmd.exe`, []string{"/C", "npx -y mcp-remote " + u}, []string{u}},
		{"the diagnostic client is not a bridge", "npx", []string{"-p", "mcp-remote", "mcp-remote-client", u}, nil},
		{"another package", "npx", []string{"-y", "@modelcontextprotocol/server-filesystem", "/tmp"}, nil},
		{"a look-alike package", "npx", []string{"-y", "mcp-remote-plus", u}, nil},
		{"no URL", "npx", []string{"-y", "mcp-remote"}, nil},
		{"uvx", "uvx", []string{"mcp-server-fetch"}, nil},
		{"pnpm install", "pnpm", []string{"install", "mcp-remote"}, nil},
		{"node other script", "node", []string{"server.js", u}, nil},
		{"mcpbridge already", "/usr/local/bin/mcpbridge", []string{u}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Args(tc.command, tc.args)
			if ok != (tc.want != nil) || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Args(%q, %q) = %q, %v; want %q", tc.command, strings.Join(tc.args, " "), got, ok, tc.want)
			}
		})
	}
}
