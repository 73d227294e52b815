package logx

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

// hostile is what a server may put in an error page, an error_description
// or a name: a screen clear, an OSC 52 clipboard write, a forged log line
// and a bidi override.
const hostile = "\x1b[2J\x1b]52;c;aGk=\x07\r\nmcpbridge: forged line\u202etxt.exe\u200b\x9b"

type stringer struct{}

func (stringer) String() string { return "stringer " + hostile }

// rawByte reports the first control or format character in s other than
// the line ends the handler writes.
func rawByte(s string) (rune, bool) {
	for _, r := range s {
		if r != '\n' && (unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp) || r == '\u202e') {
			return r, true
		}
	}
	return 0, false
}

// TestHostileValuesAreInertInBothSinks: the message, a string, an error, a
// Stringer, a nested group and WithAttrs values, all holding hostile text,
// reach stderr and the debug file with no raw control or format character
// and no forged line; the secret the caller hides shows in neither.
func TestHostileValuesAreInertInBothSinks(t *testing.T) {
	var stderr bytes.Buffer
	file := filepath.Join(t.TempDir(), "debug.log")
	hide := strings.NewReplacer("?api_key=SECRET", "?api_key=REDACTED")
	log, closeLog, err := New(Options{Stderr: &stderr, DebugFile: file, Hide: hide})
	if err != nil {
		t.Fatal(err)
	}
	log = log.With("server", "https://h/mcp?api_key=SECRET", "w"+hostile, hostile)
	log.Warn("failed: "+hostile,
		"error", errors.New("POST https://h/mcp?api_key=SECRET: "+hostile),
		"name", hostile, "s", stringer{},
		slog.Group("grp", "inner", hostile, slog.Group("deeper", "x", []byte(hostile))))
	if err := closeLog(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for sink, out := range map[string]string{"stderr": stderr.String(), "debug log": string(data)} {
		if r, bad := rawByte(out); bad {
			t.Errorf("%s holds a raw %U:\n%q", sink, r, out)
		}
		if n := strings.Count(out, "\n"); n != 1 {
			t.Errorf("%s has %d lines, want 1 (a forged line?):\n%s", sink, n, out)
		}
		if strings.Contains(out, "SECRET") {
			t.Errorf("%s shows the hidden secret:\n%s", sink, out)
		}
		for _, want := range []string{`\x1b[2J`, `\u202e`, "forged line", "stringer", "inner", "REDACTED"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s lacks %q (escaped, not dropped):\n%s", sink, want, out)
			}
		}
	}
	if !strings.Contains(stderr.String(), "grp.deeper.x=") {
		t.Errorf("stderr does not name nested group values:\n%s", stderr.String())
	}
}

// TestLongValuesAreCapped: one value cannot flood a line.
func TestLongValuesAreCapped(t *testing.T) {
	var stderr bytes.Buffer
	log, _, err := New(Options{Stderr: &stderr})
	if err != nil {
		t.Fatal(err)
	}
	log.Info("x", "body", strings.Repeat("a", 100_000))
	if n := stderr.Len(); n > maxText+100 {
		t.Errorf("a 100 kB value gave a %d-byte line", n)
	}
}
