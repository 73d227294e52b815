package transport

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
)

// sseTestEvent is a dispatched event in comparable form.
type sseTestEvent struct {
	name, data, id string
}

// sseTestResult is everything a reader produced from one stream.
type sseTestResult struct {
	events []sseTestEvent
	err    error // the error that ended the stream
	lastID string
	idSeen bool
	retry  int
}

func (r sseTestResult) String() string {
	return fmt.Sprintf("events %q, err %v, lastID %q (seen %v), retry %d", r.events, r.err, r.lastID, r.idSeen, r.retry)
}

// sseTestReadAll reads events until an error, which it returns with them.
func sseTestReadAll(r io.Reader) sseTestResult {
	s := newSSEReader(r)
	var res sseTestResult
	for {
		e, err := s.next()
		if err != nil {
			res.err = err
			break
		}
		res.events = append(res.events, sseTestEvent{e.name, string(e.bytes()), e.id})
		if len(res.events) > 10000 {
			res.err = errors.New("test: too many events")
			break
		}
	}
	res.lastID, res.idSeen, res.retry = s.lastID, s.idSeen, s.retry
	return res
}

// sseTestChunks returns a reader that hands out the given pieces one Read
// at a time.
func sseTestChunks(pieces ...string) io.Reader {
	return &sseTestChunkReader{pieces: pieces}
}

type sseTestChunkReader struct{ pieces []string }

func (c *sseTestChunkReader) Read(p []byte) (int, error) {
	for len(c.pieces) > 0 && c.pieces[0] == "" {
		c.pieces = c.pieces[1:]
	}
	if len(c.pieces) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.pieces[0])
	c.pieces[0] = c.pieces[0][n:]
	return n, nil
}

// sseTestSplit cuts s into pieces of n bytes.
func sseTestSplit(s string, n int) []string {
	var out []string
	for len(s) > n {
		out = append(out, s[:n])
		s = s[n:]
	}
	return append(out, s)
}

// sseTestReaders are the ways a stream may arrive: whole, or in small reads
// that split CRLF pairs and fields anywhere.
var sseTestReaders = []struct {
	name string
	wrap func(string) io.Reader
}{
	{"whole", func(s string) io.Reader { return strings.NewReader(s) }},
	{"one byte at a time", func(s string) io.Reader { return iotest.OneByteReader(strings.NewReader(s)) }},
	{"two bytes at a time", func(s string) io.Reader { return sseTestChunks(sseTestSplit(s, 2)...) }},
	{"three bytes at a time", func(s string) io.Reader { return sseTestChunks(sseTestSplit(s, 3)...) }},
	{"half reads", func(s string) io.Reader { return iotest.HalfReader(strings.NewReader(s)) }},
	{"data then EOF together", func(s string) io.Reader { return iotest.DataErrReader(strings.NewReader(s)) }},
}

