package hostconfig

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	goldenfile "github.com/mcpbridge/mcpbridge/internal/golden"
)

// samples are real-looking files of each host, with the host that reads them.
var samples = []struct{ file, host string }{
	{"claude_desktop_config.json", "claude-desktop"},
	{"claude_desktop_windows.json", "claude-desktop"}, // CRLF, 4 spaces, cmd /c and node …/proxy.js
	{"claude_code.json", "claude-code"},               // ~/.claude.json: user and per-project servers
	{"cursor_mcp.json", "cursor"},                     // tabs, a remote url entry
	{"cursor_compact.json", "cursor"},                 // one line, no newline at the end
	{"windsurf_mcp_config.json", "windsurf"},          // serverUrl, disabled, one-line entry
	{"vscode_mcp.json", "vscode"},                     // JSONC: comments, trailing commas, inputs
	{"zed_settings.json", "zed"},                      // themes, comments, trailing commas, the older entry shape
	{"zed_no_context_servers.json", "zed"},            // no context_servers yet, comment after the last member
	{"zed_default.json", "zed"},                       // only comments: what Zed writes first
	{"missing.json", "cursor"},                        // no file yet
}

var testEntry = Entry{Command: "/opt/homebrew/bin/mcpbridge", Args: []string{"https://mcp.example.com/mcp", "--header", "X-Team: a&b <ü>"}}

func readSample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Check(t, name, got, Diff)
}

func mustParse(t testing.TB, h Host, src []byte) *Document {
	t.Helper()
	d, err := Parse(h, src)
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, src)
	}
	return d
}

// TestPutGolden: a new entry lands in each sample as golden/<file>.install
// shows, and nothing else in the file changes.
func TestPutGolden(t *testing.T) {
	for _, s := range samples {
		t.Run(s.file, func(t *testing.T) {
			h, _ := Lookup(s.host)
			src := readSample(t, s.file)
			got, err := mustParse(t, h, src).Put("mcpbridge", testEntry, false)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, s.file+".install", got)
			checkOnlyAdded(t, h, src, got, "mcpbridge", testEntry)
		})
	}
}

// checkOnlyAdded: the new file holds the entry, everything else means what
// it meant, and every byte of the old file is still there, in order, with
// only the entry, line breaks, indentation and one comma added.
func checkOnlyAdded(t *testing.T, h Host, before, after []byte, name string, e Entry) {
	t.Helper()
	d := mustParse(t, h, after)
	m := d.find(h.Key[0], name)
	if m == nil {
		t.Fatalf("no entry %q in\n%s", name, after)
	}
	s, err := d.server(h.Key[0], m)
	if err != nil {
		t.Fatal(err)
	}
	if s.Command != e.Command || !reflect.DeepEqual(s.Args, e.Args) {
		t.Errorf("entry reads back as %q %q", s.Command, s.Args)
	}
	if h.StdioType && !bytes.Contains(after[m.val.start:m.val.end], []byte(`"type": "stdio"`)) {
		t.Errorf("VS Code entry without type stdio: %s", after[m.val.start:m.val.end])
	}
	if wantOld, gotOld := meaning(t, before), withoutEntry(t, after, h.Key[0], name, meaning(t, before)); !reflect.DeepEqual(wantOld, gotOld) {
		t.Errorf("the rest of the file changed meaning:\nwant %v\ngot  %v", wantOld, gotOld)
	}
	extra := subtract(t, before, after)
	member := after[m.keyStart:m.val.end]
	rest := strings.Replace(string(extra), string(squeeze(member)), "\x00", 1)
	found := strings.Contains(rest, "\x00")
	for _, k := range h.Key[0] { // the objects Put had to create
		rest = strings.Replace(rest, quote(k)+":", "", 1)
	}
	if rest = strings.NewReplacer("{", "", "}", "", "\x00", "").Replace(rest); !found || rest != "" && rest != "," {
		t.Errorf("added more than the entry (and one comma): %q", extra)
	}
	if bytes.Contains(before, []byte("\r\n")) && bytes.Count(after, []byte("\n")) != bytes.Count(after, []byte("\r\n")) {
		t.Errorf("a CRLF file got LF line endings:\n%q", after)
	}
}

