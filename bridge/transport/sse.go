package transport

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
)

// An SSE parser after the WHATWG HTML standard, §9.2.6 "Interpreting an event
// stream": lines end in CRLF, LF or CR; "data" lines are joined with LF;
// "id" sets the last event id (unless it holds NUL); "retry" takes only
// digits; lines starting with ':' are comments; an event is dispatched at a
// blank line, and only when its data is not empty.

// maxEventBytes bounds one event's data.
const maxEventBytes = jsonrpc.MaxMessageBytes

var errEventTooLarge = fmt.Errorf("SSE event larger than %d MiB", maxEventBytes>>20)

// sseEvent is one dispatched event.
type sseEvent struct {
	name   string   // "message" when the stream named none
	pieces [][]byte // the data, in the pieces it was read in; the caller's to keep
	id     string   // the last event id after this event
	hold   *Lease   // the event's share of the memory budget: release once delivered
}

// release returns the event's bytes to the memory budget.
func (e sseEvent) release() { e.hold.Release() }

// message parses the event's data as one JSON-RPC message, kept in the
// pieces it was read in.
func (e sseEvent) message() (*jsonrpc.Message, error) {
	m, err := jsonrpc.ParseParts(jsonrpc.TrimParts(e.pieces))
	if err != nil {
		head := e.pieces
		if len(head) > 0 {
			head = head[:1]
		}
		return nil, fmt.Errorf("%w (data: %s)", err, snippet(bytes.Join(head, nil)))
	}
	return m, nil
}

// empty reports whether the event carries no data but whitespace.
func (e sseEvent) empty() bool { return len(jsonrpc.TrimParts(e.pieces)) == 0 }

// bytes returns the event's data in one slice.
func (e sseEvent) bytes() []byte {
	if len(e.pieces) == 1 {
		return e.pieces[0]
	}
	return bytes.Join(e.pieces, nil)
}

// sseReader reads events from a stream.
type sseReader struct {
	r       *bufio.Reader
	line    [][]byte // the line being read, in pieces of at most chunkSize
	size    int      // its length
	afterCR bool     // the previous line ended in CR: skip a following LF

	lastID  string // the last event id, as of the last dispatch
	idBuf   string // the id field seen since, committed at the next blank line
	idSet   bool   // idBuf was set
	retry   int    // milliseconds; 0 when the server never set it
	idSeen  bool
	started bool // the leading byte order mark, if any, was skipped
	events  int  // events dispatched so far

	clock  eventClock // the body's event deadline (deadline.go), if any
	timing bool       // the clock runs: an event or comment line is under way

	mem  *Budget         // the memory budget each event is read under; nil: none
	ctx  context.Context // bounds waiting for the budget
	hold *Lease          // the lease of the event being read
}

// useBudget reads each event under a lease of mem, waiting while ctx lasts.
func (s *sseReader) useBudget(ctx context.Context, mem *Budget) *sseReader {
	s.ctx, s.mem = ctx, mem
	return s
}

// dropHeld returns the bytes of lines that are not kept (comments, ids,
// keep-alives between events) to the budget.
func (s *sseReader) dropHeld() {
	s.hold.Release()
	s.hold = nil
}

// continueOn returns a reader for a resumed stream that keeps this one's
// last event id, retry delay and event count (s may be nil).
func (s *sseReader) continueOn(r io.Reader) *sseReader {
	next := newSSEReader(r)
	if s != nil {
		next.lastID, next.idSeen, next.retry, next.events = s.lastID, s.idSeen, s.retry, s.events
		next.mem, next.ctx = s.mem, s.ctx
	}
	return next
}

func newSSEReader(r io.Reader) *sseReader {
	clock, _ := r.(eventClock)
	return &sseReader{r: bufio.NewReaderSize(r, 8<<10), clock: clock}
}

// beginLine waits for the next line's first byte and starts the event
// clock there unless it runs already: an event must reach its dispatching
// blank line (WHATWG SSE §9.2.6) within --body-timeout of its first byte,
// and a comment line its end, however slowly the server trickles them.
// Silence between events starts no clock. A read error is left for
// readLine to report.
func (s *sseReader) beginLine() {
	if s.clock == nil || s.timing {
		return
	}
	for {
		b, err := s.r.Peek(1)
		if err != nil {
			return
		}
		if s.afterCR && b[0] == '\n' { // the LF of a CRLF: no new line yet
			_, _ = s.r.Discard(1)
			s.afterCR = false
			continue
		}
		break
	}
	s.timing = true
	s.clock.startEvent()
}

// endLine stops the event clock once nothing is under way.
func (s *sseReader) endLine() {
	if s.timing {
		s.timing = false
		s.clock.endEvent()
	}
}

// progressed tells the body that a JSON-RPC message came (deadline.go).
func (s *sseReader) progressed() {
	if s.clock != nil {
		s.clock.progressed()
	}
}

