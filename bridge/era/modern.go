package era

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
)

// Protocol 2026-07-28 is stateless: each request carries its protocol
// version in params._meta, and over Streamable HTTP the client mirrors parts
// of the body into headers (2026-07-28 basic/transports/streamable-http
// §Request Metadata). The bridge computes those headers here, once per
// request, on the reader goroutine.

const (
	headerMethod      = "Mcp-Method"
	headerName        = "Mcp-Name"
	headerParamPrefix = "Mcp-Param-"
)

// Annotate computes the HTTP headers a 2026-07-28 request needs.
func (t *Catalog) Annotate(m *jsonrpc.Message) {
	if m.Modern == "" {
		m.ReadMeta()
	}
	if m.Modern == "" {
		return
	}
	h := modernHeaders(m.Modern, m.Method)
	if m.Method == "tools/call" || m.Method == "prompts/get" || m.Method == "resources/read" {
		var name, uri, args []byte // one pass over params
		_ = jsonrpc.Members(m.Params, func(k, v []byte) {
			switch {
			case jsonrpc.KeyIs(k, "name"):
				name = v
			case jsonrpc.KeyIs(k, "uri"):
				uri = v
			case jsonrpc.KeyIs(k, "arguments"):
				args = v
			}
		})
		if m.Method == "resources/read" {
			name = uri
		}
		n, ok := jsonrpc.StringValue(name)
		if ok {
			h[headerName] = []string{encodeHeaderValue(n)}
		}
		if m.Method == "tools/call" {
			for _, ph := range t.lookup(n) {
				if v, ok := ph.value(args); ok {
					h.Set(headerParamPrefix+ph.name, v)
				}
			}
		}
	}
	m.Header = h
}

// modernHeaders are the headers every 2026-07-28 message carries
// (streamable-http §Standard Request Headers).
func modernHeaders(version, method string) http.Header {
	v := []string{version}
	if version == ModernVersion {
		v = modernVersionValue
	}
	m, ok := methodValues[method]
	if !ok {
		m = []string{method}
	}
	return http.Header{"Mcp-Protocol-Version": v, "Mcp-Method": m}
}

// Header values shared by every request, never modified (net/http only
// reads them): no allocation per request for the common ones.
var (
	modernVersionValue = []string{ModernVersion}
	methodValues       = map[string][]string{}
)

func init() {
	for _, m := range []string{"tools/call", "tools/list", "resources/read", "resources/list", "resources/templates/list",
		"prompts/get", "prompts/list", "completion/complete", "server/discover", "subscriptions/listen",
		"notifications/cancelled", "notifications/progress"} {
		methodValues[m] = []string{m}
	}
}

// paramHeader is one x-mcp-header annotation: the header's name part and
// the chain of properties keys that leads to the parameter.
type paramHeader struct {
	name string
	path []string
}

// value extracts and encodes the parameter's value from the call arguments;
// ok is false when it is absent or null (the header is then omitted).
func (p paramHeader) value(args []byte) (string, bool) {
	v := args
	for _, k := range p.path {
		if v == nil || v[0] != '{' {
			return "", false
		}
		v = jsonrpc.Field(v, k)
	}
	if v == nil {
		return "", false
	}
	switch c := v[0]; {
	case c == '"':
		s, ok := jsonrpc.StringValue(v)
		return encodeHeaderValue(s), ok
	case c == 't', c == 'f', c == '-', c >= '0' && c <= '9':
		return string(v), true // booleans and integers: their JSON text
	}
	return "", false // null, objects, arrays
}

