package bridge

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpbridge/mcpbridge/bridge/transport"

	"github.com/mcpbridge/mcpbridge/internal/httpclient"
)

// TestHostileConcurrentLargeAnswers pins the memory ceiling: a server that
// answers many requests at once with large bodies (JSON of unknown length,
// and SSE events) gets them all delivered intact, while the bridge holds no
// more than its pool plus one message at any moment — not the sum of them.
func TestHostileConcurrentLargeAnswers(t *testing.T) {
	const n, size, pool = 6, 4 << 20, 1 << 20
	pad := strings.Repeat("x", size)
	srv := newFaultServer(t, mcpServer{next: func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
		body := resultFor(req.Msg.ID, fmt.Sprintf(`{"pad":%q}`, pad))
		if strings.Contains(string(req.Msg.ID), "sse") {
			writeSSE(w, "data: "+body)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		for b := []byte(body); len(b) > 0; b = b[min(len(b), 32<<10):] { // chunked: no Content-Length
			_, _ = w.Write(b[:min(len(b), 32<<10)])
			flush(w)
		}
	}}.serve)
	b, out, stdin := startBudgeted(t, srv.URL, pool)
	var lines []string
	for i := range n {
		id := fmt.Sprintf(`"json-%d"`, i)
		if i%2 == 1 {
			id = fmt.Sprintf(`"sse-%d"`, i)
		}
		lines = append(lines, fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"method":"tools/call","params":{"name":"big"}}`, id))
	}
	io.WriteString(stdin, initLine+"\n"+strings.Join(lines, "\n")+"\n")
	got := out.waitN(t, n+1)
	for _, l := range got[1:] {
		if !strings.Contains(l, pad) {
			t.Fatalf("an answer arrived damaged or as an error: %.200s", l)
		}
	}
	if hw := b.mem.Peak(); hw > pool+size+2*transport.ChunkSize {
		t.Errorf("held %d bytes at once for %d answers of %d: over pool %d + one message", hw, n, size, pool)
	}
}

const initLine = `{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`

// collected gathers stdout lines.
type collected struct {
	env   *testEnv
	mu    sync.Mutex
	lines []string
}

func (c *collected) waitN(t *testing.T, n int) []string {
	t.Helper()
	var got []string
	waitFor(t, fmt.Sprintf("%d lines on stdout", n), func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		got = append([]string(nil), c.lines...)
		return len(got) >= n
	})
	return got
}

// startBudgeted runs a Bridge whose memory pool is pool bytes.
func startBudgeted(t *testing.T, rawURL string, pool int64) (*Bridge, *collected, io.WriteCloser) {
	t.Helper()
	u, _ := url.Parse(rawURL)
	client := httpClient(t, httpclient.Options{})
	outR, outW := io.Pipe()
	b, err := New(Config{URL: u, HTTPClient: client, Protocol: ProtocolLegacy, ShutdownGrace: 300 * time.Millisecond, MemoryPool: pool}, outW)
	if err != nil {
		t.Fatal(err)
	}
	c := &collected{env: envOf(t)}
	go func() {
		r := bufio.NewReaderSize(outR, 1<<20)
		for {
			line, err := r.ReadBytes('\n')
			if len(line) > 0 {
				c.mu.Lock()
				c.lines = append(c.lines, string(bytes.TrimSuffix(line, []byte{'\n'})))
				c.mu.Unlock()
				c.env.signal()
			}
			if err != nil {
				return
			}
		}
	}()
	inR, inW := io.Pipe()
	done := make(chan struct{})
	go func() { _ = b.Serve(context.Background(), inR); close(done) }()
	t.Cleanup(func() {
		inW.Close()
		select {
		case <-done:
		case <-time.After(faultWait):
			t.Error("Serve did not return")
		}
		outW.Close()
		client.CloseIdleConnections()
	})
	return b, c, inW
}

// TestLongRequestDoesNotStallStdin: a large line whose request takes long
// (a tool call waiting on the server) must not keep stdin from being read:
// the next line — which could be the client's answer the server waits for —
// is handled while the first is still in flight.
func TestLongRequestDoesNotStallStdin(t *testing.T) {
	release := make(chan struct{})
	srv := newFaultServer(t, func(w http.ResponseWriter, r *http.Request, req *seenRequest) {
		if len(req.Body) > hugeBody { // a large, slow one, answered by its id
			select {
			case <-release:
			case <-r.Context().Done():
			}
			id := "slow1"
			if bytes.Contains(req.Body[:64], []byte("slow2")) {
				id = "slow2"
			}
			writeJSON(w, http.StatusOK, `{"jsonrpc":"2.0","id":"`+id+`","result":{}}`)
			return
		}
		mcpServer{}.serve(w, r, req)
	})
	_, out, stdin := startBudgeted(t, srv.URL, 1<<20)
	big := func(id string) string {
		return `{"jsonrpc":"2.0","id":"` + id + `","method":"tools/call","params":{"name":"upload","arguments":{"blob":"` + strings.Repeat("b", 3<<20) + `"}}}`
	}
	// Two large lines: together more than the pool and the large lane.
	io.WriteString(stdin, initLine+"\n"+big("slow1")+"\n"+big("slow2")+"\n"+`{"jsonrpc":"2.0","id":"fast","method":"tools/call","params":{"name":"x"}}`+"\n")
	got := out.waitN(t, 2)
	if !strings.Contains(got[1], `"fast"`) {
		t.Fatalf("a later line was not answered while the large ones were in flight: %.200s", got[1])
	}
	close(release)
	out.waitN(t, 4)
}
