package era

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
)

// TestEncodeHeaderValue: 2026-07-28 basic/transports/streamable-http
// §Value Encoding, with every row of the spec's example table first.
func TestEncodeHeaderValue(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		// The spec's table.
		{"spec: plain ASCII", "us-west1", "us-west1"},
		{"spec: contains non-ASCII", "Hello, 世界", "=?base64?SGVsbG8sIOS4lueVjA==?="},
		{"spec: leading/trailing spaces", " padded ", "=?base64?IHBhZGRlZCA=?="},
		{"spec: contains newline", "line1\nline2", "=?base64?bGluZTEKbGluZTI=?="},
		{"spec: matches sentinel pattern", "=?base64?literal?=", "=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?="},
		// Around the rules.
		{"inner spaces are fine", "a b  c", "a b  c"},
		{"every visible ASCII character", "!\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~", "!\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~"},
		{"URI", "file:///projects/myapp/config.json", "file:///projects/myapp/config.json"},
		{"leading space only", " a", "=?base64?" + base64.StdEncoding.EncodeToString([]byte(" a")) + "?="},
		{"trailing space only", "a ", "=?base64?" + base64.StdEncoding.EncodeToString([]byte("a ")) + "?="},
		{"tab inside", "a\tb", "=?base64?" + base64.StdEncoding.EncodeToString([]byte("a\tb")) + "?="},
		{"carriage return", "a\rb", "=?base64?" + base64.StdEncoding.EncodeToString([]byte("a\rb")) + "?="},
		{"NUL", "a\x00b", "=?base64?" + base64.StdEncoding.EncodeToString([]byte("a\x00b")) + "?="},
		{"DEL", "a\x7fb", "=?base64?" + base64.StdEncoding.EncodeToString([]byte("a\x7fb")) + "?="},
		{"only a space", " ", "=?base64?IA==?="},
		{"Latin-1 letter", "café", "=?base64?" + base64.StdEncoding.EncodeToString([]byte("café")) + "?="},
		{"emoji", "😀", "=?base64?" + base64.StdEncoding.EncodeToString([]byte("😀")) + "?="},
		{"sentinel prefix without suffix is plain", "=?base64?abc", "=?base64?abc"},
		{"sentinel suffix without prefix is plain", "abc?=", "abc?="},
		{"sentinel markers are case-sensitive", "=?BASE64?abc?=", "=?BASE64?abc?="},
		{"empty sentinel", "=?base64??=", "=?base64?" + base64.StdEncoding.EncodeToString([]byte("=?base64??=")) + "?="},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := encodeHeaderValue(tc.in)
			if got != tc.want {
				t.Fatalf("encodeHeaderValue(%q) = %q, want %q", tc.in, got, tc.want)
			}
			// Whatever the value, the result is a safe header value that
			// decodes back to it.
			for i := 0; i < len(got); i++ {
				if c := got[i]; c < 0x20 || c > 0x7e {
					t.Fatalf("encoded value holds byte %#x", c)
				}
			}
			if enc, ok := strings.CutPrefix(got, "=?base64?"); ok && strings.HasSuffix(got, "?=") && got != tc.in {
				dec, err := base64.StdEncoding.DecodeString(strings.TrimSuffix(enc, "?="))
				if err != nil || string(dec) != tc.in {
					t.Errorf("decodes to %q, %v; want %q", dec, err, tc.in)
				}
			}
		})
	}
}

func TestIsToken(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"Region", true},
		{"x-request-id", true},
		{"A1_b.c~d", true},
		{"!#$%&'*+-.^_`|~", true},
		{"0", true},
		{"", false},
		{"has space", false},
		{"colon:", false},
		{"semi;colon", false},
		{"quote\"", false},
		{"paren(", false},
		{"slash/", false},
		{"at@", false},
		{"comma,", false},
		{"brackets[]", false},
		{"braces{}", false},
		{"equals=", false},
		{"question?", false},
		{"backslash\\", false},
		{"tab\t", false},
		{"CR\r", false},
		{"LF\n", false},
		{"NUL\x00", false},
		{"DEL\x7f", false},
		{"é", false},
		{"Région", false},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%q", tc.in), func(t *testing.T) {
			if got := isToken(tc.in); got != tc.want {
				t.Errorf("isToken(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

// modernTestHeaders renders paramHeaders sorted by name as "Name=a.b".
func modernTestHeaders(hs []paramHeader) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h.name+"="+strings.Join(h.path, "."))
	}
	sort.Strings(out)
	return out
}

