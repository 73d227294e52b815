package headerhelper

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// reserved are the headers the transport owns: a helper may not set them.
var reserved = [...]string{"Host", "Content-Length", "Content-Type", "Transfer-Encoding", "Connection", "Mcp-Session-Id", "Mcp-Protocol-Version", "Accept"}

// parseOutput reads a helper's output: one JSON object whose values are
// strings, or "Name: value" lines (blank lines skipped). Errors name the
// line or the header, never a value: the output holds secrets.
func parseOutput(out []byte) (http.Header, error) {
	h := http.Header{}
	out = bytes.TrimSpace(out)
	if bytes.HasPrefix(out, []byte("{")) {
		var obj map[string]any
		if err := json.Unmarshal(out, &obj); err != nil {
			return nil, fmt.Errorf("its output starts with { but is not a JSON object")
		}
		for name, v := range obj {
			s, ok := v.(string)
			if !ok {
				return nil, fmt.Errorf("the value of %s in its JSON output is not a string", shownName(name))
			}
			if err := add(h, name, s); err != nil {
				return nil, err
			}
		}
		return h, nil
	}
	for i, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("line %d of its output is not \"Name: value\"", i+1)
		}
		if err := add(h, strings.TrimSpace(name), strings.TrimSpace(value)); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// add checks one header (RFC 9110 §5.1 field names, §5.5 values) and adds it.
func add(h http.Header, name, value string) error {
	if !validName(name) {
		return fmt.Errorf("its output names a header that is not a valid field name (%s)", shownName(name))
	}
	if !validValue(value) {
		return fmt.Errorf("the value of %s in its output holds a character a header may not", name)
	}
	for _, r := range reserved {
		if http.CanonicalHeaderKey(name) == r {
			return fmt.Errorf("its output sets %s, which mcpbridge sets itself", r)
		}
	}
	h.Add(name, value)
	return nil
}

// shownName is a header name from the output, shown only when it is one.
func shownName(name string) string {
	if validName(name) && len(name) <= 64 {
		return name
	}
	return "a name that is not one"
}

// validName: a field name is a token (RFC 9110 §5.1, §5.6.2).
func validName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// validValue: a field value holds no control character but HTAB (RFC 9110
// §5.5).
func validValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