// readLine returns the next line without its ending, in pieces of at most
// chunkSize, so that a data line of many MiB is never regrown or copied.
func (s *sseReader) readLine() ([][]byte, error) {
	s.line, s.size = nil, 0
	if !s.started {
		s.started = true
		if bom, _ := s.r.Peek(3); string(bom) == "\xef\xbb\xbf" {
			_, _ = s.r.Discard(3)
		}
	}
	for {
		if s.r.Buffered() == 0 {
			if _, err := s.r.Peek(1); err != nil {
				if errors.Is(err, io.EOF) && s.size > 0 {
					return nil, io.ErrUnexpectedEOF // an unterminated last line is discarded
				}
				return nil, err
			}
		}
		buf, _ := s.r.Peek(s.r.Buffered())
		if s.afterCR {
			s.afterCR = false
			if buf[0] == '\n' { // the LF of a CRLF split across reads
				_, _ = s.r.Discard(1)
				continue
			}
		}
		k := indexEOL(buf)
		if k < 0 {
			if err := s.add(buf); err != nil {
				return nil, err
			}
			_, _ = s.r.Discard(len(buf))
			if s.size > maxEventBytes {
				return nil, errEventTooLarge
			}
			continue
		}
		if err := s.add(buf[:k]); err != nil {
			return nil, err
		}
		n := k + 1
		if buf[k] == '\r' {
			switch {
			case k+1 == len(buf):
				s.afterCR = true
			case buf[k+1] == '\n':
				n++
			}
		}
		_, _ = s.r.Discard(n)
		return s.line, nil
	}
}

// add appends b to the line, filling pieces up to chunkSize, once the
// budget has room for it.
func (s *sseReader) add(b []byte) error {
	if s.mem != nil {
		if s.hold == nil {
			l := s.mem.Lease()
			s.hold = &l
		}
		if err := s.hold.Grow(s.ctx, int64(len(b))); err != nil {
			return err
		}
	}
	s.size += len(b)
	for len(b) > 0 {
		n := len(s.line)
		if n == 0 || len(s.line[n-1]) == ChunkSize {
			s.line = append(s.line, nil)
			n++
		}
		room := ChunkSize - len(s.line[n-1])
		take := min(room, len(b))
		s.line[n-1] = appendGrow(s.line[n-1], b[:take])
		b = b[take:]
	}
	return nil
}

// indexEOL returns the index of the first CR or LF in b, or -1.
func indexEOL(b []byte) int {
	lf := bytes.IndexByte(b, '\n')
	scope := b
	if lf >= 0 {
		scope = b[:lf]
	}
	if cr := bytes.IndexByte(scope, '\r'); cr >= 0 {
		return cr
	}
	return lf
}

// next returns the next event. At the end of the stream it returns io.EOF;
// a stream cut inside an event yields io.ErrUnexpectedEOF.
func (s *sseReader) next() (sseEvent, error) {
	var data [][]byte
	var name string
	hasData, size, open := false, 0, false
	for {
		s.beginLine()
		line, err := s.readLine()
		if err != nil {
			s.dropHeld()
			if errors.Is(err, io.EOF) && (hasData || name != "") {
				err = io.ErrUnexpectedEOF
			}
			return sseEvent{}, err
		}
		if len(line) == 0 { // a blank line dispatches
			s.endLine()
			open = false
			if s.idSet {
				s.lastID, s.idSeen = s.idBuf, true
			}
			if !hasData {
				name = ""
				s.dropHeld()
				continue
			}
			if name == "" {
				name = "message"
			}
			s.events++
			hold := s.hold
			s.hold = nil
			return sseEvent{name: name, pieces: data, id: s.lastID, hold: hold}, nil
		}
		f, v := splitField(line)
		if f == ":" && !open { // a comment between events: a keep-alive
			s.endLine()
		}
		open = open || f != ":"
		switch f {
		case ":": // comment
		case "data":
			if hasData {
				data = append(data, []byte{'\n'})
				size++
			}
			data = append(data, v...)
			for _, p := range v {
				size += len(p)
			}
			hasData = true
			if size > maxEventBytes {
				s.dropHeld()
				return sseEvent{}, errEventTooLarge
			}
		case "event":
			name = string(bytes.Join(v, nil))
		case "id":
			if id := bytes.Join(v, nil); bytes.IndexByte(id, 0) < 0 {
				s.idBuf, s.idSet = string(id), true
			}
		case "retry":
			if r := bytes.Join(v, nil); isDigits(r) {
				if n, err := strconv.Atoi(string(r)); err == nil {
					s.retry = n
				}
			}
		}
		if f != "data" && !hasData {
			s.dropHeld() // nothing of this line is kept
		}
	}
}

// splitField splits a line into its field name and value ("name: value",
// one optional space after the colon; a line without a colon is a field
// with an empty value). A comment line yields the name ":". The name lies in
// the first piece: pieces are chunkSize long, and longer names are nonsense.
func splitField(line [][]byte) (string, [][]byte) {
	first := line[0]
	if len(first) > 0 && first[0] == ':' {
		return ":", nil
	}
	k := bytes.IndexByte(first, ':')
	if k < 0 {
		if len(line) > 1 {
			return "", nil
		}
		return string(first), nil
	}
	rest := first[k+1:]
	if len(rest) > 0 && rest[0] == ' ' {
		rest = rest[1:]
	} else if len(rest) == 0 && len(line) > 1 && len(line[1]) > 0 && line[1][0] == ' ' {
		line = append([][]byte{nil, line[1][1:]}, line[2:]...)
	}
	v := make([][]byte, 0, len(line))
	if len(rest) > 0 {
		v = append(v, rest)
	}
	for _, p := range line[1:] {
		if len(p) > 0 {
			v = append(v, p)
		}
	}
	return string(first[:k]), v
}

func isDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}