// meaning is the file's content as encoding/json sees it.
func meaning(t *testing.T, src []byte) map[string]any {
	t.Helper()
	root, err := parse(src)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	if root != nil {
		if err := json.Unmarshal(plain(src[root.start:root.end]), &out); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// withoutEntry is the file's meaning without the entry, and without the
// objects on its path that only it made exist (those not in old).
func withoutEntry(t *testing.T, src []byte, path []string, name string, old map[string]any) map[string]any {
	t.Helper()
	m := meaning(t, src)
	cur := m
	for i, k := range path {
		next := cur[k].(map[string]any)
		if _, had := old[k]; !had {
			delete(cur, k)
			return m
		}
		if i == len(path)-1 {
			delete(next, name)
		}
		cur, old = next, old[k].(map[string]any)
	}
	if len(path) == 0 {
		delete(m, name)
	}
	return m
}

// subtract checks that before is a subsequence of after and returns the
// added bytes without blanks. Any deleted or altered byte fails the test.
func subtract(t *testing.T, before, after []byte) []byte {
	t.Helper()
	p := 0
	for p < len(before) && p < len(after) && before[p] == after[p] {
		p++
	}
	s := 0
	for s < len(before)-p && s < len(after)-p && before[len(before)-1-s] == after[len(after)-1-s] {
		s++
	}
	oldMid, newMid := before[p:len(before)-s], after[p:len(after)-s]
	if !bytes.Contains(newMid, oldMid) {
		t.Fatalf("bytes of the old file were changed or dropped: %q is not kept in %q", oldMid, newMid)
	}
	return squeeze(bytes.Replace(newMid, oldMid, nil, 1))
}

func squeeze(b []byte) []byte {
	return bytes.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, b)
}

func TestPutRefusesAnExistingEntry(t *testing.T) {
	h, _ := Lookup("claude-desktop")
	d := mustParse(t, h, readSample(t, "claude_desktop_config.json"))
	if _, err := d.Put("linear", testEntry, false); !errors.Is(err, ErrExists) {
		t.Fatalf("Put over an existing entry: %v, want ErrExists", err)
	}
}

// TestPutReplaceGolden: with replace (--force) only the entry's value
// changes; every byte before and after it is the same.
func TestPutReplaceGolden(t *testing.T) {
	for _, tc := range []struct{ file, host, name string }{
		{"claude_desktop_config.json", "claude-desktop", "linear"},
		{"vscode_mcp.json", "vscode", "intranet"},
		{"zed_settings.json", "zed", "linear"},
		{"claude_desktop_windows.json", "claude-desktop", "sentry"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			h, _ := Lookup(tc.host)
			src := readSample(t, tc.file)
			d := mustParse(t, h, src)
			old := d.find(h.Key[0], tc.name)
			got, err := d.Put(tc.name, testEntry, true)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tc.file+".replace", got)
			tail := len(src) - old.val.end
			if !bytes.Equal(got[:old.val.start], src[:old.val.start]) || !bytes.Equal(got[len(got)-tail:], src[old.val.end:]) {
				t.Errorf("bytes outside the entry changed")
			}
		})
	}
}

// rewrites are testdata/rewrites.json: per sample, the entries that run
// mcp-remote and mcp-remote's own arguments of each.
func rewrites(t *testing.T) map[string]map[string][]string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(readSample(t, "rewrites.json"), &m); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string][]string{}
	for file, raw := range m {
		if file == "_" {
			continue
		}
		var entries map[string][]string
		if err := json.Unmarshal(raw, &entries); err != nil {
			t.Fatal(err)
		}
		out[file] = entries
	}
	return out
}

// TestRewriteGolden: migrating every mcp-remote entry of a sample (to
// mcp-remote's own arguments, testdata/rewrites.json) changes only command
// and args inside those entries.
func TestRewriteGolden(t *testing.T) {
	want := rewrites(t)
	for _, s := range samples {
		t.Run(s.file, func(t *testing.T) {
			h, _ := Lookup(s.host)
			src := readSample(t, s.file)
			out := src
			servers, err := mustParse(t, h, src).Servers()
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, srv := range servers {
				args, ok := want[s.file][srv.Name]
				if !ok {
					continue
				}
				n++
				d := mustParse(t, h, out)
				m := d.find(srv.Path, srv.Name)
				next, err := d.Rewrite(srv, "/usr/local/bin/mcpbridge", args)
				if err != nil {
					t.Fatal(err)
				}
				tail := len(out) - m.val.end
				if !bytes.Equal(next[:m.val.start], out[:m.val.start]) || !bytes.Equal(next[len(next)-tail:], out[m.val.end:]) {
					t.Errorf("%s: bytes outside the entry changed", srv.Name)
				}
				checkRewritten(t, h, next, srv, args)
				out = next
			}
			if n != len(want[s.file]) {
				t.Fatalf("rewrote %d entries, rewrites.json names %d", n, len(want[s.file]))
			}
			if n == 0 {
				return
			}
			golden(t, s.file+".migrate", out)
		})
	}
}

