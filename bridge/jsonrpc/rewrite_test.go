package jsonrpc

// Unit tests of rewrite.go: each helper returns a new message that parses,
// differs from the input only where asked, and leaves the input untouched.

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
)

// mustParse parses a test message.
func mustParse(t *testing.T, raw string) *Message {
	t.Helper()
	m, err := Parse([]byte(raw))
	if err != nil {
		t.Fatalf("parse %s: %v", raw, err)
	}
	return m
}

// checkRewrite checks that got is want, re-parses as the same kind of
// message with the same id and method, and that in is unchanged.
func checkRewrite(t *testing.T, in *Message, before string, got *Message, want string) {
	t.Helper()
	if string(got.Raw) != want {
		t.Errorf("got\n %s\nwant\n %s", got.Raw, want)
	}
	if !json.Valid(got.Raw) {
		t.Fatalf("not valid JSON: %s", got.Raw)
	}
	re, err := Parse(bytes.Clone(got.Raw))
	if err != nil {
		t.Fatalf("the rewrite does not parse: %v", err)
	}
	if re.Kind != in.Kind || string(re.ID) != string(in.ID) || re.Method != in.Method {
		t.Errorf("the rewrite changed kind, id or method: %s", got.Raw)
	}
	if string(got.Params) != string(re.Params) {
		t.Errorf("the returned message's params %s do not match its bytes", got.Params)
	}
	if string(in.Raw) != before {
		t.Errorf("the input was modified: %s", in.Raw)
	}
}

func kv(k, v string) [2][]byte { return [2][]byte{[]byte(k), []byte(v)} }

func TestWithMeta(t *testing.T) {
	tests := []struct {
		name, in string
		add      [][2][]byte
		want     string
	}{{
		name: "no params",
		in:   `{"jsonrpc":"2.0","id":1,"method":"ping"}`,
		add:  [][2][]byte{kv("a/v", `"x"`)},
		want: `{"params":{"_meta":{"a/v":"x"}},"jsonrpc":"2.0","id":1,"method":"ping"}`,
	}, {
		name: "params without _meta",
		in:   `{"jsonrpc":"2.0","id":"q","method":"tools/call","params":{"name":"t","arguments":{"k":[1,2]}}}`,
		add:  [][2][]byte{kv("a", "1"), kv("b", `{"c":true}`)},
		want: `{"jsonrpc":"2.0","id":"q","method":"tools/call","params":{"_meta":{"a":1,"b":{"c":true}},"name":"t","arguments":{"k":[1,2]}}}`,
	}, {
		name: "_meta present",
		in:   `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"t","_meta":{"progressToken":7}}}`,
		add:  [][2][]byte{kv("a", "1")},
		want: `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"t","_meta":{"a":1,"progressToken":7}}}`,
	}, {
		name: "key already present keeps the client's value",
		in:   `{"jsonrpc":"2.0","id":3,"method":"x","params":{"_meta":{"a":"client"}}}`,
		add:  [][2][]byte{kv("a", `"bridge"`), kv("b", "2")},
		want: `{"jsonrpc":"2.0","id":3,"method":"x","params":{"_meta":{"b":2,"a":"client"}}}`,
	}, {
		name: "empty params",
		in:   `{"jsonrpc":"2.0","id":4,"method":"x","params":{}}`,
		add:  [][2][]byte{kv("a", "1")},
		want: `{"jsonrpc":"2.0","id":4,"method":"x","params":{"_meta":{"a":1}}}`,
	}, {
		name: "empty _meta",
		in:   `{"jsonrpc":"2.0","id":5,"method":"x","params":{"_meta":{}}}`,
		add:  [][2][]byte{kv("a", "1")},
		want: `{"jsonrpc":"2.0","id":5,"method":"x","params":{"_meta":{"a":1}}}`,
	}, {
		name: "notification, written with whitespace",
		in:   `{ "jsonrpc" : "2.0", "method" : "notifications/x", "params" : { "n" : 1 } }`,
		add:  [][2][]byte{kv("a", "1")},
		want: `{"jsonrpc":"2.0","method":"notifications/x","params":{"_meta":{"a":1},"n":1}}`,
	}, {
		name: "a key that needs escaping",
		in:   `{"jsonrpc":"2.0","id":6,"method":"x","params":{}}`,
		add:  [][2][]byte{kv(`we"ird`, "1")},
		want: `{"jsonrpc":"2.0","id":6,"method":"x","params":{"_meta":{"we\"ird":1}}}`,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := mustParse(t, tc.in)
			before := string(in.Raw)
			checkRewrite(t, in, before, WithMeta(in, tc.add), tc.want)
		})
	}
}

func TestWithMetaNothingToAdd(t *testing.T) {
	in := mustParse(t, `{"jsonrpc":"2.0","id":1,"method":"x","params":{"_meta":{"a":1}}}`)
	if got := WithMeta(in, [][2][]byte{kv("a", "2")}); got != in {
		t.Errorf("with every key present, want the message itself, got %s", got.Raw)
	}
	if got := WithMeta(in, nil); got != in {
		t.Errorf("with no fields, want the message itself, got %s", got.Raw)
	}
}

