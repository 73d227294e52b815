package bridge

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// An SSE parser after the WHATWG HTML standard, §9.2.6 "Interpreting an event
// stream": lines end in CRLF, LF or CR; "data" lines are joined with LF;
// "id" sets the last event id (unless it holds NUL); "retry" takes only
// digits; lines starting with ':' are comments; an event is dispatched at a
// blank line, and only when its data is not empty.

// maxEventBytes bounds one event's data.
const maxEventBytes = MaxLineBytes

var errEventTooLarge = fmt.Errorf("SSE event larger than %d MiB", maxEventBytes>>20)

// sseEvent is one dispatched event.
type sseEvent struct {
	name string // "message" when the stream named none
	data []byte // the caller's to keep
	id   string // the last event id after this event
}

// sseReader reads events from a stream.
type sseReader struct {
	r       *bufio.Reader
	line    []byte // reused buffer for one line
	afterCR bool   // the previous line ended in CR: skip a following LF

	lastID string
	retry  int // milliseconds; 0 when the server never set it
	idSeen bool
}

func newSSEReader(r io.Reader) *sseReader {
	return &sseReader{r: bufio.NewReaderSize(r, 8<<10)}
}

// readLine returns the next line without its ending. The slice is valid
// until the next call.
func (s *sseReader) readLine() ([]byte, error) {
	s.line = s.line[:0]
	for {
		if s.r.Buffered() == 0 {
			if _, err := s.r.Peek(1); err != nil {
				if errors.Is(err, io.EOF) && len(s.line) > 0 {
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
			s.line = appendGrow(s.line, buf)
			_, _ = s.r.Discard(len(buf))
			if len(s.line) > maxEventBytes {
				return nil, errEventTooLarge
			}
			continue
		}
		s.line = appendGrow(s.line, buf[:k])
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
	var data []byte
	var name string
	hasData := false
	for {
		line, err := s.readLine()
		if err != nil {
			if errors.Is(err, io.EOF) && (hasData || name != "") {
				err = io.ErrUnexpectedEOF
			}
			return sseEvent{}, err
		}
		if len(line) == 0 { // dispatch
			if !hasData {
				name = ""
				continue
			}
			if name == "" {
				name = "message"
			}
			return sseEvent{name: name, data: data, id: s.lastID}, nil
		}
		if line[0] == ':' {
			continue
		}
		f, v := line, []byte(nil)
		if k := bytes.IndexByte(line, ':'); k >= 0 {
			f, v = line[:k], line[k+1:]
			if len(v) > 0 && v[0] == ' ' {
				v = v[1:]
			}
		}
		switch string(f) {
		case "data":
			if !hasData {
				// The event takes the line's buffer: no copy of a large
				// single-line message.
				data, s.line = v, nil
			} else {
				data = appendGrow(append(data, '\n'), v)
			}
			hasData = true
			if len(data) > maxEventBytes {
				return sseEvent{}, errEventTooLarge
			}
		case "event":
			name = string(v)
		case "id":
			if bytes.IndexByte(v, 0) < 0 {
				s.lastID = string(v)
				s.idSeen = true
			}
		case "retry":
			if n, err := strconv.Atoi(string(v)); err == nil && n >= 0 && isDigits(v) {
				s.retry = n
			}
		}
	}
}

func isDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}
