package probe

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mcpbridge/mcpbridge/bridge"
)

// testProber is a prober past the settings step, for the server at raw.
func testProber(t *testing.T, raw string) *prober {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return &prober{cfg: Config{Version: "test", Flags: Flags{HeadersTimeout: 5 * time.Second}}, run: &runner{},
		budget: newBudget(time.Minute), bridge: bridge.Config{URL: u, HTTPClient: &http.Client{}}, init: initialize("test")}
}

// only returns the one step the prober ran.
func only(t *testing.T, p *prober) *Step {
	t.Helper()
	if len(p.run.steps) != 1 {
		t.Fatalf("%d steps", len(p.run.steps))
	}
	return p.run.steps[0]
}

// TestAnswerFromStream: the answer to the request is found after the
// server's notifications, requests, unnamed-type events and answers to
// other ids; a stream that ends first, or runs past the probe's budget,
// is an error.
func TestAnswerFromStream(t *testing.T) {
	stream := ": keep-alive\n\n" +
		"data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}\n\n" +
		"data: {\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ping\"}\n\n" +
		"event: other\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"wrong\":true}}\n\n" +
		"data: {\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{}}\n\n" +
		"data: {\"jsonrpc\":\"2.0\",\n" + "data:  \"id\":1,\"result\":{\"ok\":true}}\n\n"
	m, err := answerFromStream(strings.NewReader(stream), []byte("1"))
	if err != nil || string(m.Result) != `{"ok":true}` {
		t.Fatalf("answer %v, %v", m, err)
	}
	if _, err := answerFromStream(strings.NewReader("data: {}\n\n"), []byte("1")); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("a stream that ends: %v", err)
	}
	huge := strings.NewReader("data: " + strings.Repeat("x", maxAnswer) + "\n\n")
	if _, err := answerFromStream(huge, []byte("1")); err == nil {
		t.Error("a stream past the budget was read")
	}
}
