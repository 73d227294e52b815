package transport

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// fuzzSSESeeds are event streams with the cases parsers get wrong.
var fuzzSSESeeds = []string{
	"data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n",
	"event: endpoint\ndata: /messages?session=1\n\n",
	"data: a\r\ndata: b\r\n\r\n",
	"data: a\rdata: b\r\r",                      // CR only
	"data: a\r\r\ndata: b\n\r\n",                // CR CR LF
	"data: never dispatched\n",                  // data without blank line
	"data: cut",                                 // no line end at all
	"id: 1\ndata: a\n\nid: 2\ndata: b",          // cut after an id
	"id: 1\x002\ndata: x\n\n",                   // NUL in id
	"retry: 1000\nretry: x\nretry: -5\n\n",      // retry rules
	": comment\n:\n\n",                          // comments only
	"\xef\xbb\xbfdata: bom\n\n",                 // BOM
	"data: \xff\xfe\xc3\x28\n\n",                // invalid UTF-8
	"data\ndata:\ndata: \n\n",                   // empty data lines
	"event: x\n\nevent: y\nid: 5\n\n",           // no data, no dispatch
	"data:  two spaces\ndata:\ttab\n\n",         // only one space removed
	"\n\n\r\n\r\r\n",                            // blank lines
	"data: x\n\n\n\ndata: y\r\n\r\ndata: z\r\r", // several events
	"Data: x\nDATA: y\n\n",                      // case-sensitive
	"data: a:b:c\nfoo\nbar: baz\n\n",            // odd fields
}

func FuzzSSE(f *testing.F) {
	for _, s := range fuzzSSESeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		whole := sseTestReadAll(bytes.NewReader(data))
		for _, ev := range whole.events {
			if strings.ContainsAny(ev.data, "\r") || strings.ContainsAny(ev.name, "\r\n") || strings.ContainsAny(ev.id, "\r\n\x00") {
				t.Fatalf("an event holds a line break: %q", ev)
			}
			if ev.name == "" {
				t.Fatal("an event without a name")
			}
		}
		if whole.err != io.EOF && whole.err != io.ErrUnexpectedEOF {
			t.Fatalf("reading from memory ended with %v", whole.err)
		}
		for _, rd := range []struct {
			name string
			r    io.Reader
		}{
			{"one byte at a time", iotest.OneByteReader(bytes.NewReader(data))},
			{"two bytes at a time", sseTestChunks(sseTestSplit(string(data), 2)...)},
			{"data with EOF", iotest.DataErrReader(bytes.NewReader(data))},
		} {
			got := sseTestReadAll(rd.r)
			if got.String() != whole.String() {
				t.Fatalf("%s:\n got %v\nwhole %v", rd.name, got, whole)
			}
		}
	})
}
