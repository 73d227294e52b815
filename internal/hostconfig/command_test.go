package hostconfig

import "testing"

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"plain": "plain", "https://x.example/mcp?a=1": "'https://x.example/mcp?a=1'", "": "''", "a b": "'a b'", "it's": `'it'\''s'`, "${X}": "'${X}'",
	} {
		if got := shellQuote(in, false); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
	if got := shellQuote("it's ${X}", true); got != "'it''s ${X}'" {
		t.Errorf("PowerShell quoting: %s", got)
	}
}

func TestClaudeAdd(t *testing.T) {
	e := Entry{Command: "/bin/mcpbridge", Args: []string{"https://x.example/mcp", "--debug"}}
	if got, want := ShellLine(ClaudeAdd("x", e, false)), "claude mcp add --scope user x -- /bin/mcpbridge https://x.example/mcp --debug"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if got := ClaudeAdd("x", e, true); got[4] != "project" {
		t.Errorf("project scope: %q", got)
	}
}
