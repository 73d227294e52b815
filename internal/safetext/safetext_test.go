package safetext

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestEscape(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain text, café, 日本", "plain text, café, 日本"},
		{"\x1b]52;c;aGVsbG8=\x07", `\x1b]52;c;aGVsbG8=\x07`},
		{"red \x1b[31mtext\x1b[0m", `red \x1b[31mtext\x1b[0m`},
		{"line\nforged: entry\r\n", `line\nforged: entry\r\n`},
		{"tab\there", `tab\there`},
		{"del\x7f", `del\x7f`},
		{"c1 \u009b31m", `c1 \x9b31m`},
		{"evil\u202etxt.exe", `evil\u202etxt.exe`},
		{"iso\u2066late\u2069", `iso\u2066late\u2069`},
		{"zero\u200bwidth\ufeff", `zero\u200bwidth\ufeff`},
		{"sep\u2028arator", `sep\u2028arator`},
		{"bad \xff\xfe utf8", `bad \xff\xfe utf8`},
		{"nul\x00", `nul\x00`},
	} {
		if got := Escape(c.in); got != c.want {
			t.Errorf("Escape(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestEscapeCapsLength(t *testing.T) {
	got := EscapeN(strings.Repeat("a", 1000), 10)
	if got != "aaaaaaaaaa…" {
		t.Fatalf("got %q", got)
	}
	// An escape is never cut in half.
	got = EscapeN("aaaaaaaa\x1b", 10)
	if got != "aaaaaaaa…" {
		t.Fatalf("got %q", got)
	}
	if got := Line([]byte("  <html>\n <body>\x1b[2J  "), 100); got != `<html> <body>\x1b[2J` {
		t.Fatalf("Line: %q", got)
	}
}

// FuzzEscape feeds every byte: the result is valid UTF-8, holds no control,
// format or separator character, and respects the cap.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "a", "\x1b[31m", "\u202e", "\xff", "\u0085", "日本\x00", "\r\n\t", "\U000e0001"} {
		f.Add(s, 40)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		max = max%500 + 1
		if max < 1 {
			max = -max + 1
		}
		got := EscapeN(s, max)
		if !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8 out of %q: %q", s, got)
		}
		for _, r := range got {
			if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Co, unicode.Cs) {
				t.Fatalf("%U survived in %q (from %q)", r, got, s)
			}
		}
		if len(got) > max+len("…") {
			t.Fatalf("len %d over cap %d: %q", len(got), max, got)
		}
		if full := EscapeN(s, 0); !strings.HasPrefix(full, strings.TrimSuffix(got, "…")) {
			t.Fatalf("capped %q is not a prefix of %q", got, full)
		}
	})
}

func TestRedactHeader(t *testing.T) {
	for in, want := range map[string]string{
		"Authorization: Bearer secret": "Authorization: …",
		" X-Key :v":                    "X-Key: …",
		"no colon secret":              "…",
	} {
		if got := RedactHeader(in); got != want {
			t.Errorf("RedactHeader(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLines(t *testing.T) {
	in := "--- a\n+\t\"x\": \"\x1b]52;c;AAAA\x07\"\n\u202eevil"
	got := Lines(in)
	if strings.Count(got, "\n") != 2 || !strings.Contains(got, "+\t") {
		t.Errorf("line breaks and tabs should stay: %q", got)
	}
	if strings.ContainsAny(got, "\x1b\x07\u202e") {
		t.Errorf("escape sequence or bidi override kept: %q", got)
	}
}
