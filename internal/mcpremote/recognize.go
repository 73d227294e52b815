package mcpremote

import "strings"

// Args recognizes a host entry's command line that runs mcp-remote and
// returns mcp-remote's own arguments (the server URL first). It knows
//
//	npx [-y|--yes|…] mcp-remote[@version] URL …
//	npx -p mcp-remote[@version] mcp-remote URL …     (also --package=)
//	npm exec|x [--yes] [--] mcp-remote …
//	pnpm dlx, pnpx, yarn dlx, bunx, bun x  mcp-remote …
//	node [node flags] …/mcp-remote/dist/proxy.js URL …
//	mcp-remote URL …                                  (installed globally)
//	cmd /c <any of the above>                         (Windows)
//
// mcp-remote-client (its diagnostic) is not a bridge and is not matched.
func Args(command string, args []string) ([]string, bool) {
	argv := append([]string{command}, args...)
	if base(argv[0]) == "cmd" {
		argv = argv[1:]
		for len(argv) > 0 && strings.HasPrefix(argv[0], "/") && len(argv[0]) == 2 {
			argv = argv[1:] // /c, /s, /q, /k
		}
		if len(argv) == 1 {
			argv = strings.Fields(argv[0]) // cmd /c "npx -y mcp-remote URL"
		}
		if len(argv) == 0 {
			return nil, false
		}
	}
	switch b := base(argv[0]); b {
	case "mcp-remote":
		return nonEmpty(argv[1:])
	case "npx", "pnpx", "bunx":
		return runner(argv[1:])
	case "pnpm", "yarn", "bun", "npm":
		if len(argv) > 1 && (argv[1] == "dlx" || argv[1] == "x" || argv[1] == "exec") {
			return runner(argv[2:])
		}
	case "node", "nodejs":
		return nodeScript(argv[1:])
	}
	return nil, false
}

// base is a command's lower-case name without folder and Windows suffix.
func base(cmd string) string {
	cmd = cmd[strings.LastIndexAny(cmd, `/\`)+1:]
	cmd = strings.ToLower(cmd)
	for _, ext := range []string{".exe", ".cmd", ".bat", ".ps1"} {
		cmd = strings.TrimSuffix(cmd, ext)
	}
	return cmd
}

// runner passes a package runner's options and the package, then expects
// mcp-remote.
func runner(argv []string) ([]string, bool) {
	explicit := false
	for len(argv) > 0 && strings.HasPrefix(argv[0], "-") && argv[0] != "--" {
		opt := argv[0]
		argv = argv[1:]
		switch {
		case opt == "-p" || opt == "--package":
			if len(argv) == 0 || !isMCPRemote(argv[0]) {
				return nil, false
			}
			explicit, argv = true, argv[1:]
		case strings.HasPrefix(opt, "--package="):
			if !isMCPRemote(strings.TrimPrefix(opt, "--package=")) {
				return nil, false
			}
			explicit = true
		}
	}
	if len(argv) > 0 && argv[0] == "--" {
		argv = argv[1:]
	}
	if len(argv) == 0 || !isMCPRemote(argv[0]) || explicit && argv[0] != "mcp-remote" {
		return nil, false
	}
	argv = argv[1:]
	if len(argv) > 0 && argv[0] == "--" {
		argv = argv[1:]
	}
	return nonEmpty(argv)
}

// isMCPRemote: mcp-remote, mcp-remote@0.15.1, mcp-remote@latest.
func isMCPRemote(pkg string) bool {
	name, _, _ := strings.Cut(pkg, "@")
	return name == "mcp-remote"
}

// nodeScript finds …/mcp-remote/dist/proxy.js after node's own options.
func nodeScript(argv []string) ([]string, bool) {
	for i, a := range argv {
		if !strings.HasPrefix(a, "-") {
			p := strings.ReplaceAll(a, `\`, "/")
			if strings.HasSuffix(p, "mcp-remote/dist/proxy.js") {
				return nonEmpty(argv[i+1:])
			}
			return nil, false
		}
	}
	return nil, false
}

func nonEmpty(args []string) ([]string, bool) {
	if len(args) == 0 {
		return nil, false
	}
	return append([]string(nil), args...), true
}
