package mcpremote

import (
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// bridgeLike stands in for mcpbridge's flag set (cmd/mcpbridge's
// TestMCPRemoteToBridge maps onto the real one): switches, single values
// and repeatable values of the kinds mcpbridge declares.
func bridgeLike() *pflag.FlagSet {
	fs := pflag.NewFlagSet("mcpbridge", pflag.ContinueOnError)
	for _, name := range []string{"allow-http", "debug", "silent", "disable-resource-parameter", "device-code", "client-credentials"} {
		fs.Bool(name, false, "")
	}
	for _, name := range []string{"header-file", "transport", "resource", "static-oauth-client-info", "token-endpoint", "auth-success-url"} {
		fs.String(name, "", "")
	}
	for _, name := range []string{"connect-timeout", "headers-timeout", "body-timeout", "ping-interval", "auth-timeout"} {
		fs.Int(name, 0, "")
	}
	for _, name := range []string{"header", "ignore-tool", "authorize-param"} {
		fs.StringArray(name, nil, "")
	}
	return fs
}

// TestToBridgeRules: how mcp-remote's loose reading of its arguments
// becomes mcpbridge's, each change with a note.
func TestToBridgeRules(t *testing.T) {
	const u = "https://x.example/mcp"
	for _, tc := range []struct {
		in, want []string
		notes    []string // substrings, one per note
	}{
		{[]string{u, "3334", "--allow-http", "--allow-http"}, []string{u, "3334", "--allow-http"}, nil},
		{[]string{u, "stray"}, []string{u}, []string{"stray argument"}},
		{[]string{u, "--no-such-flag"}, []string{u}, []string{"not a flag"}},
		{[]string{u, "--version"}, []string{u}, []string{"not a flag"}},
		{[]string{u, "--body-timeout", "0", "--headers-timeout", "0.2"}, []string{u, "--body-timeout", "0", "--headers-timeout", "1"}, []string{"whole seconds"}},
		{[]string{u, "--connect-timeout", "-1", "--ping-interval", "Inf"}, []string{u}, []string{"not a number", "not a number"}},
		{[]string{u, "--auth-timeout", "abc"}, []string{u}, []string{"not a positive number"}},
		{[]string{u, "--header", "Authorization Bearer secret"}, []string{u}, []string{"Name: value"}},
		{[]string{u, "--header", "A:b", "--header", "C: d"}, []string{u, "--header", "A:b", "--header", "C: d"}, nil},
		{[]string{u, "--resource", ""}, []string{u, "--disable-resource-parameter"}, []string{"disable-resource-parameter"}},
	} {
		got, notes := ToBridge(tc.in, bridgeLike())
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ToBridge(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if len(notes) != len(tc.notes) {
			t.Errorf("ToBridge(%q) notes %q, want %d", tc.in, notes, len(tc.notes))
			continue
		}
		for i, n := range tc.notes {
			if !strings.Contains(notes[i], n) {
				t.Errorf("note %q does not mention %q", notes[i], n)
			}
		}
	}
}

// TestToBridgeNeverShowsAHeaderValue: a dropped header is named by its
// name only; its value may be a token.
func TestToBridgeNeverShowsAHeaderValue(t *testing.T) {
	_, notes := ToBridge([]string{"https://x.example/mcp", "--header", "X Auth: s3cret"}, bridgeLike())
	if len(notes) != 1 || strings.Contains(notes[0], "s3cret") || !strings.Contains(notes[0], "X Auth: …") {
		t.Errorf("notes %q", notes)
	}
}

// TestLeadingInt is JavaScript's parseInt(s, 10), as mcp-remote reads
// --auth-timeout.
func TestLeadingInt(t *testing.T) {
	for in, want := range map[string]int{"90": 90, "90s": 90, " 7 ": 7, "": 0, "s90": 0, "1.9": 1} {
		if got := leadingInt(in); got != want {
			t.Errorf("leadingInt(%q) = %d, want %d", in, got, want)
		}
	}
}