func checkRewritten(t *testing.T, h Host, src []byte, old Server, args []string) {
	t.Helper()
	servers, err := mustParse(t, h, src).Servers()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range servers {
		if s.Name == old.Name && reflect.DeepEqual(s.Path, old.Path) {
			if s.Command != "/usr/local/bin/mcpbridge" || !reflect.DeepEqual(s.Args, args) || !reflect.DeepEqual(s.Env, old.Env) {
				t.Errorf("%s reads back as %q %q env %v", s.Name, s.Command, s.Args, s.Env)
			}
			return
		}
	}
	t.Errorf("%s is gone", old.Name)
}

func TestServers(t *testing.T) {
	h, _ := Lookup("claude-code")
	servers, err := mustParse(t, h, readSample(t, "claude_code.json")).Servers()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range servers {
		got = append(got, strings.Join(append(s.Path, s.Name), " / ")+" = "+s.Command)
	}
	want := []string{"mcpServers / figma = npx", "projects / /home/zoe/src/shop / mcpServers / shopify = npx"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	h, _ = Lookup("zed")
	servers, _ = mustParse(t, h, readSample(t, "zed_settings.json")).Servers()
	if len(servers) != 2 || servers[1].Command != "npx" || servers[1].Args[2] != "https://mcp.linear.app/mcp" {
		t.Errorf("Zed's older entry shape read as %+v", servers)
	}
}

func TestParseErrors(t *testing.T) {
	h, _ := Lookup("vscode")
	for _, src := range []string{
		`{"servers": {`, `{"servers": [}`, `{"a": tru}`, `{"a" 1}`, `[1, 2]`, `{"a": "x
"}`, `{} {}`, `/* open`, `{"a": 1,, }`, `{"a": nul}`,
	} {
		if _, err := Parse(h, []byte(src)); err == nil {
			t.Errorf("Parse(%q) accepted it", src)
		}
	}
	d := mustParse(t, h, []byte(`{"servers": 3}`))
	if _, err := d.Put("x", testEntry, false); err == nil || !strings.Contains(err.Error(), "not an object") {
		t.Errorf("Put into a non-object: %v", err)
	}
}

// TestPutKeepsTheFilesStyle pins small layouts: trailing commas stay
// trailing, comments stay on their line, indentation follows the file.
func TestPutKeepsTheFilesStyle(t *testing.T) {
	h, _ := Lookup("zed")
	e := Entry{Command: "m", Args: []string{"u"}}
	tests := []struct{ name, in, want string }{
		{"trailing comma", "{\n  \"context_servers\": {\n    \"a\": {},\n  },\n}\n",
			"{\n  \"context_servers\": {\n    \"a\": {},\n    \"n\": {\n      \"command\": \"m\",\n      \"args\": [\n        \"u\"\n      ],\n      \"env\": {}\n    },\n  },\n}\n"},
		{"comment after the last member", "{\n  \"context_servers\": {\n    \"a\": {} // keep\n  }\n}",
			"{\n  \"context_servers\": {\n    \"a\": {}, // keep\n    \"n\": {\n      \"command\": \"m\",\n      \"args\": [\n        \"u\"\n      ],\n      \"env\": {}\n    }\n  }\n}"},
		{"empty object with a comment", "{\n\t\"context_servers\": { /* none yet */ }\n}",
			"{\n\t\"context_servers\": {\n\t\t\"n\": {\n\t\t\t\"command\": \"m\",\n\t\t\t\"args\": [\n\t\t\t\t\"u\"\n\t\t\t],\n\t\t\t\"env\": {}\n\t\t} /* none yet */ }\n}"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := mustParse(t, h, []byte(tc.in)).Put("n", e, false)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// TestPlanInstallFor: the file is the one given, or the project's; an
// existing entry is refused with a hint to --force, or replaced with
// replace; a host without project files says so.
func TestPlanInstallFor(t *testing.T) {
	h, _ := Lookup("claude-desktop")
	path := filepath.Join(t.TempDir(), "claude_desktop_config.json")
	if err := os.WriteFile(path, readSample(t, "claude_desktop_config.json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := PlanInstallFor(h, path, false, "linear", testEntry, false); err == nil || !strings.Contains(err.Error(), "--force") || !strings.Contains(err.Error(), path) {
		t.Errorf("over an existing entry: %v, want a hint to --force naming the file", err)
	}
	plan, err := PlanInstallFor(h, path, false, "linear", testEntry, true)
	if err != nil || plan.Path != path || bytes.Equal(plan.Before, plan.After) {
		t.Fatalf("with replace: %+v, %v", plan, err)
	}
	w, _ := Lookup("windsurf")
	if _, err := PlanInstallFor(w, "", true, "a", testEntry, false); !errors.Is(err, ErrNoProjectFile) {
		t.Errorf("windsurf --project: %v, want ErrNoProjectFile", err)
	}
}