// TestToolHeaders: §Custom Headers from Tool Parameters, Schema Extension.
func TestToolHeaders(t *testing.T) {
	tests := []struct {
		name    string
		schema  string
		want    []string
		wantErr bool
	}{
		{"no schema", ``, nil, false},
		{"no annotation", `{"type":"object","properties":{"q":{"type":"string"}}}`, nil, false},
		{"spec example", `{"type":"object","properties":{"region":{"type":"string","description":"The region","x-mcp-header":"Region"},"query":{"type":"string"}},"required":["region","query"]}`,
			[]string{"Region=region"}, false},
		{"integer and boolean", `{"type":"object","properties":{"n":{"type":"integer","x-mcp-header":"Count"},"b":{"type":"boolean","x-mcp-header":"Flag"}}}`,
			[]string{"Count=n", "Flag=b"}, false},
		{"nested properties path", `{"type":"object","properties":{"outer":{"type":"object","properties":{"inner":{"type":"object","properties":{"leaf":{"type":"string","x-mcp-header":"Leaf"}}}}}}}`,
			[]string{"Leaf=outer.inner.leaf"}, false},
		{"siblings at several depths", `{"properties":{"a":{"type":"string","x-mcp-header":"A"},"o":{"type":"object","properties":{"b":{"type":"integer","x-mcp-header":"B"}}}}}`,
			[]string{"A=a", "B=o.b"}, false},
		{"property named properties", `{"properties":{"properties":{"type":"object","properties":{"x":{"type":"string","x-mcp-header":"X"}}}}}`,
			[]string{"X=properties.x"}, false},
		{"token punctuation", `{"properties":{"a":{"type":"string","x-mcp-header":"My_Header.v2~x"}}}`,
			[]string{"My_Header.v2~x=a"}, false},
		// Invalid definitions.
		{"empty name", `{"properties":{"a":{"type":"string","x-mcp-header":""}}}`, nil, true},
		{"name with a space", `{"properties":{"a":{"type":"string","x-mcp-header":"My Header"}}}`, nil, true},
		{"name with a colon", `{"properties":{"a":{"type":"string","x-mcp-header":"A:B"}}}`, nil, true},
		{"name with CRLF", `{"properties":{"a":{"type":"string","x-mcp-header":"A\r\nX-Evil: 1"}}}`, nil, true},
		{"name with LF", `{"properties":{"a":{"type":"string","x-mcp-header":"A\nB"}}}`, nil, true},
		{"non-ASCII name", `{"properties":{"a":{"type":"string","x-mcp-header":"Région"}}}`, nil, true},
		{"name is a number", `{"properties":{"a":{"type":"string","x-mcp-header":5}}}`, nil, true},
		{"name is null", `{"properties":{"a":{"type":"string","x-mcp-header":null}}}`, nil, true},
		{"name is an object", `{"properties":{"a":{"type":"string","x-mcp-header":{}}}}`, nil, true},
		{"duplicate name", `{"properties":{"a":{"type":"string","x-mcp-header":"Region"},"b":{"type":"string","x-mcp-header":"Region"}}}`, nil, true},
		{"duplicate name, other case", `{"properties":{"a":{"type":"string","x-mcp-header":"Region"},"b":{"type":"string","x-mcp-header":"REGION"}}}`, nil, true},
		{"duplicate name at another depth", `{"properties":{"a":{"type":"string","x-mcp-header":"region"},"o":{"type":"object","properties":{"b":{"type":"string","x-mcp-header":"Region"}}}}}`, nil, true},
		{"type number", `{"properties":{"a":{"type":"number","x-mcp-header":"A"}}}`, nil, true},
		{"type object", `{"properties":{"a":{"type":"object","x-mcp-header":"A"}}}`, nil, true},
		{"type array", `{"properties":{"a":{"type":"array","x-mcp-header":"A"}}}`, nil, true},
		{"type null", `{"properties":{"a":{"type":"null","x-mcp-header":"A"}}}`, nil, true},
		{"no type", `{"properties":{"a":{"x-mcp-header":"A"}}}`, nil, true},
		{"at the root", `{"type":"object","x-mcp-header":"Root","properties":{}}`, nil, true},
		{"under items", `{"properties":{"list":{"type":"array","items":{"type":"string","x-mcp-header":"Item"}}}}`, nil, true},
		{"under items properties", `{"properties":{"list":{"type":"array","items":{"type":"object","properties":{"a":{"type":"string","x-mcp-header":"A"}}}}}}`, nil, true},
		{"under prefixItems", `{"properties":{"t":{"type":"array","prefixItems":[{"type":"string","x-mcp-header":"T"}]}}}`, nil, true},
		{"under anyOf", `{"properties":{"a":{"anyOf":[{"type":"string","x-mcp-header":"A"},{"type":"integer"}]}}}`, nil, true},
		{"under oneOf", `{"properties":{"a":{"oneOf":[{"type":"string","x-mcp-header":"A"}]}}}`, nil, true},
		{"under allOf at the root", `{"allOf":[{"properties":{"a":{"type":"string","x-mcp-header":"A"}}}]}`, nil, true},
		{"under not", `{"properties":{"a":{"not":{"type":"string","x-mcp-header":"A"}}}}`, nil, true},
		{"under if/then", `{"if":{"properties":{"a":{"const":1}}},"then":{"properties":{"b":{"type":"string","x-mcp-header":"B"}}}}`, nil, true},
		{"under $ref target", `{"properties":{"a":{"$ref":"#/$defs/A"}},"$defs":{"A":{"type":"string","x-mcp-header":"A"}}}`, nil, true},
		{"under definitions", `{"definitions":{"A":{"properties":{"x":{"type":"string","x-mcp-header":"X"}}}}}`, nil, true},
		{"under additionalProperties", `{"properties":{"m":{"type":"object","additionalProperties":{"type":"string","x-mcp-header":"M"}}}}`, nil, true},
		{"under patternProperties", `{"patternProperties":{"^a":{"type":"string","x-mcp-header":"A"}}}`, nil, true},
		{"one bad among good ones", `{"properties":{"a":{"type":"string","x-mcp-header":"A"},"b":{"type":"number","x-mcp-header":"B"}}}`, nil, true},
		{"not JSON", `{"properties":{"a":{"x-mcp-header":"A"}`, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var schema []byte
			if tc.schema != "" {
				schema = []byte(tc.schema)
			}
			got, err := toolHeaders(schema)
			if (err != nil) != tc.wantErr {
				t.Fatalf("toolHeaders: %v, wantErr %v (headers %v)", err, tc.wantErr, modernTestHeaders(got))
			}
			if tc.wantErr {
				return
			}
			if g := modernTestHeaders(got); !slices.Equal(g, tc.want) {
				t.Errorf("headers %q, want %q", g, tc.want)
			}
		})
	}
}

