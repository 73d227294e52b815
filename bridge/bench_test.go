package bridge

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
	"github.com/mcpbridge/mcpbridge/internal/httpclient"
)

// benchServer answers every request with a JSON result of size bytes, the
// way the shared benchmark's raw echo server does (json.Encoder: no
// Content-Length, a trailing newline).
func benchServer(size int, sse bool) *httptest.Server { return benchServerEra(size, sse, false) }

// benchServerEra is benchServer, speaking only 2026-07-28 when modern: it
// answers server/discover, so a legacy client's messages are translated.
func benchServerEra(size int, sse, modern bool) *httptest.Server {
	payload := strings.Repeat("x", size)
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		msg, _ := jsonrpc.Parse(mustRead(r.Body))
		if msg == nil || msg.Kind != jsonrpc.KindRequest {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		result := fmt.Sprintf(`{"content":[{"type":"text","text":%q}]}`, payload)
		switch {
		case modern && msg.Method == "server/discover":
			result = `{"resultType":"complete","supportedVersions":["2026-07-28"],"capabilities":{"tools":{}}}`
		case modern:
			result = `{"resultType":"complete",` + result[1:]
		}
		body := fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"result":%s}`, msg.ID, result)
		if sse {
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprintf(w, "event: message\ndata: %s\n\n", body)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintln(w, body)
	}))
}

func mustRead(r io.Reader) []byte { b, _ := io.ReadAll(r); return b }

// benchBridge runs a bridge to srv and returns its stdin writer and stdout
// reader.
func benchBridge(b *testing.B, srv *httptest.Server) (io.WriteCloser, *bufio.Reader) {
	return benchBridgeT(b, srv)
}

func benchBridgeT(b testing.TB, srv *httptest.Server) (io.WriteCloser, *bufio.Reader) {
	u, _ := url.Parse(srv.URL)
	client, _ := httpclient.New(httpclient.Options{})
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = Run(ctx, Config{URL: u, HTTPClient: client}, inR, outW); close(done) }()
	b.Cleanup(func() { inW.Close(); cancel(); <-done })
	return inW, bufio.NewReaderSize(outR, 1<<20)
}

func benchCalls(b *testing.B, size int, sse bool) { benchCallsEra(b, size, sse, false) }

func benchCallsEra(b *testing.B, size int, sse, modern bool) {
	srv := benchServerEra(size, sse, modern)
	defer srv.Close()
	in, out := benchBridge(b, srv)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		fmt.Fprintf(in, `{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"blob"}}`+"\n", i)
		line, err := out.ReadSlice('\n')
		for err == bufio.ErrBufferFull {
			_, err = out.ReadSlice('\n')
		}
		if err != nil || len(line) == 0 {
			b.Fatalf("read answer: %v", err)
		}
	}
}

func BenchmarkSmallJSON(b *testing.B) { benchCalls(b, 16, false) }
func BenchmarkSmallSSE(b *testing.B)  { benchCalls(b, 16, true) }
func BenchmarkBlobJSON(b *testing.B)  { benchCalls(b, 4<<20, false) }
func BenchmarkBlobSSE(b *testing.B)   { benchCalls(b, 4<<20, true) }

// The same calls from a legacy client to a 2026-07-28 server: translated.
func BenchmarkSmallJSONTranslated(b *testing.B) { benchCallsEra(b, 16, false, true) }
func BenchmarkBlobJSONTranslated(b *testing.B)  { benchCallsEra(b, 4<<20, false, true) }

// BenchmarkPipelined keeps 32 small requests in flight, like the shared
// benchmark's pipelined phase.
func BenchmarkPipelined(b *testing.B) {
	srv := benchServer(16, false)
	defer srv.Close()
	in, out := benchBridge(b, srv)
	b.ReportAllocs()
	b.ResetTimer()
	window := make(chan struct{}, 32)
	done := make(chan error, 1)
	go func() {
		for i := 0; i < b.N; i++ {
			if _, err := out.ReadSlice('\n'); err != nil {
				done <- err
				return
			}
			<-window
		}
		done <- nil
	}()
	for i := 0; i < b.N; i++ {
		window <- struct{}{}
		fmt.Fprintf(in, `{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"echo"}}`+"\n", i)
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}
