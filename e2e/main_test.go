package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// bridgeBin is the mcpbridge binary TestMain built; configDir is the
// MCPBRIDGE_CONFIG_DIR every run of it shares.
var (
	bridgeBin string
	configDir string
	repoRoot  string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	tmp, err := os.MkdirTemp("", "mcpbridge-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(tmp)

	_, here, _, _ := runtime.Caller(0)
	repoRoot = filepath.Dir(filepath.Dir(here))

	bridgeBin = filepath.Join(tmp, "mcpbridge")
	if runtime.GOOS == "windows" {
		bridgeBin += ".exe"
	}
	build := exec.Command("go", "build", "-o", bridgeBin, "github.com/mcpbridge/mcpbridge/cmd/mcpbridge")
	build.Dir = repoRoot
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building mcpbridge failed:", err)
		return 1
	}

	configDir = filepath.Join(tmp, "config")
	if err := os.MkdirAll(configDir, 0o700); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	// Every mcpbridge the tests start inherits this: nothing lands in the
	// user's real config folder.
	os.Setenv("MCPBRIDGE_CONFIG_DIR", configDir)
	return m.Run()
}