func TestParamHeaderValue(t *testing.T) {
	args := `{"region":"us-west1","greeting":"Hello, 世界","escaped":"a\"b\u00e9","n":42,"neg":-7,"big":9007199254740991,` +
		`"t":true,"f":false,"nul":null,"empty":"","obj":{"k":"v","deep":{"x":1},"nul":null},"arr":["a"],"padded":" p "}`
	tests := []struct {
		name   string
		args   string
		path   []string
		want   string
		wantOK bool
	}{
		{"string", args, []string{"region"}, "us-west1", true},
		{"string needing base64", args, []string{"greeting"}, "=?base64?SGVsbG8sIOS4lueVjA==?=", true},
		{"string with padding", args, []string{"padded"}, "=?base64?IHAg?=", true},
		{"escaped string decoded then encoded", args, []string{"escaped"}, "=?base64?" + base64.StdEncoding.EncodeToString([]byte("a\"bé")) + "?=", true},
		{"empty string", args, []string{"empty"}, "", true},
		{"integer", args, []string{"n"}, "42", true},
		{"negative integer", args, []string{"neg"}, "-7", true},
		{"largest safe integer", args, []string{"big"}, "9007199254740991", true},
		{"true", args, []string{"t"}, "true", true},
		{"false", args, []string{"f"}, "false", true},
		{"null omits the header", args, []string{"nul"}, "", false},
		{"missing omits the header", args, []string{"absent"}, "", false},
		{"object omits the header", args, []string{"obj"}, "", false},
		{"array omits the header", args, []string{"arr"}, "", false},
		{"nested string", args, []string{"obj", "k"}, "v", true},
		{"nested two levels", args, []string{"obj", "deep", "x"}, "1", true},
		{"nested null", args, []string{"obj", "nul"}, "", false},
		{"nested missing", args, []string{"obj", "absent"}, "", false},
		{"path through a string", args, []string{"region", "x"}, "", false},
		{"path through an array", args, []string{"arr", "0"}, "", false},
		{"path through null", args, []string{"nul", "x"}, "", false},
		{"no arguments", ``, []string{"region"}, "", false},
		{"arguments not an object", `["us-west1"]`, []string{"region"}, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var a []byte
			if tc.args != "" {
				a = []byte(tc.args)
			}
			got, ok := paramHeader{name: "X", path: tc.path}.value(a)
			if ok != tc.wantOK || got != tc.want {
				t.Errorf("value = %q, %v; want %q, %v", got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestAnnotate(t *testing.T) {
	const meta = `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}`
	cat := NewCatalog()
	cat.learn("execute_sql", []paramHeader{{name: "Region", path: []string{"region"}}, {name: "Shard", path: []string{"opts", "shard"}}})
	tests := []struct {
		name string
		in   string
		want http.Header // nil: no headers (not a 2026-07-28 request)
	}{
		{"older protocol: nothing", `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, nil},
		{"older protocol with other _meta", `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"progressToken":1}}}`, nil},
		{"tools/list", `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{` + meta + `}}`, http.Header{
			"Mcp-Protocol-Version": {"2026-07-28"}, "Mcp-Method": {"tools/list"}}},
		{"tools/call with parameters", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"execute_sql","arguments":{"region":"us-west1","query":"SELECT 1","opts":{"shard":3}},` + meta + `}}`, http.Header{
			"Mcp-Protocol-Version": {"2026-07-28"}, "Mcp-Method": {"tools/call"}, "Mcp-Name": {"execute_sql"},
			"Mcp-Param-Region": {"us-west1"}, "Mcp-Param-Shard": {"3"}}},
		{"tools/call with a parameter missing", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"execute_sql","arguments":{"query":"SELECT 1"},` + meta + `}}`, http.Header{
			"Mcp-Protocol-Version": {"2026-07-28"}, "Mcp-Method": {"tools/call"}, "Mcp-Name": {"execute_sql"}}},
		{"tools/call of an unknown tool", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"other","arguments":{"region":"x"},` + meta + `}}`, http.Header{
			"Mcp-Protocol-Version": {"2026-07-28"}, "Mcp-Method": {"tools/call"}, "Mcp-Name": {"other"}}},
		{"non-ASCII tool name", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"météo",` + meta + `}}`, http.Header{
			"Mcp-Protocol-Version": {"2026-07-28"}, "Mcp-Method": {"tools/call"}, "Mcp-Name": {"=?base64?" + base64.StdEncoding.EncodeToString([]byte("météo")) + "?="}}},
		{"prompts/get", `{"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"greet",` + meta + `}}`, http.Header{
			"Mcp-Protocol-Version": {"2026-07-28"}, "Mcp-Method": {"prompts/get"}, "Mcp-Name": {"greet"}}},
		{"resources/read", `{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"file:///projects/myapp/config.json",` + meta + `}}`, http.Header{
			"Mcp-Protocol-Version": {"2026-07-28"}, "Mcp-Method": {"resources/read"}, "Mcp-Name": {"file:///projects/myapp/config.json"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := jsonrpc.Parse([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			cat.Annotate(m)
			if tc.want == nil {
				if m.Header != nil || m.Modern != "" {
					t.Errorf("headers %v, modern %q; want none", m.Header, m.Modern)
				}
				return
			}
			if fmt.Sprint(m.Header) != fmt.Sprint(tc.want) {
				t.Errorf("headers\n got %v\nwant %v", m.Header, tc.want)
			}
		})
	}
}