func TestSSEParser(t *testing.T) {
	msg := func(data string) sseTestEvent { return sseTestEvent{"message", data, ""} }
	tests := []struct {
		name    string
		in      string
		want    []sseTestEvent
		wantErr error // io.EOF for a clean end
		lastID  string
		retry   int
	}{
		// Line endings.
		{"LF", "data: hello\n\n", []sseTestEvent{msg("hello")}, io.EOF, "", 0},
		{"CRLF", "data: hello\r\n\r\n", []sseTestEvent{msg("hello")}, io.EOF, "", 0},
		{"CR", "data: hello\r\r", []sseTestEvent{msg("hello")}, io.EOF, "", 0},
		{"mixed endings in one event", "data: a\r\ndata: b\rdata: c\n\n", []sseTestEvent{msg("a\nb\nc")}, io.EOF, "", 0},
		{"CR CR LF is a line then an empty line", "data: a\r\r\ndata: b\n\n", []sseTestEvent{msg("a"), msg("b")}, io.EOF, "", 0},
		{"LF CR is two line ends", "data: a\n\rdata: b\n\n", []sseTestEvent{msg("a"), msg("b")}, io.EOF, "", 0},
		{"several events", "data: 1\n\ndata: 2\r\n\r\ndata: 3\r\r", []sseTestEvent{msg("1"), msg("2"), msg("3")}, io.EOF, "", 0},
		{"extra blank lines", "\n\n\ndata: x\n\n\n\n", []sseTestEvent{msg("x")}, io.EOF, "", 0},
		// Data.
		{"multi-line data joined with LF", "data: a\ndata: b\ndata: c\n\n", []sseTestEvent{msg("a\nb\nc")}, io.EOF, "", 0},
		{"only one leading space removed", "data:  two\n\n", []sseTestEvent{msg(" two")}, io.EOF, "", 0},
		{"no space after the colon", "data:x\n\n", []sseTestEvent{msg("x")}, io.EOF, "", 0},
		{"trailing space kept", "data: x \n\n", []sseTestEvent{msg("x ")}, io.EOF, "", 0},
		{"colon in the value", "data: a: b:c\n\n", []sseTestEvent{msg("a: b:c")}, io.EOF, "", 0},
		{"JSON data", `data: {"jsonrpc":"2.0","id":1,"result":{}}` + "\n\n", []sseTestEvent{msg(`{"jsonrpc":"2.0","id":1,"result":{}}`)}, io.EOF, "", 0},
		{"empty data line is dispatched empty", "data\n\n", []sseTestEvent{msg("")}, io.EOF, "", 0},
		{"data colon only", "data:\n\n", []sseTestEvent{msg("")}, io.EOF, "", 0},
		{"empty data lines joined", "data\ndata\n\n", []sseTestEvent{msg("\n")}, io.EOF, "", 0},
		{"empty then text", "data:\ndata: x\n\n", []sseTestEvent{msg("\nx")}, io.EOF, "", 0},
		{"field names are case-sensitive", "Data: x\n\n", nil, io.EOF, "", 0},
		{"unknown fields ignored", "foo: bar\ndata: x\nbaz\n\n", []sseTestEvent{msg("x")}, io.EOF, "", 0},
		{"a tab is not the optional space", "data:\tx\n\n", []sseTestEvent{msg("\tx")}, io.EOF, "", 0},
		{"invalid UTF-8 kept", "data: \xff\xfe\n\n", []sseTestEvent{msg("\xff\xfe")}, io.EOF, "", 0},
		{"NUL in data kept", "data: a\x00b\n\n", []sseTestEvent{msg("a\x00b")}, io.EOF, "", 0},
		// Comments.
		{"comment only", ": keep-alive\n\n", nil, io.EOF, "", 0},
		{"comment without space", ":ping\n\n", nil, io.EOF, "", 0},
		{"comment between data lines", "data: a\n: c\ndata: b\n\n", []sseTestEvent{msg("a\nb")}, io.EOF, "", 0},
		{"comment looks like data", ":data: x\n\n", nil, io.EOF, "", 0},
		{"comments then event", ": one\n: two\r\n\r\ndata: x\n\n", []sseTestEvent{msg("x")}, io.EOF, "", 0},
		// Event names.
		{"named event", "event: endpoint\ndata: /messages?s=1\n\n", []sseTestEvent{{"endpoint", "/messages?s=1", ""}}, io.EOF, "", 0},
		{"name reset after dispatch", "event: a\ndata: 1\n\ndata: 2\n\n", []sseTestEvent{{"a", "1", ""}, msg("2")}, io.EOF, "", 0},
		{"name without data is dropped and reset", "event: a\n\ndata: 2\n\n", []sseTestEvent{msg("2")}, io.EOF, "", 0},
		{"last name wins", "event: a\nevent: b\ndata: x\n\n", []sseTestEvent{{"b", "x", ""}}, io.EOF, "", 0},
		{"empty name means message", "event:\ndata: x\n\n", []sseTestEvent{msg("x")}, io.EOF, "", 0},
		{"name after data", "data: x\nevent: late\n\n", []sseTestEvent{{"late", "x", ""}}, io.EOF, "", 0},
		// Ids.
		{"id", "id: 7\ndata: x\n\n", []sseTestEvent{{"message", "x", "7"}}, io.EOF, "7", 0},
		{"id persists to later events", "id: 7\ndata: x\n\ndata: y\n\n", []sseTestEvent{{"message", "x", "7"}, {"message", "y", "7"}}, io.EOF, "7", 0},
		{"id without data still counts", "id: 9\n\ndata: z\n\n", []sseTestEvent{{"message", "z", "9"}}, io.EOF, "9", 0},
		{"empty id resets", "id: 7\ndata: x\n\nid\ndata: y\n\n", []sseTestEvent{{"message", "x", "7"}, {"message", "y", ""}}, io.EOF, "", 0},
		{"empty id with colon resets", "id: 7\ndata: x\n\nid:\ndata: y\n\n", []sseTestEvent{{"message", "x", "7"}, {"message", "y", ""}}, io.EOF, "", 0},
		{"id holding NUL ignored", "id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n", []sseTestEvent{{"message", "a", "1"}, {"message", "b", "1"}}, io.EOF, "1", 0},
		{"id holding only NUL ignored", "id: 5\ndata: a\n\nid: \x00\ndata: b\n\n", []sseTestEvent{{"message", "a", "5"}, {"message", "b", "5"}}, io.EOF, "5", 0},
		{"last id in an event wins", "id: 1\nid: 2\ndata: x\n\n", []sseTestEvent{{"message", "x", "2"}}, io.EOF, "2", 0},
		{"id with spaces kept", "id:  a b \ndata: x\n\n", []sseTestEvent{{"message", "x", " a b "}}, io.EOF, " a b ", 0},
		// Retry.
		{"retry", "retry: 3000\ndata: x\n\n", []sseTestEvent{msg("x")}, io.EOF, "", 3000},
		{"retry zero", "retry: 0\n\n", nil, io.EOF, "", 0},
		{"retry without an event", "retry: 1500\n\n", nil, io.EOF, "", 1500},
		{"retry with unit ignored", "retry: 3s\ndata: x\n\n", []sseTestEvent{msg("x")}, io.EOF, "", 0},
		{"negative retry ignored", "retry: -1\n\n", nil, io.EOF, "", 0},
		{"plus retry ignored", "retry: +5\n\n", nil, io.EOF, "", 0},
		{"fractional retry ignored", "retry: 1.5\n\n", nil, io.EOF, "", 0},
		{"empty retry ignored", "retry:\n\n", nil, io.EOF, "", 0},
		{"retry with trailing space ignored", "retry: 12 \n\n", nil, io.EOF, "", 0},
		{"invalid retry keeps the previous one", "retry: 200\n\nretry: x\n\n", nil, io.EOF, "", 200},
		{"later retry wins", "retry: 200\nretry: 300\n\n", nil, io.EOF, "", 300},
		// Dispatch rules.
		{"empty stream", "", nil, io.EOF, "", 0},
		{"blank lines only", "\n\r\n\r", nil, io.EOF, "", 0},
		{"no data, no dispatch", "event: x\nid: 3\n\n", nil, io.EOF, "3", 0},
		// Cut streams.
		{"unterminated line", "data: x", nil, io.ErrUnexpectedEOF, "", 0},
		{"data without blank line", "data: x\n", nil, io.ErrUnexpectedEOF, "", 0},
		{"data CR without blank line", "data: x\r", nil, io.ErrUnexpectedEOF, "", 0},
		{"event after a complete one cut", "data: a\n\ndata: b", []sseTestEvent{msg("a")}, io.ErrUnexpectedEOF, "", 0},
		{"event after a complete one cut at its line end", "data: a\n\ndata: b\n", []sseTestEvent{msg("a")}, io.ErrUnexpectedEOF, "", 0},
		{"name without blank line", "event: e\n", nil, io.ErrUnexpectedEOF, "", 0},
		// WHATWG: the last event id string is set when the event is
		// dispatched; an event cut before its blank line is discarded with
		// its id. Resuming with the cut event's id would skip that event.
		{"id of a cut event not adopted", "id: 1\ndata: a\n\nid: 2\ndata: b\n", []sseTestEvent{{"message", "a", "1"}}, io.ErrUnexpectedEOF, "1", 0},
		{"id of a cut event without data not adopted", "id: 1\ndata: a\n\nid: 2\n", []sseTestEvent{{"message", "a", "1"}}, io.EOF, "1", 0},
		// WHATWG: one leading U+FEFF BYTE ORDER MARK is ignored.
		{"leading BOM ignored", "\xef\xbb\xbfdata: x\n\n", []sseTestEvent{msg("x")}, io.EOF, "", 0},
		{"leading BOM before a named event", "\xef\xbb\xbfevent: endpoint\ndata: /post\n\n", []sseTestEvent{{"endpoint", "/post", ""}}, io.EOF, "", 0},
		{"only one BOM ignored", "\xef\xbb\xbf\xef\xbb\xbfdata: x\n\n", nil, io.EOF, "", 0},
		{"BOM later is part of the line", "data: a\n\n\xef\xbb\xbfdata: x\n\n", []sseTestEvent{msg("a")}, io.EOF, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, rd := range sseTestReaders {
				got := sseTestReadAll(rd.wrap(tc.in))
				if fmt.Sprint(got.events) != fmt.Sprint(tc.want) {
					t.Errorf("%s: events %q, want %q", rd.name, got.events, tc.want)
				}
				if !errors.Is(got.err, tc.wantErr) {
					t.Errorf("%s: ended with %v, want %v", rd.name, got.err, tc.wantErr)
				}
				if got.lastID != tc.lastID {
					t.Errorf("%s: last event id %q, want %q", rd.name, got.lastID, tc.lastID)
				}
				if got.retry != tc.retry {
					t.Errorf("%s: retry %d, want %d", rd.name, got.retry, tc.retry)
				}
			}
		})
	}
}

