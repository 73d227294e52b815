package jsonrpc

import "testing"

// TestIDKey: ids that denote the same JSON value share a key, others do
// not, and PlainIDKey, where it answers, gives IDKey's key.
func TestIDKey(t *testing.T) {
	same := [][2]string{{`1`, `1`}, {`1.0`, `1`}, {`1e2`, `100`}, {`-0`, `0`}, {`"a"`, `"a"`}, {`"\u0061"`, `"a"`}, {`"\/"`, `"/"`}}
	for _, p := range same {
		if IDKey([]byte(p[0])) != IDKey([]byte(p[1])) {
			t.Errorf("IDKey(%s) != IDKey(%s)", p[0], p[1])
		}
	}
	differ := [][2]string{{`1`, `"1"`}, {`1`, `2`}, {`"a"`, `"A"`}, {`""`, `0`}}
	for _, p := range differ {
		if IDKey([]byte(p[0])) == IDKey([]byte(p[1])) {
			t.Errorf("IDKey(%s) == IDKey(%s)", p[0], p[1])
		}
	}
	for _, id := range []string{`1`, `12345678901234567890`, `-7`, `"abc"`, `""`, `"a\"b"`, `1.5`, `-0`, `2E3`, `"mcpbridge-x-1"`} {
		k, ok := PlainIDKey([]byte(id))
		if ok && string(k) != IDKey([]byte(id)) {
			t.Errorf("PlainIDKey(%s) = %q, IDKey %q", id, k, IDKey([]byte(id)))
		}
	}
}
