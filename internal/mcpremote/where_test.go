package mcpremote

import (
	"testing"

	"github.com/mcpbridge/mcpbridge/internal/hostconfig"
)

func TestChangeWhere(t *testing.T) {
	user := Change{Server: hostconfig.Server{Name: "linear", Path: []string{"mcpServers"}}}
	if got := user.Where(); got != "linear" {
		t.Errorf("user entry: %q", got)
	}
	project := Change{Server: hostconfig.Server{Name: "linear", Path: []string{"projects", "/home/me/app", "mcpServers"}}}
	if got := project.Where(); got != "linear (projects /home/me/app)" {
		t.Errorf("project entry: %q", got)
	}
}
