package demo

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
)

// echoBridge answers every request with an empty result and sends one
// notification first, as a server's progress would.
func echoBridge(_ context.Context, in io.Reader, out io.Writer) error {
	fmt.Fprintln(out, `{"jsonrpc":"2.0","method":"notifications/progress","params":{}}`)
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		var m struct {
			ID json.RawMessage `json:"id"`
		}
		if json.Unmarshal(sc.Bytes(), &m) == nil && m.ID != nil {
			fmt.Fprintf(out, `{"jsonrpc":"2.0","id":%s,"result":{}}`+"\n", m.ID)
		}
	}
	return sc.Err()
}

func TestTour(t *testing.T) {
	var b strings.Builder
	if err := Tour(context.Background(), "http://127.0.0.1:1/mcp", &b, echoBridge); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if got := strings.Count(out, "host → server"); got != len(tourScript()) {
		t.Errorf("%d lines to the server, want %d:\n%s", got, len(tourScript()), out)
	}
	if got := strings.Count(out, `server → host  {"jsonrpc":"2.0","id":`); got != tourAnswers {
		t.Errorf("%d answers, want %d:\n%s", got, tourAnswers, out)
	}
	if !strings.Contains(out, "Every request got its answer.") {
		t.Errorf("no closing line:\n%s", out)
	}
}

func TestIsNotification(t *testing.T) {
	for line, want := range map[string]bool{
		`{"jsonrpc":"2.0","method":"notifications/progress"}`: true,
		`{"jsonrpc":"2.0","id":1,"result":{}}`:                false,
		`{"jsonrpc":"2.0","id":1,"method":"ping"}`:            false,
		`not json`: false,
	} {
		if got := isNotification([]byte(line)); got != want {
			t.Errorf("isNotification(%s) = %v", line, got)
		}
	}
}

func TestServeOAuthScratchRemovesItsFolder(t *testing.T) {
	d, err := ServeOAuthScratch()
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(d.Dir); err != nil || !fi.IsDir() {
		t.Fatalf("token folder %s: %v", d.Dir, err)
	}
	if !strings.HasPrefix(d.URL, "http://127.0.0.1:") {
		t.Errorf("URL %s", d.URL)
	}
	d.Stop()
	if _, err := os.Stat(d.Dir); !os.IsNotExist(err) {
		t.Errorf("after Stop, %s: %v", d.Dir, err)
	}
}

// TestInteractive: only a terminal plays the tour; a pipe (an MCP client's
// stdin) or any other reader bridges.
func TestInteractive(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if Interactive(r) || Interactive(strings.NewReader("")) {
		t.Error("a pipe or a reader taken for a terminal")
	}
}
