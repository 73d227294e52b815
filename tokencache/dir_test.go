package tokencache

import (
	"path/filepath"
	"testing"
)

func TestDefaultDir(t *testing.T) {
	t.Setenv("MCPBRIDGE_CONFIG_DIR", "/somewhere/else")
	if got := DefaultDir(); got != "/somewhere/else" {
		t.Errorf("with MCPBRIDGE_CONFIG_DIR: %s", got)
	}
	t.Setenv("MCPBRIDGE_CONFIG_DIR", "")
	if got := DefaultDir(); filepath.Base(got) != "mcpbridge" {
		t.Errorf("without: %s", got)
	}
}
