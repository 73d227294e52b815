package bridge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc/jsonrpctest"
)

// fuzzStdioSeeds are stdin contents: several lines each.
var fuzzStdioSeeds = []string{
	strings.Join(jsonrpctest.Seeds()[:6], "\n") + "\n",
	// The handshake pipelined in one write, then requests.
	`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}` + "\n" +
		`{"jsonrpc":"2.0","method":"notifications/initialized"}` + "\n" +
		`{"jsonrpc":"2.0","id":2,"method":"tools/list"}` + "\n" +
		`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"x"}}` + "\n",
	// Batches.
	`[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"n"},{"jsonrpc":"2.0","id":"b","method":"ping"},[]]` + "\n[]\n[1,2]\n",
	// Ids, duplicates and a cancellation.
	`{"jsonrpc":"2.0","id":9007199254740993,"method":"ping"}` + "\n" +
		`{"jsonrpc":"2.0","id":9007199254740993,"method":"ping"}` + "\n" +
		`{"jsonrpc":"2.0","id":"x","method":"ping"}` + "\n" +
		`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"x"}}` + "\n",
	// Broken lines.
	"{\"id\":1,\"method\":\"ping\"}\r\n\r\n   \n\ufeff{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}\nnot json\n{\"jsonrpc\":\"2.0\",\"id\":\"\xff\",\"method\":\"ping\"}\n{\"jsonrpc\":\"2.0\",\"id\":3",
	// Pretty-printed and deep.
	"{ \"jsonrpc\": \"2.0\",\t\"id\": 4, \"method\": \"ping\" }\n" + strings.Repeat("[", 2000) + "\n" + strings.Repeat(`{"a":`, 1001) + "\n",
	// A response from the client, an invalid id, modern request.
	`{"jsonrpc":"2.0","id":"srv-1","result":{}}` + "\n" + `{"jsonrpc":"2.0","id":{},"method":"ping"}` + "\n" +
		`{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"n","arguments":{"a":1},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}` + "\n",
}

// fuzzAnswerKey is what identifies an answer line: its id, or "[batch]".
func fuzzAnswerKey(line []byte) (string, error) {
	if jsonrpc.IsBatch(line) {
		n, bad := 0, false
		err := jsonrpc.Elements(line, func(e []byte) {
			n++
			m, err := jsonrpc.Parse(bytes.Clone(e))
			bad = bad || err != nil || m.Kind != jsonrpc.KindResponse || m.ErrorValue == nil
		})
		if err != nil || n == 0 || bad {
			return "", errors.New("a batch answer that is not an array of error responses")
		}
		return "[batch]", nil
	}
	m, err := jsonrpc.Parse(line)
	if err != nil {
		return "", err
	}
	if m.Kind != jsonrpc.KindResponse || m.ErrorValue == nil {
		return "", errors.New("not an error response")
	}
	var e jsonrpc.RPCError
	if err := json.Unmarshal(m.ErrorValue, &e); err != nil || e.Code == 0 || e.Message == "" {
		return "", fmt.Errorf("malformed error object %s", m.ErrorValue)
	}
	return jsonrpc.IDKey(m.ID), nil
}

// fuzzExpectedAnswers predicts the answers to the client's lines.
func fuzzExpectedAnswers(data []byte) (want map[string]int, cancels bool) {
	want = map[string]int{}
	lines := newLineReader(bytes.NewReader(data))
	for {
		line, err := lines.next(context.Background(), nil)
		if errors.Is(err, errLineTooLong) {
			want["null"]++
			continue
		}
		if err != nil {
			return want, cancels
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		m, err := jsonrpc.Parse(line)
		var inv *jsonrpc.InvalidMessage
		switch {
		case err == nil && m.Kind == jsonrpc.KindRequest:
			want[jsonrpc.IDKey(m.ID)]++
		case err == nil:
			cancels = cancels || m.Method == "notifications/cancelled"
		case errors.As(err, &inv) && jsonrpc.IsBatch(line):
			n, answered := 0, 0
			_ = jsonrpc.Elements(line, func(e []byte) {
				n++
				if em, err := jsonrpc.Parse(bytes.Clone(e)); err != nil || em.Kind == jsonrpc.KindRequest {
					answered++
				}
			})
			if n == 0 {
				want["null"]++
			} else if answered > 0 {
				want["[batch]"]++
			}
		case errors.As(err, &inv) && inv.ID != nil:
			want[jsonrpc.IDKey(inv.ID)]++
		default:
			want["null"]++
		}
	}
}

// fuzzDeadServer answers every request with HTTP 500 and an HTML page.
func fuzzDeadServer(tb testing.TB) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, "<html><body><h1>500 Internal Server Error</h1>\n</body></html>")
	}))
	tb.Cleanup(srv.Close)
	return srv
}

