package stdiohost

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestCheck: the stdio rules, line by line.
func TestCheck(t *testing.T) {
	tests := []struct {
		line       string
		terminated bool
		want       string // a word of the problem; "" for none
	}{
		{`{"jsonrpc":"2.0","id":1,"result":{}}` + "\n", true, ""},
		{`{"jsonrpc":"2.0","method":"notifications/progress"}` + "\n", true, ""},
		{`{"jsonrpc":"2.0","id":1,"result":{}}`, false, "no newline"},
		{"\n", true, "not JSON"},
		{`{"jsonrpc": "2.0","id":1,"result":{}}` + "\n", true, "not compact"},
		{`[1]` + "\n", true, "not a JSON-RPC message"},
		{`{"id":1,"result":{}}` + "\n", true, `"jsonrpc":"2.0"`},
		{`{"jsonrpc":"2.0"}` + "\n", true, "neither"},
		{`{"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"x"}}` + "\n", true, "exactly one"},
	}
	for _, tc := range tests {
		_, problems := Check(0, []byte(tc.line), tc.terminated)
		got := strings.Join(problems, "; ")
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("Check(%q) problems %q, want one with %q", tc.line, got, tc.want)
		}
	}
}

// TestConnCall: a call gets its own answer, a server request its handler's
// answer, and under StrictIDs a stray answer is a breach.
func TestConnCall(t *testing.T) {
	stdinR, stdinW := io.Pipe()
	stdoutR, stdoutW := io.Pipe()
	var mu sync.Mutex
	var problems []string
	c := New(stdinW, Options{
		Handle: func(m *Msg) (any, *Error, bool) {
			return map[string]any{"roots": []any{}}, nil, m.Method == "roots/list"
		},
		Problem:   func(p string) { mu.Lock(); problems = append(problems, p); mu.Unlock() },
		StrictIDs: true,
	})
	go func() { _ = c.Read(stdoutR) }()
	// The bridge: asks for roots, writes a stray answer, then answers the
	// call after reading the host's answer to its request.
	go func() {
		buf := make([]byte, 4096)
		n, _ := stdinR.Read(buf) // the call
		if !strings.Contains(string(buf[:n]), `"method":"tools/list"`) {
			t.Errorf("the call went out as %q", buf[:n])
		}
		_, _ = io.WriteString(stdoutW, `{"jsonrpc":"2.0","id":"s1","method":"roots/list"}`+"\n"+`{"jsonrpc":"2.0","id":99,"result":{}}`+"\n")
		n, _ = stdinR.Read(buf)
		if got := string(buf[:n]); got != `{"id":"s1","jsonrpc":"2.0","result":{"roots":[]}}`+"\n" {
			t.Errorf("the host answered the roots request with %q", got)
		}
		_, _ = io.WriteString(stdoutW, `{"jsonrpc":"2.0","id":1,"result":{"tools":[]}}`+"\n")
		stdoutW.Close()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := c.Call(ctx, "tools/list", nil)
	if err != nil || string(res) != `{"tools":[]}` {
		t.Fatalf("Call = %s, %v", res, err)
	}
	<-c.Done()
	mu.Lock()
	defer mu.Unlock()
	if len(problems) != 1 || !strings.Contains(problems[0], "id 99 matches no request") {
		t.Errorf("problems %q, want the stray answer's", problems)
	}
}
