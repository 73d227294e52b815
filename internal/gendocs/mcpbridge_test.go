package gendocs

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// subcommands are mcpbridge's visible subcommands; each must have a man page,
// be linked from mcpbridge(1) and be offered by shell completion.
var subcommands = []string{"demo", "login", "logout", "status", "import-mcp-remote", "completion"}

// buildMcpbridge builds the real binary, as the release does.
func buildMcpbridge(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the mcpbridge binary")
	}
	bin := filepath.Join(t.TempDir(), "mcpbridge")
	out, err := exec.Command("go", "build", "-tags", "gendocs", "-o", bin, "github.com/mcpbridge/mcpbridge/cmd/mcpbridge").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestMcpbridgeGenDocs runs the hidden `mcpbridge gen-docs DIR` the release
// runs, and checks the pages and completions cover every subcommand.
func TestMcpbridgeGenDocs(t *testing.T) {
	bin := buildMcpbridge(t)
	dir := t.TempDir()
	if out, err := exec.Command(bin, "gen-docs", "--date", "1700000000", dir).CombinedOutput(); err != nil {
		t.Fatalf("mcpbridge gen-docs: %v\n%s", err, out)
	}
	root := read(t, filepath.Join(dir, "man", "mcpbridge.1"))
	if !strings.Contains(root, `.TH "MCPBRIDGE" "1" "Nov 2023"`) {
		t.Errorf("mcpbridge.1 is not dated by --date:\n%.200s", root)
	}
	for _, sub := range subcommands {
		page := filepath.Join(dir, "man", "mcpbridge-"+sub+".1")
		if _, err := os.Stat(page); err != nil {
			t.Errorf("no man page for %s: %v", sub, err)
		}
		if !strings.Contains(root, `\fBmcpbridge-`+sub+`(1)\fP`) {
			t.Errorf("mcpbridge.1 does not link mcpbridge-%s(1)", sub)
		}
	}
	if strings.Contains(root, "gen-docs") {
		t.Error("mcpbridge.1 mentions the hidden gen-docs command")
	}
	got := bashComplete(t, bin, filepath.Join(dir, "completions", "mcpbridge.bash"), "")
	for _, sub := range subcommands {
		if !strings.Contains(got, "\n"+sub+"\n") {
			t.Errorf("bash completion of 'mcpbridge ' lacks %s:\n%s", sub, got)
		}
	}
	if strings.Contains(got, "gen-docs") {
		t.Errorf("bash completion offers the hidden gen-docs:\n%s", got)
	}
	if got := bashComplete(t, bin, filepath.Join(dir, "completions", "mcpbridge.bash"), "--transp"); !strings.Contains(got, "\n--transport") {
		t.Errorf("bash completion of 'mcpbridge --transp' lacks --transport:\n%s", got)
	}
}

// getCompWords stands in for bash-completion's _get_comp_words_by_ref, which
// cobra's script calls, when the bash-completion package is not installed.
const getCompWords = `
if [ -f /usr/share/bash-completion/bash_completion ]; then
  . /usr/share/bash-completion/bash_completion
else
  _get_comp_words_by_ref() {
    cur="${COMP_WORDS[COMP_CWORD]}"; prev="${COMP_WORDS[COMP_CWORD-1]}"
    words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD
  }
fi
`

// bashComplete sources the script in a real bash and presses Tab after
// "mcpbridge WORD"; it returns the candidates, one a line, between newlines.
func bashComplete(t *testing.T, bin, script, word string) string {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	prog := getCompWords + `. "$1"
COMP_WORDS=(mcpbridge "$2"); COMP_CWORD=1; COMP_LINE="mcpbridge $2"; COMP_POINT=${#COMP_LINE}
__start_mcpbridge
printf '\n'; printf '%s\n' "${COMPREPLY[@]}"`
	cmd := exec.Command(bash, "--norc", "--noprofile", "-c", prog, "bash", script, word)
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bash completion: %v\n%s", err, out)
	}
	return string(out)
}
