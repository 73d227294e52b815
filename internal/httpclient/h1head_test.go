package httpclient

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// heads are answers as servers send them: Node's, Go's, nginx's and odd
// ones readHead leaves to net/http.
var heads = []string{
	"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
	"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDate: Thu, 03 Dec 2026 08:00:00 GMT\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nContent-Length: 17\r\n\r\n{\"jsonrpc\":\"2.0\"}",
	"HTTP/1.1 202 Accepted\r\nMcp-Session-Id: 3f2a\r\nContent-Length: 0\r\n\r\n",
	"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer resource_metadata=\"https://a/.well-known/oauth-protected-resource\"\r\nContent-Length: 0\r\n\r\n",
	"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nmcp-session-id: x\r\nset-cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 5\r\n\r\nhello",
	"HTTP/1.1 200\r\nContent-Length: 3\r\n\r\nabc",
	"HTTP/1.1 500 Internal Server Error\r\nServer: nginx\r\nContent-Length: 9\r\n\r\ntoo short",
	"HTTP/1.1 200 OK\r\nX-Empty:\r\nX-Tab:\tv\r\nX-Obs: caf\xe9\r\nContent-Length: 1\r\n\r\nx",
	"HTTP/1.1 200 OK\r\nContent-Length: 007\r\n\r\n1234567",
	// Left to net/http:
	"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
	"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end",
	"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}",
	"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}",
	"HTTP/1.1 204 No Content\r\n\r\n",
	"HTTP/1.1 200 OK\r\nX-Fold: a\r\n b\r\nContent-Length: 2\r\n\r\n{}",
	"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
	"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
	"HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\n{}",
	"HTTP/1.1 200 OK\r\nBad Key: v\r\nContent-Length: 2\r\n\r\n{}",
	"HTTP/1.1 200 OK\nContent-Length: 2\n\n{}",
	"HTTP/1.1 200 OK\r\nContent-Length: 2 \r\n\r\n{}",
	"HTTP/1.1  200 OK\r\nContent-Length: 2\r\n\r\n{}",
	"HTTP/1.1 200 OK\r\nPragma: no-cache\r\nContent-Length: 2\r\n\r\n{}",
}

// FuzzReadHead: whatever readHead takes, http.ReadResponse reads the same
// way (status, headers, framing, body, and what follows); whatever it
// leaves, it leaves unread.
func FuzzReadHead(f *testing.F) {
	for _, h := range heads {
		f.Add([]byte(h))
	}
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1/mcp", nil)
	f.Fuzz(func(t *testing.T, data []byte) {
		br := bufio.NewReaderSize(bytes.NewReader(data), 4<<10)
		fast, err := readHead(br, req)
		if err != nil {
			if len(data) > 0 {
				t.Fatalf("readHead: %v with %d bytes to read", err, len(data))
			}
			return
		}
		if fast == nil {
			if br.Buffered() != min(len(data), 4<<10) {
				t.Fatalf("readHead left the answer but consumed %d bytes of it", min(len(data), 4<<10)-br.Buffered())
			}
			return
		}
		sr := bufio.NewReaderSize(bytes.NewReader(data), 4<<10)
		slow, err := http.ReadResponse(sr, req)
		if err != nil {
			t.Fatalf("readHead read %q, which ReadResponse refuses: %v", data, err)
		}
		for _, c := range []struct {
			what       string
			got, wante any
		}{
			{"Status", fast.Status, slow.Status}, {"StatusCode", fast.StatusCode, slow.StatusCode},
			{"Proto", fast.Proto, slow.Proto}, {"ProtoMinor", fast.ProtoMinor, slow.ProtoMinor},
			{"Header", fast.Header, slow.Header}, {"ContentLength", fast.ContentLength, slow.ContentLength},
			{"Close", fast.Close, slow.Close}, {"TransferEncoding", len(fast.TransferEncoding), len(slow.TransferEncoding)},
			{"Request", fast.Request, slow.Request},
		} {
			if !reflect.DeepEqual(c.got, c.wante) {
				t.Fatalf("%q: %s %#v, ReadResponse %#v", data, c.what, c.got, c.wante)
			}
		}
		fb, ferr := io.ReadAll(fast.Body)
		sb, serr := io.ReadAll(slow.Body)
		if !bytes.Equal(fb, sb) || (ferr == nil) != (serr == nil) {
			t.Fatalf("%q: body %q %v, ReadResponse %q %v", data, fb, ferr, sb, serr)
		}
		fr, _ := io.ReadAll(br)
		rr, _ := io.ReadAll(sr)
		if !bytes.Equal(fr, rr) {
			t.Fatalf("%q: after the answer %q, ReadResponse %q", data, fr, rr)
		}
	})
}

// TestReadHeadTakesThePlainShape: the answers servers send are read in
// place, and the others are left to net/http whole.
func TestReadHeadTakesThePlainShape(t *testing.T) {
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1/mcp", nil)
	for i, h := range heads {
		fast, err := readHead(bufio.NewReader(strings.NewReader(h)), req)
		if err != nil {
			t.Fatal(err)
		}
		if want := i < 9; (fast != nil) != want {
			t.Errorf("%q: read in place %v, want %v", h, fast != nil, want)
		}
	}
	head, _ := http.NewRequest(http.MethodHead, "http://127.0.0.1/mcp", nil)
	if fast, _ := readHead(bufio.NewReader(strings.NewReader(heads[0])), head); fast != nil {
		t.Errorf("the answer to a HEAD was read in place")
	}
}