// fuzzServeLines runs data through a bridge whose server answers 500 to
// everything, the way Serve does (read stdin to the end, then shut down),
// and checks what reached stdout.
func fuzzServeLines(t *testing.T, srv *httptest.Server, data []byte) {
	u, err := url.Parse(srv.URL + "/mcp")
	if err != nil {
		t.Fatal(err)
	}
	var out lockedBuffer
	b, err := New(Config{URL: u, HTTPClient: srv.Client(), ShutdownGrace: 5 * time.Second}, &out)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	b.startReading(newLineReader(bytes.NewReader(data)), done)
	if err := <-done; err != nil {
		t.Fatalf("readLoop: %v", err)
	}
	// Every request is answered well before the shutdown grace.
	select {
	case <-b.calls.Drained():
	case <-time.After(10 * time.Second):
		t.Fatalf("%d requests still unanswered after 10 s", len(b.calls.All()))
	}
	b.shutdown()
	fuzzCheckStdout(t, data, out.String())
}

// fuzzCheckStdout checks what a bridge wrote to stdout for the client's
// input: only JSON-RPC error answers, one line each, exactly one for every
// request.
func fuzzCheckStdout(t *testing.T, data []byte, stdout string) {
	t.Helper()
	if stdout != "" && !strings.HasSuffix(stdout, "\n") {
		t.Fatalf("stdout does not end in a newline: %q", stdout)
	}
	got := map[string]int{}
	for _, line := range strings.Split(strings.TrimSuffix(stdout, "\n"), "\n") {
		if stdout == "" {
			break
		}
		if !json.Valid([]byte(line)) {
			t.Fatalf("stdout line is not JSON: %q", line)
		}
		k, err := fuzzAnswerKey([]byte(line))
		if err != nil {
			t.Fatalf("stdout line %q: %v", line, err)
		}
		got[k]++
	}
	// Every request gets exactly one answer (a cancelled one may get
	// none), and nothing else is answered.
	want, cancels := fuzzExpectedAnswers(data)
	for k, n := range got {
		if n > want[k] || (!cancels && n != want[k]) {
			t.Fatalf("answers %v, want %v (input %q)", got, want, data)
		}
	}
	for k, n := range want {
		if got[k] > n || (!cancels && got[k] != n) {
			t.Fatalf("answers %v, want %v (input %q)", got, want, data)
		}
	}
}

func FuzzStdioFraming(f *testing.F) {
	for _, s := range fuzzStdioSeeds {
		f.Add([]byte(s))
	}
	for _, s := range jsonrpctest.Seeds() {
		f.Add([]byte(s + "\n"))
	}
	srv := fuzzDeadServer(f)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzServeLines(t, srv, data) })
}

// TestStdioFramingPipelinedHandshakeThenEOF: a client writes initialize and
// notifications/initialized in one go and closes stdin (a health check
// does). The initialize exchange ends while shutdown waits for the sends to
// finish, and the held notification is sent from there. Found by
// FuzzStdioFraming: "sync: WaitGroup is reused before previous Wait has
// returned" in Bridge.shutdown.
func TestStdioFramingPipelinedHandshakeThenEOF(t *testing.T) {
	srv := fuzzDeadServer(t)
	u, err := url.Parse(srv.URL + "/mcp")
	if err != nil {
		t.Fatal(err)
	}
	in := []byte(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}` + "\n" +
		`{"jsonrpc":"2.0","method":"notifications/initialized"}` + "\n")
	// The window is narrow: try it often.
	for i := 0; i < 300; i++ {
		var out lockedBuffer
		b, err := New(Config{URL: u, HTTPClient: srv.Client()}, &out)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Serve(context.Background(), bytes.NewReader(in)); err != nil {
			t.Fatalf("Serve: %v", err)
		}
		fuzzCheckStdout(t, in, out.String())
	}
}
