package httpclient

import (
	"os"
	"slices"
)

// EnvCAFile names the environment variable Node (and so mcp-remote) reads
// an extra CA bundle from; mcpbridge honours it too.
const EnvCAFile = "NODE_EXTRA_CA_CERTS"

// CAFiles is files (--ca-file) and, when EnvCAFile is set, the bundle it
// names, for Options.CAFiles. With labelled, that one is marked as coming
// from the environment (for a report).
func CAFiles(files []string, labelled bool) []string {
	out := slices.Clone(files)
	if extra := os.Getenv(EnvCAFile); extra != "" {
		if labelled {
			extra += " (" + EnvCAFile + ")"
		}
		out = append(out, extra)
	}
	return out
}
