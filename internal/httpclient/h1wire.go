package httpclient

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// writeRequest writes req as HTTP/1.1 (RFC 9112 §3, §6.2): the request
// line, Host, the headers as they are, Content-Length and the body. It
// refuses a header name or value that would break the framing, as
// net/http does. What this short form does not cover (a body of unknown
// length, trailers, Connection: close) goes through net/http's writer.
func writeRequest(w *bufio.Writer, req *http.Request, gzipOK bool) error {
	body := req.Body != nil && req.Body != http.NoBody
	if (body && req.ContentLength <= 0) || len(req.TransferEncoding) > 0 || len(req.Trailer) > 0 || req.Close {
		if gzipOK {
			req = withHeader(req, "Accept-Encoding", "gzip")
		}
		return req.Write(w)
	}
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	if !validValue(host) || strings.ContainsAny(host, " /") {
		return fmt.Errorf("http: invalid Host %q", host)
	}
	_, _ = w.WriteString(req.Method)
	_ = w.WriteByte(' ')
	_, _ = w.WriteString(req.URL.RequestURI())
	_, _ = w.WriteString(" HTTP/1.1\r\nHost: ")
	_, _ = w.WriteString(host)
	_, _ = w.WriteString("\r\n")
	for k, vs := range req.Header {
		switch k {
		case "Host", "Content-Length", "Transfer-Encoding", "Connection", "Trailer":
			continue // framing: this writer's own
		}
		if !validName(k) {
			return fmt.Errorf("http: invalid header field name %q", k)
		}
		for _, v := range vs {
			if !validValue(v) {
				return fmt.Errorf("http: invalid header field value for %q", k)
			}
			_, _ = w.WriteString(k)
			_, _ = w.WriteString(": ")
			_, _ = w.WriteString(v)
			_, _ = w.WriteString("\r\n")
		}
	}
	if gzipOK {
		_, _ = w.WriteString("Accept-Encoding: gzip\r\n")
	}
	if body {
		_, _ = w.WriteString("Content-Length: ")
		_, _ = w.WriteString(strconv.FormatInt(req.ContentLength, 10))
		_, _ = w.WriteString("\r\n")
	}
	_, err := w.WriteString("\r\n")
	if body {
		defer req.Body.Close()
		n, cerr := writeBody(w, req.Body, req.ContentLength)
		switch {
		case cerr != nil:
			return fmt.Errorf("http: read the request body: %w", cerr)
		case n != req.ContentLength:
			return fmt.Errorf("http: ContentLength=%d with Body length %d", req.ContentLength, n)
		}
	}
	return err
}

// writeBody writes at most n bytes of body: straight from memory when the
// body is a reader of bytes holding exactly n (bytes.Reader,
// strings.Reader), through a copy otherwise.
func writeBody(w io.Writer, body io.Reader, n int64) (int64, error) {
	if r, ok := body.(interface {
		io.WriterTo
		Len() int
	}); ok && int64(r.Len()) == n {
		return r.WriteTo(w)
	}
	return io.Copy(w, io.LimitReader(body, n))
}

func withHeader(req *http.Request, k, v string) *http.Request {
	r := *req
	r.Header = req.Header.Clone()
	r.Header.Set(k, v)
	return &r
}

// validName: a header name is a token (RFC 9110 §5.1, §5.6.2).
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tokenChars[s[i]] {
			return false
		}
	}
	return true
}

// tokenChars are the bytes of a token (RFC 9110 §5.6.2: tchar).
var tokenChars = func() (t [256]bool) {
	for c := '!'; c < 0x7f; c++ {
		t[c] = !strings.ContainsRune(`"(),/:;<=>?@[\]{}`, c)
	}
	return t
}()

// validValue: no control character but tab (RFC 9110 §5.5): no CR or LF
// that would end the header early.
func validValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// wantsGzip reports whether to ask for a gzip answer: when the caller
// asked for no encoding of its own and no range (as net/http's Transport).
func wantsGzip(req *http.Request) bool {
	return req.Method != http.MethodHead && HeaderValue(req.Header, "Accept-Encoding") == "" && HeaderValue(req.Header, "Range") == ""
}

// gunzipped makes a gzip answer to a request that asked for one read as
// its decoded bytes, as net/http's Transport does: its length is then
// unknown, and the decoded size is what the caller's limits see.
func gunzipped(resp *http.Response) {
	if !strings.EqualFold(HeaderValue(resp.Header, "Content-Encoding"), "gzip") || resp.Body == http.NoBody {
		return
	}
	resp.Body = &gzipBody{body: resp.Body}
	resp.Header.Del("Content-Encoding")
	resp.Header.Del("Content-Length")
	resp.ContentLength = -1
	resp.Uncompressed = true
}

// gzipBody decodes on first read; a gzip reader is reused across answers.
type gzipBody struct {
	body io.ReadCloser
	zr   *gzip.Reader
	err  error
}

var gzipPool sync.Pool

var errGzip = errors.New("the server's gzip answer is malformed")

func (g *gzipBody) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	if g.zr == nil {
		zr, _ := gzipPool.Get().(*gzip.Reader)
		var err error
		if zr == nil {
			zr, err = gzip.NewReader(g.body)
		} else {
			err = zr.Reset(g.body)
		}
		if err != nil {
			g.err = fmt.Errorf("%w: %w", errGzip, err)
			return 0, g.err
		}
		g.zr = zr
	}
	n, err := g.zr.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%w: %w", errGzip, err)
	}
	if err == io.EOF {
		// Read the underlying body to its end, so that its connection is kept.
		if _, derr := g.body.Read(make([]byte, 1)); derr != io.EOF {
			err = fmt.Errorf("%w: data after its end", errGzip)
		}
	}
	if err != nil {
		g.err = err
	}
	return n, err
}

func (g *gzipBody) Close() error {
	if g.zr != nil {
		gzipPool.Put(g.zr)
		g.zr = nil
	}
	g.err = errReadClosed
	return g.body.Close()
}
