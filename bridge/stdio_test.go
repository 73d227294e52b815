package bridge

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	"github.com/mcpbridge/mcpbridge/bridge/transport"
)

// stdioTestLines reads every line until an error and returns both; an
// errLineTooLong is recorded as the line "<too long>" and reading goes on.
func stdioTestLines(l *lineReader) ([]string, error) {
	var out []string
	for {
		line, err := l.next(context.Background(), nil)
		switch {
		case errors.Is(err, errLineTooLong):
			if line != nil {
				return out, fmt.Errorf("a line came back with errLineTooLong: %q", line)
			}
			out = append(out, "<too long>")
			continue
		case err != nil:
			return out, err
		}
		out = append(out, string(line))
		if len(out) > 10000 {
			return out, errors.New("test: too many lines")
		}
	}
}

func TestLineReader(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"LF", "a\nb\n", []string{"a", "b"}},
		{"CRLF trimmed", "a\r\nb\r\n", []string{"a", "b"}},
		{"mixed endings", "a\r\nb\nc\r\n", []string{"a", "b", "c"}},
		{"only one CR trimmed", "a\r\r\n", []string{"a\r"}},
		{"lone CR is not a line end", "a\rb\n", []string{"a\rb"}},
		{"last line without newline", "a\nlast", []string{"a", "last"}},
		{"single line without newline", `{"jsonrpc":"2.0","method":"x"}`, []string{`{"jsonrpc":"2.0","method":"x"}`}},
		{"empty lines kept", "\n\r\n\n", []string{"", "", ""}},
		{"empty input", "", nil},
		{"spaces kept", "  a  \n", []string{"  a  "}},
		{"NUL and invalid UTF-8 kept", "a\x00\xff\n", []string{"a\x00\xff"}},
		{"JSON with escaped newline", `{"a":"x\ny"}` + "\n", []string{`{"a":"x\ny"}`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, rd := range []struct {
				name string
				r    io.Reader
			}{
				{"whole", strings.NewReader(tc.in)},
				{"one byte at a time", iotest.OneByteReader(strings.NewReader(tc.in))},
				{"data with EOF", iotest.DataErrReader(strings.NewReader(tc.in))},
			} {
				got, err := stdioTestLines(newLineReader(rd.r))
				if !errors.Is(err, io.EOF) {
					t.Errorf("%s: ended with %v, want io.EOF", rd.name, err)
				}
				if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tc.want) {
					t.Errorf("%s: lines %q, want %q", rd.name, got, tc.want)
				}
			}
		})
	}
}

func TestLineReaderEOFRepeats(t *testing.T) {
	l := newLineReader(strings.NewReader("x"))
	if line, err := l.next(context.Background(), nil); err != nil || string(line) != "x" {
		t.Fatalf("next = %q, %v", line, err)
	}
	for i := 0; i < 3; i++ {
		if line, err := l.next(context.Background(), nil); !errors.Is(err, io.EOF) || line != nil {
			t.Fatalf("after the end: %q, %v; want nil, io.EOF", line, err)
		}
	}
}

func TestLineReaderLinesAreTheCallersToKeep(t *testing.T) {
	var in strings.Builder
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&in, "line-%d\n", i)
	}
	l := newLineReader(strings.NewReader(in.String()))
	var kept [][]byte
	for {
		line, err := l.next(context.Background(), nil)
		if err != nil {
			break
		}
		kept = append(kept, line)
	}
	if len(kept) != 5000 {
		t.Fatalf("read %d lines, want 5000", len(kept))
	}
	for i, line := range kept {
		if want := fmt.Sprintf("line-%d", i); string(line) != want {
			t.Fatalf("line %d is now %q: the reader reused its buffer", i, line)
		}
	}
}

func TestLineReaderTenMiBLine(t *testing.T) {
	big := `{"jsonrpc":"2.0","id":1,"method":"x","params":{"blob":"` + strings.Repeat("a", 10<<20) + `"}}`
	for _, tc := range []struct {
		name string
		in   string
	}{
		{"LF", big + "\n" + "next\n"},
		{"CRLF", big + "\r\n" + "next\r\n"},
		{"last line", "first\n" + big},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := stdioTestLines(newLineReader(strings.NewReader(tc.in)))
			if !errors.Is(err, io.EOF) {
				t.Fatalf("ended with %v", err)
			}
			var found bool
			for _, line := range got {
				if line == big {
					found = true
				} else if line != "next" && line != "first" {
					t.Errorf("unexpected line of %d bytes", len(line))
				}
			}
			if !found || len(got) != 2 {
				t.Errorf("read %d lines; the 10 MiB line found: %v", len(got), found)
			}
		})
	}
}

// stdioTestSmallReader builds a lineReader with a 16-byte buffer (the
// smallest bufio allows) and the given limit, so that long lines take the
// same path as lines longer than the 64 KiB buffer in production.
func stdioTestSmallReader(r io.Reader, max int) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 16), max: max}
}