// toolHeaders validates a tool's inputSchema annotations (Streamable HTTP
// §Schema Extension) and returns them. Any violation makes the whole tool
// definition invalid.
func toolHeaders(schema []byte) ([]paramHeader, error) {
	if schema == nil || !strings.Contains(string(schema), "x-mcp-header") {
		return nil, nil
	}
	var root any
	if err := json.Unmarshal(schema, &root); err != nil {
		return nil, fmt.Errorf("inputSchema: %w", err)
	}
	var out []paramHeader
	seen := map[string]bool{}
	err := walkSchema(root, nil, true, func(path []string, prop map[string]any, v any) error {
		name, ok := v.(string)
		if !ok || !isToken(name) {
			return fmt.Errorf("x-mcp-header %v is not an HTTP field-name token", v)
		}
		if seen[strings.ToLower(name)] {
			return fmt.Errorf("x-mcp-header %q is used twice", name)
		}
		seen[strings.ToLower(name)] = true
		switch prop["type"] {
		case "string", "integer", "boolean":
		default:
			return fmt.Errorf("x-mcp-header %q is on a parameter that is not a string, integer or boolean", name)
		}
		out = append(out, paramHeader{name: name, path: append([]string(nil), path...)})
		return nil
	})
	return out, err
}

// walkSchema visits every x-mcp-header in a schema; reachable says whether
// the current node is reached from the root through properties keys only.
func walkSchema(node any, path []string, reachable bool, visit func([]string, map[string]any, any) error) error {
	switch n := node.(type) {
	case []any:
		for _, e := range n {
			if err := walkSchema(e, path, false, visit); err != nil {
				return err
			}
		}
	case map[string]any:
		if v, ok := n["x-mcp-header"]; ok {
			if !reachable || len(path) == 0 {
				return errors.New("x-mcp-header is not statically reachable through properties")
			}
			if err := visit(path, n, v); err != nil {
				return err
			}
		}
		for k, child := range n {
			if k == "properties" {
				props, ok := child.(map[string]any)
				if !ok {
					continue
				}
				for name, sub := range props {
					if err := walkSchema(sub, append(path, name), reachable, visit); err != nil {
						return err
					}
				}
				continue
			}
			if err := walkSchema(child, path, false, visit); err != nil {
				return err
			}
		}
	}
	return nil
}

// isToken reports whether s is an RFC 9110 §5.6.2 token (1*tchar).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}

// encodeHeaderValue applies Streamable HTTP §Value Encoding: plain when the
// value is visible ASCII without leading or trailing whitespace and does not
// look like the sentinel, otherwise =?base64?…?= of its UTF-8 bytes.
func encodeHeaderValue(s string) string {
	plain := s == strings.TrimSpace(s) &&
		!(strings.HasPrefix(s, "=?base64?") && strings.HasSuffix(s, "?="))
	for i := 0; plain && i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e { // controls (tab too) and non-ASCII
			plain = false
		}
	}
	if plain {
		return s
	}
	return "=?base64?" + base64.StdEncoding.EncodeToString([]byte(s)) + "?="
}

// Catalog is what the bridge learned from tools/list answers: for the
// 2026-07-28 protocol, which call arguments each tool wants mirrored into
// Mcp-Param-* headers.
type Catalog struct {
	mu      sync.RWMutex
	headers map[string][]paramHeader // tool name → its x-mcp-header parameters
}

// NewCatalog returns an empty catalog.
func NewCatalog() *Catalog { return &Catalog{headers: map[string][]paramHeader{}} }

// Learn reads a tool's inputSchema from a 2026-07-28 tools/list answer and
// keeps its x-mcp-header parameters; an error means the annotations are
// invalid and the client must not see the tool (Streamable HTTP §Custom
// Headers from Tool Parameters).
func (t *Catalog) Learn(name string, inputSchema []byte) error {
	hs, err := toolHeaders(inputSchema)
	if err != nil {
		return err
	}
	t.learn(name, hs)
	return nil
}

func (t *Catalog) learn(name string, hs []paramHeader) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(hs) == 0 {
		delete(t.headers, name)
		return
	}
	t.headers[name] = hs
}

func (t *Catalog) lookup(name string) []paramHeader {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.headers[name]
}
