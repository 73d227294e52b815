package transport

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestEventReader: the exported reader is the transport's parser: CRLF
// lines, joined data, a named event, the last id, and a stream cut
// inside an event.
func TestEventReader(t *testing.T) {
	r := NewEventReader(strings.NewReader(": hi\r\nevent: endpoint\r\ndata: /a\r\n\r\nid: 7\ndata: x\ndata: y\n\ndata: cut"))
	first, err := r.Next()
	if err != nil || first.Name != "endpoint" || string(first.Data) != "/a" {
		t.Fatalf("first = %+v, %v", first, err)
	}
	second, err := r.Next()
	if err != nil || second.Name != "message" || string(second.Data) != "x\ny" || second.ID != "7" {
		t.Fatalf("second = %+v, %v", second, err)
	}
	if _, err := r.Next(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("a cut event: %v, want io.ErrUnexpectedEOF", err)
	}
}

// TestResolveEndpoint: an endpoint on the stream's origin resolves; one on
// another origin, or with a control character, is refused.
func TestResolveEndpoint(t *testing.T) {
	stream, _ := url.Parse("http://127.0.0.1:8080/sse")
	if got, err := ResolveEndpoint(stream, []byte("/messages?s=1")); err != nil || got != "http://127.0.0.1:8080/messages?s=1" {
		t.Errorf("same origin: %q, %v", got, err)
	}
	for _, bad := range []string{"http://evil.example/messages", "/messages\x1b[2J"} {
		if got, err := ResolveEndpoint(stream, []byte(bad)); err == nil {
			t.Errorf("%q resolved to %q", bad, got)
		}
	}
}

// TestOtherTransportAndMediaType: the fallback statuses, and a media type
// read case-insensitively without its parameters.
func TestOtherTransportAndMediaType(t *testing.T) {
	for status, want := range map[int]bool{400: true, 404: true, 405: true, 401: false, 500: false, 200: false} {
		if OtherTransport(status) != want {
			t.Errorf("OtherTransport(%d) = %v", status, !want)
		}
	}
	resp := &http.Response{Header: http.Header{"Content-Type": {"Text/Event-Stream; charset=utf-8"}}}
	if MediaType(resp) != "text/event-stream" {
		t.Errorf("MediaType = %q", MediaType(resp))
	}
}
