package demo

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"

	"github.com/mcpbridge/mcpbridge/internal/logx"
)

// Interactive reports whether the demo's stdin is a terminal: a person ran
// it, and it plays the tour; else an MCP client started it, and it is an
// ordinary bridge.
func Interactive(in io.Reader) bool {
	f, ok := in.(*os.File)
	if !ok {
		return false
	}
	return term.IsTerminal(int(f.Fd()))
}

// tourScript is what a host would send: the handshake pipelined in one
// write, then a few requests.
func tourScript() []string {
	return []string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"demo-host","version":"1"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`,
		`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello through mcpbridge"}}}`,
		`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"count","arguments":{"to":3},"_meta":{"progressToken":"p1"}}}`,
		`{"jsonrpc":"2.0","id":5,"method":"resources/read","params":{"uri":"demo://readme"}}`,
	}
}

// tourAnswers is how many requests of tourScript get an answer.
const tourAnswers = 5

// Bridge runs a bridge between a host's stdin (in) and stdout (out) until
// in ends.
type Bridge func(ctx context.Context, in io.Reader, out io.Writer) error

// Tour plays a host's short session through bridge, to the demo server at
// url, and prints both directions to w.
func Tour(ctx context.Context, url string, w io.Writer, bridge Bridge) error {
	// The two directions print from two goroutines; each Fprintf is one
	// Write, which Serialized keeps whole.
	w = logx.Serialized(w)
	say := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	say("Demo server: %s\nA host would start: mcpbridge %s\n\n", url, url)
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- bridge(ctx, inR, outW); outW.Close() }()
	go func() {
		for _, line := range tourScript() {
			say("host → server  %s\n", line)
			fmt.Fprintln(inW, line)
		}
	}()
	answers := 0
	sc := bufio.NewScanner(outR)
	sc.Buffer(nil, 1<<20)
	for answers < tourAnswers && sc.Scan() {
		say("server → host  %s\n", sc.Text())
		if len(sc.Bytes()) > 0 && !isNotification(sc.Bytes()) {
			answers++
		}
	}
	inW.Close()
	if err := <-done; err != nil {
		return fmt.Errorf("demo tour: %w", err)
	}
	say("\nEvery request got its answer. Point your MCP client at mcpbridge URL to use a real server.\n")
	return nil
}

// isNotification reports whether a line from the server is a notification
// (it has a method and no id).
func isNotification(line []byte) bool {
	var m struct {
		ID     *json.RawMessage `json:"id"`
		Method string           `json:"method"`
	}
	return json.Unmarshal(line, &m) == nil && m.ID == nil && m.Method != ""
}
