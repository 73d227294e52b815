package httpclient

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
)

// readHead reads the head of an answer of the plain shape nearly every
// answer to the bridge has, in place, when all of it is in the
// connection's buffer: HTTP/1.1, a final status other than 204 and 304,
// one Content-Length, unfolded header lines (RFC 9112 §4, §5, §6.3). It
// holds the head in one string, the headers' values in one slice and
// looks no key up twice: http.ReadResponse copies each line and value,
// and was a tenth of the bridge's CPU per call. Anything else (no head
// in the buffer yet, a chunked or close-delimited body, a 1xx, obs-fold,
// a byte out of place) returns nil with nothing consumed, and
// http.ReadResponse reads it; for what it takes, readHead gives what
// ReadResponse would (FuzzReadHead compares them).
func readHead(br *bufio.Reader, req *http.Request) (*http.Response, error) {
	if _, err := br.Peek(1); err != nil {
		return nil, err // the read's error, for readHeaders to tell apart
	}
	if req.Method == http.MethodHead {
		return nil, nil
	}
	buf, _ := br.Peek(br.Buffered())
	end := bytes.Index(buf, []byte("\r\n\r\n"))
	if end < 0 {
		return nil, nil
	}
	resp := parseHead(string(buf[:end+2]), req)
	if resp == nil {
		return nil, nil
	}
	_, _ = br.Discard(end + 4)
	if resp.ContentLength == 0 {
		resp.Body = http.NoBody
	} else {
		resp.Body = &lengthBody{r: br, left: resp.ContentLength}
	}
	return resp, nil
}

// parseHead parses head (each line with its CRLF), or returns nil for a
// shape readHead leaves to net/http.
func parseHead(head string, req *http.Request) *http.Response {
	line, rest, _ := strings.Cut(head, "\r\n")
	status, ok := strings.CutPrefix(line, "HTTP/1.1 ")
	if !ok || len(status) < 3 || !validValue(status) || len(status) > 3 && status[3] != ' ' {
		return nil
	}
	code, err := strconv.Atoi(status[:3])
	if err != nil || code < 200 || code > 599 || code == http.StatusNoContent || code == http.StatusNotModified {
		return nil
	}
	lines := strings.Count(rest, "\r\n")
	values := make([]string, lines)
	h := make(http.Header, lines)
	length := int64(-1)
	for i := range lines {
		var kv string
		kv, rest, _ = strings.Cut(rest, "\r\n")
		k, v, ok := strings.Cut(kv, ":")
		if !ok || !validName(k) || !validValue(v) || strings.HasSuffix(v, " ") || strings.HasSuffix(v, "\t") {
			return nil // obs-fold, a space before the colon, trailing space: net/http's rules
		}
		k = canonicalKey(k)
		v = strings.TrimLeft(v, " \t")
		switch k {
		case "Transfer-Encoding", "Trailer", "Pragma":
			return nil // a transfer coding, trailers, Pragma's Cache-Control rule
		case "Connection":
			if !strings.EqualFold(v, "keep-alive") {
				return nil // close, or a token list
			}
		case "Content-Length":
			n, err := strconv.ParseInt(v, 10, 64)
			if length >= 0 || err != nil || n < 0 || strings.HasPrefix(v, "+") {
				return nil // a second Content-Length, or a malformed one
			}
			length = n
		}
		if vs := h[k]; vs != nil {
			h[k] = append(vs, v)
			continue
		}
		values[i] = v
		h[k] = values[i : i+1 : i+1]
	}
	if length < 0 {
		return nil
	}
	return &http.Response{Status: status, StatusCode: code, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, ContentLength: length, Request: req}
}

// canonicalKey is k in the canonical form (textproto's): k itself when it
// is in it already, as nearly every server writes its headers.
func canonicalKey(k string) string {
	upper := true
	for i := 0; i < len(k); i++ {
		c := k[i]
		if upper && 'a' <= c && c <= 'z' || !upper && 'A' <= c && c <= 'Z' {
			return textproto.CanonicalMIMEHeaderKey(k)
		}
		upper = c == '-'
	}
	return k
}

// lengthBody is a body of a known length read from the connection's
// buffer (net/http's Content-Length framing): a short one is
// io.ErrUnexpectedEOF, and the last bytes come with io.EOF, so that the
// connection is kept at once.
type lengthBody struct {
	r    *bufio.Reader
	left int64
}

func (b *lengthBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	switch {
	case b.left == 0:
		return n, io.EOF
	case err == io.EOF:
		return n, io.ErrUnexpectedEOF
	}
	return n, err
}

func (b *lengthBody) Close() error { return nil }
