package gendocs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

func tree() *cobra.Command {
	root := &cobra.Command{Use: "tool URL", Short: "A tool", Args: cobra.MaximumNArgs(1), Run: func(*cobra.Command, []string) {}}
	root.Flags().String("transport", "http-first", "how to connect")
	root.AddCommand(
		&cobra.Command{Use: "alpha", Short: "First thing", Run: func(*cobra.Command, []string) {}},
		&cobra.Command{Use: "beta", Short: "Second thing", Run: func(*cobra.Command, []string) {}},
		&cobra.Command{Use: "secret", Short: "Packagers only", Hidden: true, Run: func(*cobra.Command, []string) {}},
	)
	return root
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestWriteGivesOnePagePerVisibleCommand: a page for the root and each
// visible subcommand, none for hidden ones, linked from the root's SEE ALSO,
// dated as asked and without cobra's dated footer (reproducible bytes).
func TestWriteGivesOnePagePerVisibleCommand(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, "man", "tool-removed.1")
	if err := os.MkdirAll(filepath.Dir(stale), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stale, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	date := time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)
	if err := Write(tree(), Options{Dir: dir, Source: "tool 1.2.3", Date: date}); err != nil {
		t.Fatal(err)
	}
	for _, page := range []string{"tool.1", "tool-alpha.1", "tool-beta.1"} {
		if _, err := os.Stat(filepath.Join(dir, "man", page)); err != nil {
			t.Errorf("no man page %s: %v", page, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "man", "tool-secret.1")); err == nil {
		t.Error("a hidden command got a man page")
	}
	if _, err := os.Stat(stale); err == nil {
		t.Error("a page from an earlier run is still there")
	}
	root := read(t, filepath.Join(dir, "man", "tool.1"))
	for _, want := range []string{`.TH "TOOL" "1" "Mar 2026" "tool 1.2.3" "mcpbridge manual"`, `\fBtool-alpha(1)\fP`, `\fBtool-beta(1)\fP`, "--transport"} {
		if !strings.Contains(root, want) {
			t.Errorf("tool.1 lacks %q:\n%s", want, root)
		}
	}
	if strings.Contains(root, "Auto generated") || strings.Contains(root, "secret") {
		t.Errorf("tool.1 has a dated footer or the hidden command:\n%s", root)
	}
}

// TestWriteGivesThreeCompletionScripts: each script is the program's own and
// asks it for candidates (cobra's __complete protocol), so new subcommands
// complete without regenerating.
func TestWriteGivesThreeCompletionScripts(t *testing.T) {
	dir := t.TempDir()
	if err := Write(tree(), Options{Dir: dir, Date: time.Unix(0, 0)}); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"tool.bash": "complete -o default -F __start_tool tool",
		"tool.zsh":  "#compdef tool",
		"tool.fish": "complete -c tool",
	}
	for file, marker := range want {
		s := read(t, filepath.Join(dir, "completions", file))
		if !strings.Contains(s, marker) || !strings.Contains(s, "__complete") {
			t.Errorf("%s lacks %q or the __complete call", file, marker)
		}
	}
}

func TestManDateReadsSourceDateEpoch(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	got, err := manDate(time.Time{})
	if err != nil || !got.Equal(time.Unix(1700000000, 0)) {
		t.Errorf("manDate = %v, %v; want 2023-11-14", got, err)
	}
	t.Setenv("SOURCE_DATE_EPOCH", "yesterday")
	if _, err := manDate(time.Time{}); err == nil || !strings.Contains(err.Error(), "SOURCE_DATE_EPOCH") {
		t.Errorf("a bad SOURCE_DATE_EPOCH gave %v, want an error naming it", err)
	}
}

func TestWriteWantsAFolder(t *testing.T) {
	if err := Write(tree(), Options{}); err == nil {
		t.Error("Write with no folder succeeded")
	}
}