// TestSSECRLFSplitAcrossReads: the LF of a CRLF arriving in the next read
// must not count as an empty line (which would dispatch early).
func TestSSECRLFSplitAcrossReads(t *testing.T) {
	tests := []struct {
		name   string
		pieces []string
		want   []string
	}{
		{"CR at the end of a read, LF at the start of the next", []string{"data: a\r", "\ndata: b\r\n\r\n"}, []string{"a\nb"}},
		{"every CRLF split", []string{"data: a\r", "\n", "data: b\r", "\n", "\r", "\n"}, []string{"a\nb"}},
		{"CR then CR in the next read is an empty line", []string{"data: a\r", "\rdata: b\r\r"}, []string{"a", "b"}},
		{"split blank line", []string{"data: a\r\n\r", "\ndata: b\r\n\r\n"}, []string{"a", "b"}},
		{"LF alone after a line ended by LF is an empty line", []string{"data: a\n", "\ndata: b\n\n"}, []string{"a", "b"}},
		{"CR at the end, then EOF", []string{"data: a\r\r"}, []string{"a"}},
		{"CR, then an empty read, then LF", []string{"data: a\r", "", "\n\r", "\n"}, []string{"a"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := sseTestReadAll(sseTestChunks(tc.pieces...))
			var datas []string
			for _, e := range got.events {
				datas = append(datas, e.data)
			}
			if fmt.Sprint(datas) != fmt.Sprint(tc.want) || !errors.Is(got.err, io.EOF) {
				t.Errorf("got %v; want events %q and io.EOF", got, tc.want)
			}
		})
	}
}