func TestLineReaderSkipsOverlongLines(t *testing.T) {
	const max = 40
	long := strings.Repeat("L", 100)
	huge := strings.Repeat("H", 100000)
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"long line skipped, next read", "a\n" + long + "\nb\n", []string{"a", "<too long>", "b"}},
		{"huge line skipped", huge + "\nb\n", []string{"<too long>", "b"}},
		{"long line with CRLF skipped", long + "\r\nb\r\n", []string{"<too long>", "b"}},
		{"two long lines in a row", long + "\n" + long + "\nb\n", []string{"<too long>", "<too long>", "b"}},
		{"long last line without newline", "a\n" + long, []string{"a", "<too long>"}},
		{"one byte over the limit", strings.Repeat("x", max+1) + "\nb\n", []string{"<too long>", "b"}},
		{"just under the limit", strings.Repeat("x", max-1) + "\nb\n", []string{strings.Repeat("x", max-1), "b"}},
		{"just under the limit with CRLF", strings.Repeat("x", max-2) + "\r\nb\n", []string{strings.Repeat("x", max-2), "b"}},
		{"short lines around", "1\n" + long + "\n2\n" + huge + "\n3", []string{"1", "<too long>", "2", "<too long>", "3"}},
		// "lines of any length up to MaxLineBytes": the limit is on the
		// line, not on its ending, so the same line passes whatever ends it.
		{"exactly the limit with LF", strings.Repeat("x", max) + "\nb\n", []string{strings.Repeat("x", max), "b"}},
		{"exactly the limit with CRLF", strings.Repeat("x", max) + "\r\nb\n", []string{strings.Repeat("x", max), "b"}},
		{"exactly the limit at the end", "b\n" + strings.Repeat("x", max), []string{"b", strings.Repeat("x", max)}},
		{"limit minus one with CRLF", strings.Repeat("x", max-1) + "\r\nb\n", []string{strings.Repeat("x", max-1), "b"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, rd := range []struct {
				name string
				r    io.Reader
			}{
				{"whole", strings.NewReader(tc.in)},
				{"one byte at a time", iotest.OneByteReader(strings.NewReader(tc.in))},
			} {
				got, err := stdioTestLines(stdioTestSmallReader(rd.r, max))
				if !errors.Is(err, io.EOF) {
					t.Errorf("%s: ended with %v, want io.EOF", rd.name, err)
				}
				if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tc.want) {
					t.Errorf("%s: lines %.200q, want %.200q", rd.name, got, tc.want)
				}
			}
		})
	}
}

// TestLineReaderReadError: a read error in the middle of a line is not the
// end of the input; the partial line is no message and must not be handed
// on as one.
func TestLineReaderReadError(t *testing.T) {
	boom := errors.New("read failed")
	tests := []struct {
		name      string
		in        string
		wantLines []string
	}{
		{"error after whole lines", "a\nb\n", []string{"a", "b"}},
		{"error in the middle of a line", "a\n{\"jsonrpc\":\"2.0\",\"id\":12", []string{"a"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := io.MultiReader(strings.NewReader(tc.in), iotest.ErrReader(boom))
			got, err := stdioTestLines(newLineReader(r))
			if !errors.Is(err, boom) {
				t.Errorf("ended with %v, want %v", err, boom)
			}
			if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tc.wantLines) {
				t.Errorf("lines %q, want %q", got, tc.wantLines)
			}
		})
	}
}

func TestOutWriterWritesOneLinePerMessage(t *testing.T) {
	var buf bytes.Buffer
	o := newOutWriter(&buf)
	msgs := []string{`{"jsonrpc":"2.0","id":1,"result":{}}`, `{}`, `[1,2]`}
	for i, m := range msgs {
		if err := o.write([]byte(m)); err != nil {
			t.Fatal(err)
		}
		// Each message is flushed at once: the client may be waiting for it.
		want := strings.Join(msgs[:i+1], "\n") + "\n"
		if buf.String() != want {
			t.Fatalf("after write %d stdout holds %q, want %q", i, buf.String(), want)
		}
	}
}

func TestOutWriterWritesPieces(t *testing.T) {
	var buf bytes.Buffer
	o := newOutWriter(&buf)
	if err := o.write([]byte(`{"jsonrpc":"2.0",`), nil, []byte(`"id":1,`), []byte(`"result":{}}`)); err != nil {
		t.Fatal(err)
	}
	if want := `{"jsonrpc":"2.0","id":1,"result":{}}` + "\n"; buf.String() != want {
		t.Errorf("stdout holds %q, want %q", buf.String(), want)
	}
}

