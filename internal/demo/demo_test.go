package demo

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"testing"
)

func post(t *testing.T, url, session, body string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Accept", "application/json, text/event-stream")
	if session != "" {
		req.Header.Set("Mcp-Session-Id", session)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestDemoServer(t *testing.T) {
	url, stop, err := Serve()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	resp := post(t, url, "", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}`)
	session := resp.Header.Get("Mcp-Session-Id")
	if session == "" {
		t.Fatal("initialize gave no session")
	}
	if r := post(t, url, "", `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`); r.StatusCode != http.StatusNotFound {
		t.Errorf("a request without a session: HTTP %d, want 404", r.StatusCode)
	}
	if r := post(t, url, session, `{"jsonrpc":"2.0","method":"notifications/initialized"}`); r.StatusCode != http.StatusAccepted {
		t.Errorf("notification: HTTP %d, want 202", r.StatusCode)
	}
	checks := map[string]string{
		`{"jsonrpc":"2.0","id":3,"method":"tools/list"}`:                                                       `"name":"count"`,
		`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"add","arguments":{"a":2,"b":3}}}`:     `"text":"5"`,
		`{"jsonrpc":"2.0","id":5,"method":"resources/read","params":{"uri":"demo://readme"}}`:                  `mcpbridge demo`,
		`{"jsonrpc":"2.0","id":6,"method":"prompts/get","params":{"name":"greet","arguments":{"name":"Ada"}}}`: `Say hello to Ada`,
		`{"jsonrpc":"2.0","id":7,"method":"nope"}`:                                                             `-32601`,
	}
	for req, want := range checks {
		body, _ := io.ReadAll(post(t, url, session, req).Body)
		if !strings.Contains(string(body), want) {
			t.Errorf("%s → %s, want it to contain %s", req, body, want)
		}
	}
	r := post(t, url, session, `{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"count","arguments":{"to":3},"_meta":{"progressToken":"p"}}}`)
	if ct := r.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("count answered %s, want an SSE stream", ct)
	}
	var progress, result int
	sc := bufio.NewScanner(r.Body)
	for sc.Scan() {
		switch {
		case strings.Contains(sc.Text(), "notifications/progress"):
			progress++
		case strings.Contains(sc.Text(), `"text":"1 2 3"`):
			result++
		}
	}
	if progress != 3 || result != 1 {
		t.Errorf("count stream: %d progress events and %d results, want 3 and 1", progress, result)
	}
}
