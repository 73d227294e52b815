package hostconfig

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// FuzzPut: whatever the file, Parse never panics, and when it accepts the
// file, Put yields a file that parses, holds the entry, and means the same
// otherwise; a Rewrite of the new entry reads back too.
func FuzzPut(f *testing.F) {
	for _, s := range samples {
		f.Add(readSample(f, s.file), s.host == "zed" || s.host == "vscode")
	}
	f.Add([]byte(`{"mcpServers": {"a": {"command": "x", "args": [1]}}}`), false)
	f.Add([]byte("{\"mcpServers\":{\"a\":{},}, // c\n}"), true)
	f.Fuzz(func(t *testing.T, src []byte, zed bool) {
		h, _ := Lookup("cursor")
		if zed {
			h, _ = Lookup("zed")
		}
		d, err := Parse(h, src)
		if err != nil {
			return
		}
		e := Entry{Command: "/bin/mcpbridge", Args: []string{"https://x/mcp", "--header", "A: \"b\" \\ \u2028"}}
		out, err := d.Put("fuzz-entry", e, false)
		if errors.Is(err, ErrExists) || err != nil && d.root != nil {
			return // an existing entry, or a key on the way that is not an object
		}
		if err != nil {
			t.Fatalf("Put: %v", err)
		}
		d2, err := Parse(h, out)
		if err != nil {
			t.Fatalf("Put made a file that does not parse: %v\nbefore: %q\nafter:  %q", err, src, out)
		}
		m := d2.find(h.Key[0], "fuzz-entry")
		if m == nil {
			t.Fatalf("entry missing in %q", out)
		}
		s, err := d2.server(h.Key[0], m)
		if err != nil || s.Command != e.Command || !reflect.DeepEqual(s.Args, e.Args) {
			t.Fatalf("entry reads back as %+v, %v", s, err)
		}
		var before, after any
		if d.root != nil {
			_ = json.Unmarshal(plain(src[d.root.start:d.root.end]), &before)
			_ = json.Unmarshal(plain(out[d2.root.start:d2.root.end]), &after)
			delete(dig(after, h.Key[0]), "fuzz-entry")
			if b := dig(before, h.Key[0]); b == nil {
				delete(after.(map[string]any), h.Key[0][0])
			}
			if !reflect.DeepEqual(before, after) {
				t.Fatalf("meaning changed:\nbefore %v\nafter  %v", before, after)
			}
		}
		re, err := d2.Rewrite(s, "/other", []string{"u"})
		if err != nil {
			t.Fatalf("Rewrite: %v", err)
		}
		if _, err := Parse(h, re); err != nil {
			t.Fatalf("Rewrite made a file that does not parse: %v\n%q", err, re)
		}
	})
}

func dig(v any, path []string) map[string]any {
	for _, k := range path {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	m, _ := v.(map[string]any)
	return m
}