func TestWithParams(t *testing.T) {
	tests := []struct {
		name, in string
		set      [][2][]byte
		want     string
	}{{
		name: "replace",
		in:   `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"requestState":"old","name":"t"}}`,
		set:  [][2][]byte{kv("requestState", `"new"`)},
		want: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"requestState":"new","name":"t"}}`,
	}, {
		name: "add",
		in:   `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t"}}`,
		set:  [][2][]byte{kv("inputResponses", `{"a":{}}`), kv("requestState", `"s"`)},
		want: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"requestState":"s","inputResponses":{"a":{}},"name":"t"}}`,
	}, {
		name: "replace one, add another",
		in:   `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","inputResponses":{"old":1},"_meta":{"k":1}}}`,
		set:  [][2][]byte{kv("inputResponses", `{"new":2}`), kv("requestState", `"s"`)},
		want: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"requestState":"s","name":"t","inputResponses":{"new":2},"_meta":{"k":1}}}`,
	}, {
		name: "no params",
		in:   `{"jsonrpc":"2.0","method":"notifications/cancelled"}`,
		set:  [][2][]byte{kv("requestId", `"w-1"`)},
		want: `{"params":{"requestId":"w-1"},"jsonrpc":"2.0","method":"notifications/cancelled"}`,
	}, {
		name: "replace by a longer value",
		in:   `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":5,"reason":"r"}}`,
		set:  [][2][]byte{kv("requestId", `"mcpbridge-retry-12345"`)},
		want: `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"mcpbridge-retry-12345","reason":"r"}}`,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := mustParse(t, tc.in)
			before := string(in.Raw)
			checkRewrite(t, in, before, WithParams(in, tc.set), tc.want)
		})
	}
}

func TestWithoutMeta(t *testing.T) {
	const p = "io.modelcontextprotocol/"
	tests := []struct{ name, in, want string }{{
		name: "strips the prefixed keys, keeps the others in order",
		in:   `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","progressToken":"p","io.modelcontextprotocol/clientInfo":{"name":"c"},"com.example/x":[1]}}}`,
		want: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","_meta":{"progressToken":"p","com.example/x":[1]}}}`,
	}, {
		name: "strips every key",
		in:   `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}`,
		want: `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{}}}`,
	}, {
		name: "a prefixed value, not key, stays",
		in:   `{"jsonrpc":"2.0","id":1,"method":"x","params":{"_meta":{"note":"io.modelcontextprotocol/protocolVersion"}}}`,
		want: `{"jsonrpc":"2.0","id":1,"method":"x","params":{"_meta":{"note":"io.modelcontextprotocol/protocolVersion"}}}`,
	}, {
		name: "an escaped key keeps its escapes",
		in:   `{"jsonrpc":"2.0","id":1,"method":"x","params":{"_meta":{"a\"b":1,"io.modelcontextprotocol/logLevel":"debug"}}}`,
		want: `{"jsonrpc":"2.0","id":1,"method":"x","params":{"_meta":{"a\"b":1}}}`,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := mustParse(t, tc.in)
			before := string(in.Raw)
			checkRewrite(t, in, before, WithoutMeta(in, p), tc.want)
		})
	}
	for _, raw := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"x"}`,
		`{"jsonrpc":"2.0","id":1,"method":"x","params":{"name":"t"}}`,
		`{"jsonrpc":"2.0","id":1,"method":"x","params":{"_meta":{"progressToken":1}}}`,
	} {
		if in := mustParse(t, raw); WithoutMeta(in, p) != in {
			t.Errorf("nothing to strip in %s: want the message itself", raw)
		}
	}
}

func TestWithRequestID(t *testing.T) {
	in := mustParse(t, `{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}`)
	in.ReadMeta()
	in.Header = http.Header{"Mcp-Method": {"tools/list"}}
	before := string(in.Raw)
	got := WithRequestID(in, []byte(`"mcpbridge-reissue-1"`))
	checkRewriteID(t, got, `{"jsonrpc":"2.0","id":"mcpbridge-reissue-1","method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}`)
	if got.Modern != "2026-07-28" || got.Header.Get("Mcp-Method") != "tools/list" {
		t.Errorf("the new request lost the version (%q) or the headers (%v)", got.Modern, got.Header)
	}
	if string(in.Raw) != before || string(in.ID) != "7" {
		t.Errorf("the input was modified: %s", in.Raw)
	}
}

func checkRewriteID(t *testing.T, got *Message, want string) {
	t.Helper()
	if string(got.Raw) != want {
		t.Errorf("got\n %s\nwant\n %s", got.Raw, want)
	}
	if re, err := Parse(bytes.Clone(got.Raw)); err != nil || string(re.ID) != string(got.ID) {
		t.Errorf("the rewrite does not parse to its own id: %v", err)
	}
}
