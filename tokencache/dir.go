package tokencache

import (
	"os"
	"path/filepath"
)

// DefaultDir is mcpbridge's config folder, where the index, the file
// backend, the locks and the debug logs live: MCPBRIDGE_CONFIG_DIR, else
// mcpbridge in the OS's user config folder, else in the temporary folder.
func DefaultDir() string {
	if d := os.Getenv("MCPBRIDGE_CONFIG_DIR"); d != "" {
		return d
	}
	if d, err := os.UserConfigDir(); err == nil {
		return filepath.Join(d, "mcpbridge")
	}
	return filepath.Join(os.TempDir(), "mcpbridge")
}