func TestOutWriterLargeMessage(t *testing.T) {
	var buf bytes.Buffer
	o := newOutWriter(&buf)
	big := `"` + strings.Repeat("b", 1<<20) + `"`
	if err := o.write([]byte(big)); err != nil {
		t.Fatal(err)
	}
	if buf.String() != big+"\n" {
		t.Errorf("wrote %d bytes, want %d", buf.Len(), len(big)+1)
	}
}

// stdioTestSlowWriter records writes, handing over a few bytes at a time and
// yielding in between, so that unsynchronised writers would interleave.
type stdioTestSlowWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *stdioTestSlowWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		k := min(len(p), 512)
		w.mu.Lock()
		w.buf.Write(p[:k])
		w.mu.Unlock()
		runtime.Gosched()
		p = p[k:]
		n += k
	}
	return n, nil
}

func TestOutWriterConcurrentWritesNeverInterleave(t *testing.T) {
	w := &stdioTestSlowWriter{}
	o := newOutWriter(w)
	const writers, each = 16, 40
	want := map[string]bool{}
	msg := func(g, i int) string {
		// Sizes around and above the 32 KiB buffer, so some writes bypass it.
		size := (g*each + i) * 997 % (80 << 10)
		return fmt.Sprintf(`{"jsonrpc":"2.0","id":"%d-%d","result":{"pad":"%s"}}`, g, i, strings.Repeat(string(rune('a'+g)), size))
	}
	for g := 0; g < writers; g++ {
		for i := 0; i < each; i++ {
			want[msg(g, i)] = true
		}
	}
	var wg sync.WaitGroup
	for g := 0; g < writers; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				// Whole, or in three pieces as a message read in chunks.
				m := []byte(msg(g, i))
				parts := [][]byte{m}
				if i%2 == 1 {
					parts = [][]byte{m[:len(m)/3], m[len(m)/3 : 2*len(m)/3], m[2*len(m)/3:]}
				}
				if err := o.write(parts...); err != nil {
					t.Errorf("write: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	out := w.buf.String()
	if !strings.HasSuffix(out, "\n") {
		t.Fatal("output does not end in a newline")
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != writers*each {
		t.Fatalf("%d lines, want %d", len(lines), writers*each)
	}
	for i, line := range lines {
		if !want[line] {
			t.Fatalf("line %d is not one of the messages (interleaved?): %.120q", i, line)
		}
		delete(want, line)
	}
	if len(want) != 0 {
		t.Errorf("%d messages missing", len(want))
	}
}

// stdioTestFailingWriter fails every write and counts them.
type stdioTestFailingWriter struct{ calls int }

var errStdioTestGone = errors.New("broken pipe")

func (w *stdioTestFailingWriter) Write(p []byte) (int, error) {
	w.calls++
	return 0, errStdioTestGone
}

func TestOutWriterRemembersWriteErrors(t *testing.T) {
	w := &stdioTestFailingWriter{}
	o := newOutWriter(w)
	err := o.write([]byte(`{}`))
	if !errors.Is(err, errStdioTestGone) {
		t.Fatalf("first write: %v, want %v", err, errStdioTestGone)
	}
	calls := w.calls
	for i := 0; i < 3; i++ {
		if err2 := o.write([]byte(`{}`)); !errors.Is(err2, errStdioTestGone) {
			t.Errorf("later write: %v, want the remembered error", err2)
		}
	}
	if w.calls != calls {
		t.Errorf("stdout was written %d more times after it failed", w.calls-calls)
	}
}

// TestLineTooLongAnsweredByID pins the 1 GiB stdin line at a smaller
// scale: a line past the limit is skipped as it is read (never held), its
// id found from its first bytes, and the next line is read as usual.
func TestLineTooLongAnsweredByID(t *testing.T) {
	long := `{"jsonrpc":"2.0","id":"big-1","method":"tools/call","params":{"x":"` + strings.Repeat("A", 5<<20) + `"}}`
	in := long + "\n" + `{"jsonrpc":"2.0","id":2,"method":"ping"}` + "\n"
	lr := newLineReader(strings.NewReader(in))
	lr.max = 1 << 20
	b := transport.NewBudget(transport.DefaultPoolBytes)
	l := b.Lease()
	_, err := lr.next(context.Background(), &l)
	var tl *tooLong
	if !errors.As(err, &tl) || string(tl.id) != `"big-1"` {
		t.Fatalf("got %v (id %q), want tooLong with the line's id", err, tl)
	}
	if hw := b.Peak(); hw > int64(lr.max)+64<<10 {
		t.Errorf("held %d bytes of an overlong line; the limit is %d", hw, lr.max)
	}
	l.Release()
	next := b.Lease()
	line, err := lr.next(context.Background(), &next)
	if err != nil || !bytes.Contains(line, []byte(`"ping"`)) {
		t.Fatalf("next line: %q, %v", line, err)
	}
	if id := leadingID([]byte(`{"method":"x","params":{"id":5},"id":[1]`)); id != nil {
		t.Errorf("an array is no id, nor a nested one: %q", id)
	}
}