func TestSSEEventDataIsTheCallersToKeep(t *testing.T) {
	s := newSSEReader(strings.NewReader("data: first\n\ndata: second\n\n"))
	e1, err := s.next()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.next(); err != nil {
		t.Fatal(err)
	}
	if string(e1.bytes()) != "first" {
		t.Errorf("the first event's data changed to %q after the next read", e1.bytes())
	}
}

func TestSSEReadErrorPassesThrough(t *testing.T) {
	boom := errors.New("connection reset")
	r := io.MultiReader(strings.NewReader("data: a\n\ndata: b\n"), iotest.ErrReader(boom))
	s := newSSEReader(r)
	e, err := s.next()
	if err != nil || string(e.bytes()) != "a" {
		t.Fatalf("first event = %q, %v", e.bytes(), err)
	}
	if _, err := s.next(); !errors.Is(err, boom) {
		t.Errorf("err = %v, want %v", err, boom)
	}
}

func TestSSELargeDataLine(t *testing.T) {
	big := strings.Repeat("x", 5<<20)
	for _, tc := range []struct {
		name string
		in   string
		want string
	}{
		{"one 5 MiB line", "data: " + big + "\n\n", big},
		{"5 MiB line with CRLF", "data: " + big + "\r\n\r\n", big},
		{"two 5 MiB lines", "data: " + big + "\ndata: " + big + "\n\n", big + "\n" + big},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, rd := range []struct {
				name string
				r    io.Reader
			}{
				{"whole", strings.NewReader(tc.in)},
				{"odd chunks", sseTestChunks(sseTestSplit(tc.in, 7777)...)},
			} {
				s := newSSEReader(rd.r)
				e, err := s.next()
				if err != nil {
					t.Fatalf("%s: %v", rd.name, err)
				}
				if len(e.bytes()) != len(tc.want) || string(e.bytes()) != tc.want {
					t.Errorf("%s: data of %d bytes, want %d", rd.name, len(e.bytes()), len(tc.want))
				}
				if _, err := s.next(); !errors.Is(err, io.EOF) {
					t.Errorf("%s: after the event: %v, want io.EOF", rd.name, err)
				}
			}
		})
	}
}

// sseTestRepeatReader streams n copies of b's bytes, then tail.
type sseTestRepeatReader struct {
	chunk []byte
	left  int64
	tail  io.Reader
}

func (r *sseTestRepeatReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return r.tail.Read(p)
	}
	n := copy(p, r.chunk)
	if int64(n) > r.left {
		n = int(r.left)
	}
	r.left -= int64(n)
	return n, nil
}

