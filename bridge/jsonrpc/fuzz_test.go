package jsonrpc

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc/jsonrpctest"
)

// fuzzNestingDepth returns the deepest bracket nesting outside strings.
func fuzzNestingDepth(b []byte) int {
	depth, deepest, inStr, esc := 0, 0, false, false
	for _, c := range b {
		switch {
		case inStr && esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case inStr && c == '"':
			inStr = false
		case inStr:
		case c == '"':
			inStr = true
		case c == '[' || c == '{':
			depth++
			deepest = max(deepest, depth)
		case c == ']' || c == '}':
			depth--
		}
	}
	return deepest
}

func FuzzParseMessage(f *testing.F) {
	for _, s := range jsonrpctest.Seeds() {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := bytes.Clone(data)
		m, err := Parse(in)
		if !bytes.Equal(in, data) {
			t.Fatal("parseMessage modified its input")
		}
		valid := json.Valid(data)
		trimmed := bytes.TrimLeft(data, " \t\r\n")
		isObject := len(trimmed) > 0 && trimmed[0] == '{'
		shallow := fuzzNestingDepth(data) <= MaxDepth

		var inv *InvalidMessage
		switch {
		case err == nil:
			if !valid {
				t.Fatalf("accepted JSON that encoding/json rejects: %q", data)
			}
			if m.Kind == KindInvalid {
				t.Fatal("accepted a message of kind invalid")
			}
			// raw is valid, compact, and the compact form of the input.
			var want bytes.Buffer
			if cerr := json.Compact(&want, data); cerr != nil {
				t.Fatalf("json.Compact: %v", cerr)
			}
			if !bytes.Equal(m.Raw, want.Bytes()) {
				t.Fatalf("raw = %q, want the compact input %q", m.Raw, want.Bytes())
			}
			for name, v := range map[string][]byte{"id": m.ID, "params": m.Params, "result": m.Result, "error": m.ErrorValue} {
				if v != nil && (!jsonScanIsSubSlice(m.Raw, v) || !json.Valid(v)) {
					t.Fatalf("%s = %q is not a valid sub-slice of raw", name, v)
				}
			}
			if (m.Kind == KindNotification) != (m.ID == nil) {
				t.Fatalf("kind %v with id %q", m.Kind, m.ID)
			}
			if m.ID != nil {
				if !ValidID(m.ID) {
					t.Fatalf("accepted id %q", m.ID)
				}
				// The id bytes re-parse and survive an answer unchanged.
				ans, perr := Parse(ErrorResponse(m.ID, CodeInternalError, "x", nil))
				if perr != nil || ans.Kind != KindResponse || !bytes.Equal(ans.ID, m.ID) {
					t.Fatalf("id %q does not survive an answer: %v", m.ID, perr)
				}
			}
		case errors.As(err, &inv):
			if !valid {
				t.Fatalf("invalid JSON reported as a JSON-RPC problem (%v): %q", err, data)
			}
			if inv.ID != nil && (!ValidID(inv.ID) || !json.Valid(inv.ID)) {
				t.Fatalf("the error keeps an unusable id %q", inv.ID)
			}
			if ans := ErrorResponse(inv.ID, CodeInvalidRequest, "x", nil); !json.Valid(ans) {
				t.Fatalf("the answer to an invalid message is not JSON: %q", ans)
			}
		case errors.Is(err, ErrSyntax):
			if valid && isObject && shallow {
				t.Fatalf("rejected an object encoding/json accepts (%v): %q", err, data)
			}
		default:
			t.Fatalf("unexpected error type %T: %v", err, err)
		}
		if isObject && shallow && valid != !errors.Is(err, ErrSyntax) {
			t.Fatalf("validity %v disagrees with encoding/json %v: %q", err == nil, valid, data)
		}
		// Read in pieces (a large answer arrives in chunks), it is the same
		// message, wherever the cuts fall.
		for _, n := range []int{1, 2, 3, 1 + len(data)%13} {
			if diff := jsonScanSameParse(data, jsonrpctest.Split(bytes.Clone(data), n)); diff != "" {
				t.Fatalf("in pieces of %d: %s (input %q)", n, diff, data)
			}
		}
	})
}