func TestSSEMaxEventBytes(t *testing.T) {
	if testing.Short() {
		t.Skip("streams more than 256 MiB")
	}
	chunk := bytes.Repeat([]byte("y"), 1<<20)
	tests := []struct {
		name string
		r    func() io.Reader
	}{
		{"one line longer than the bound", func() io.Reader {
			return io.MultiReader(strings.NewReader("data: "),
				&sseTestRepeatReader{chunk: chunk, left: maxEventBytes + 1, tail: strings.NewReader("\n\n")})
		}},
		{"many lines adding up to more than the bound", func() io.Reader {
			line := "data: " + strings.Repeat("z", 1<<20-7) + "\n" // 1 MiB a line
			return &sseTestRepeatReader{chunk: []byte(line), left: int64(maxEventBytes/len(line)+2) * int64(len(line)), tail: strings.NewReader("\n")}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSSEReader(tc.r())
			e, err := s.next()
			if !errors.Is(err, errEventTooLarge) {
				t.Fatalf("next = %d bytes, %v; want errEventTooLarge", len(e.bytes()), err)
			}
		})
	}
}

func TestSSEEventMessage(t *testing.T) {
	big := `{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"` + strings.Repeat("z", 3<<20) + `"}]}}`
	tests := []struct {
		name     string
		stream   string
		wantRaw  string // the message as it goes out; "" when it must not parse
		wantKind jsonrpc.Kind
	}{
		{"one line", "data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n", `{"jsonrpc":"2.0","id":1,"result":{}}`, jsonrpc.KindResponse},
		{"notification", "data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progress\":1}}\r\n\r\n",
			`{"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":1}}`, jsonrpc.KindNotification},
		{"split over data lines", "data: {\"jsonrpc\":\"2.0\",\ndata: \"id\":2,\ndata: \"result\":{}}\n\n", `{"jsonrpc":"2.0","id":2,"result":{}}`, jsonrpc.KindResponse},
		{"surrounding spaces", "data:   {\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{}}  \n\n", `{"jsonrpc":"2.0","id":3,"result":{}}`, jsonrpc.KindResponse},
		{"larger than a piece", "data: " + big + "\n\n", big, jsonrpc.KindResponse},
		{"not JSON", "data: hello\n\n", "", jsonrpc.KindInvalid},
		{"truncated JSON", "data: {\"jsonrpc\":\"2.0\",\"id\":1\n\n", "", jsonrpc.KindInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, rd := range []struct {
				name string
				r    io.Reader
			}{
				{"whole", strings.NewReader(tc.stream)},
				{"odd chunks", sseTestChunks(sseTestSplit(tc.stream, 4099)...)},
			} {
				e, err := newSSEReader(rd.r).next()
				if err != nil {
					t.Fatalf("%s: next: %v", rd.name, err)
				}
				m, err := e.message()
				if tc.wantRaw == "" {
					if err == nil {
						t.Errorf("%s: parsed %q as a message", rd.name, m.Bytes())
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s: message: %v", rd.name, err)
				}
				if m.Kind != tc.wantKind || string(m.Bytes()) != tc.wantRaw {
					t.Errorf("%s: kind %v, %d bytes; want kind %v, %d bytes", rd.name, m.Kind, len(m.Bytes()), tc.wantKind, len(tc.wantRaw))
				}
			}
		})
	}
}

func TestSSEEventEmpty(t *testing.T) {
	tests := []struct {
		stream string
		want   bool
	}{
		{"data\n\n", true},
		{"data:\n\n", true},
		{"data:  \t \n\n", true},
		{"data:\ndata:\n\n", true},
		{"data: x\n\n", false},
		{"data: \ndata: {}\n\n", false},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%q", tc.stream), func(t *testing.T) {
			e, err := newSSEReader(strings.NewReader(tc.stream)).next()
			if err != nil {
				t.Fatal(err)
			}
			if got := e.empty(); got != tc.want {
				t.Errorf("empty() = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSSELargeEventDataIsTheCallersToKeep(t *testing.T) {
	a := strings.Repeat("a", 200<<10)
	b := strings.Repeat("b", 200<<10)
	s := newSSEReader(strings.NewReader("data: " + a + "\n\ndata: " + b + "\n\n"))
	e1, err := s.next()
	if err != nil {
		t.Fatal(err)
	}
	e2, err := s.next()
	if err != nil {
		t.Fatal(err)
	}
	if string(e1.bytes()) != a || string(e2.bytes()) != b {
		t.Error("the first event's data changed when the second was read")
	}
}
