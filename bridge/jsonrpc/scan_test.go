package jsonrpc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc/jsonrpctest"
)

// scanValidityCases are JSON texts on which the scanner must agree with
// encoding/json.Valid. Depths stay below maxDepth, where encoding/json (limit
// 10000) and the scanner (limit 1000) agree by construction.
var scanValidityCases = []struct {
	name string
	in   string
}{
	// Literals.
	{"true", `true`},
	{"false", `false`},
	{"null", `null`},
	{"truncated true", `tru`},
	{"capitalised True", `True`},
	{"true with trailing letters", `truex`},
	{"nul", `nul`},
	{"NaN", `NaN`},
	{"Infinity", `Infinity`},
	{"undefined", `undefined`},
	// Numbers.
	{"zero", `0`},
	{"negative zero", `-0`},
	{"integer", `123`},
	{"negative integer", `-123`},
	{"leading zero", `01`},
	{"negative leading zero", `-01`},
	{"double zero", `00`},
	{"fraction", `1.5`},
	{"zero fraction", `0.0001`},
	{"fraction without digits", `1.`},
	{"fraction without integer", `.5`},
	{"exponent", `1e10`},
	{"capital exponent", `1E10`},
	{"exponent plus", `1e+10`},
	{"exponent minus", `1e-10`},
	{"fraction and exponent", `1.5e3`},
	{"exponent without digits", `1e`},
	{"exponent sign without digits", `1e+`},
	{"double exponent", `1e1e1`},
	{"lone minus", `-`},
	{"plus sign", `+1`},
	{"minus then space", `- 1`},
	{"hex", `0x10`},
	{"big integer", `9007199254740993`},
	{"huge integer", strings.Repeat("9", 400)},
	{"huge exponent", `1e999999999`},
	{"zero exponent", `0e0`},
	{"minus fraction", `-0.5`},
	{"minus dot", `-.5`},
	// Strings.
	{"empty string", `""`},
	{"plain string", `"hello"`},
	{"unterminated string", `"hello`},
	{"lone quote", `"`},
	{"escaped quote", `"a\"b"`},
	{"escaped backslash", `"a\\b"`},
	{"escaped slash", `"a\/b"`},
	{"all short escapes", `"\b\f\n\r\t\"\\\/"`},
	{"invalid escape", `"\a"`},
	{"escaped x", `"\x41"`},
	{"escaped single quote", `"\'"`},
	{"backslash at end", `"\`},
	{"escaped quote at end", `"\"`},
	{"unicode escape", `"\u00e9"`},
	{"unicode escape upper", `"\u00E9"`},
	{"surrogate pair", `"\ud83d\ude00"`},
	{"lone surrogate", `"\ud800"`},
	{"short unicode escape", `"\u12"`},
	{"short unicode escape at end", `"\u12`},
	{"non-hex unicode escape", `"\u12g4"`},
	{"unicode escape with sign", `"\u+123"`},
	{"raw newline", "\"a\nb\""},
	{"raw tab", "\"a\tb\""},
	{"raw NUL", "\"a\x00b\""},
	{"raw 0x1f", "\"a\x1fb\""},
	{"raw DEL", "\"a\x7fb\""},
	{"raw UTF-8", `"héllo 世界 😀"`},
	{"invalid UTF-8", "\"\xff\xfe\""},
	{"truncated UTF-8", "\"\xe4\xb8\""},
	{"single-quoted", `'a'`},
	// Arrays.
	{"empty array", `[]`},
	{"array", `[1,"a",true,null,{}]`},
	{"array with spaces", `[ 1 , 2 ]`},
	{"array trailing comma", `[1,]`},
	{"array leading comma", `[,1]`},
	{"array double comma", `[1,,2]`},
	{"array missing comma", `[1 2]`},
	{"unterminated array", `[1,2`},
	{"unterminated empty array", `[`},
	{"mismatched brackets", `[}`},
	{"nested arrays", `[[[]],[[1]]]`},
	// Objects.
	{"empty object", `{}`},
	{"object", `{"a":1,"b":[true],"c":{"d":null}}`},
	{"object with spaces", "{ \"a\" : 1 ,\n\t\"b\" : 2 }"},
	{"object trailing comma", `{"a":1,}`},
	{"object missing colon", `{"a" 1}`},
	{"object missing value", `{"a":}`},
	{"object unquoted key", `{a:1}`},
	{"object number key", `{1:1}`},
	{"object single-quoted key", `{'a':1}`},
	{"object missing comma", `{"a":1 "b":2}`},
	{"object double colon", `{"a"::1}`},
	{"unterminated object", `{"a":1`},
	{"unterminated object after comma", `{"a":1,`},
	{"unterminated key", `{"a`},
	{"lone brace", `{`},
	{"closing brace only", `}`},
	{"duplicate keys", `{"a":1,"a":2}`},
	{"escaped key", `{"\u0061":1}`},
	{"key with invalid escape", `{"\q":1}`},
	// Whitespace and trailing data.
	{"empty input", ``},
	{"only whitespace", " \t\r\n"},
	{"surrounding whitespace", " \t\r\n{} \t\r\n"},
	{"form feed", "\f{}"},
	{"vertical tab", "\v{}"},
	{"non-breaking space", "\u00a0{}"},
	{"BOM", "\ufeff{}"},
	{"two values", `{} {}`},
	{"trailing comma", `{},`},
	{"trailing garbage", `{}x`},
	{"trailing NUL", "{}\x00"},
	{"two numbers", `1 2`},
	{"comment", `{} // c`},
	{"block comment", `/* c */ {}`},
	// Nesting.
	{"depth 999 arrays", strings.Repeat("[", 999) + strings.Repeat("]", 999)},
	{"depth 999 objects", strings.Repeat(`{"a":`, 998) + "{}" + strings.Repeat("}", 998)},
	{"depth 999 unbalanced", strings.Repeat("[", 999) + strings.Repeat("]", 998)},
	{"depth 999 over-closed", strings.Repeat("[", 999) + strings.Repeat("]", 1000)},
}

func TestScannerAgreesWithEncodingJSON(t *testing.T) {
	for _, tc := range scanValidityCases {
		t.Run(tc.name, func(t *testing.T) {
			b := []byte(tc.in)
			want := json.Valid(b)
			ok, hasSpace := validJSON(b)
			if ok != want {
				t.Fatalf("validJSON(%.60q) = %v, encoding/json.Valid = %v", tc.in, ok, want)
			}
			if !ok {
				return
			}
			// The whitespace flag must say exactly whether compaction changes
			// anything.
			var buf bytes.Buffer
			if err := json.Compact(&buf, b); err != nil {
				t.Fatalf("json.Compact: %v", err)
			}
			if changes := !bytes.Equal(buf.Bytes(), b); hasSpace != changes {
				t.Errorf("hasSpace = %v, but compaction changes the text: %v", hasSpace, changes)
			}
		})
	}
}

// TestMessageValidityAgreesWithEncodingJSON checks that parseMessage refuses
// exactly the objects encoding/json refuses, with a syntax error. (Wrapping
// adds one level: the table stays below maxDepth-1.)
func TestMessageValidityAgreesWithEncodingJSON(t *testing.T) {
	for _, tc := range scanValidityCases {
		t.Run(tc.name, func(t *testing.T) {
			// Wrap the value as params so that every case is an object.
			in := `{"jsonrpc":"2.0","method":"m","params":` + tc.in + `}`
			_, err := Parse([]byte(in))
			valid := json.Valid([]byte(in))
			if gotSyntax := errors.Is(err, ErrSyntax); gotSyntax == valid {
				t.Fatalf("parseMessage(%.80q): err = %v; encoding/json.Valid = %v", in, err, valid)
			}
		})
	}
}

func TestScannerDepthLimit(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		wantOK bool
	}{
		{"arrays at the limit", strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth), true},
		{"arrays one past the limit", strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1), false},
		{"objects at the limit", strings.Repeat(`{"a":`, MaxDepth-1) + "{}" + strings.Repeat("}", MaxDepth-1), true},
		{"objects one past the limit", strings.Repeat(`{"a":`, MaxDepth) + "{}" + strings.Repeat("}", MaxDepth), false},
		{"mixed past the limit", strings.Repeat(`[{"a":`, MaxDepth/2+1) + "1" + strings.Repeat("}]", MaxDepth/2+1), false},
		{"mixed at the limit", strings.Repeat(`[{"a":`, MaxDepth/2) + "1" + strings.Repeat("}]", MaxDepth/2), true},
		// Deep enough to overflow a recursive descent without a bound.
		{"a million open brackets", strings.Repeat("[", 1_000_000), false},
		{"a million balanced brackets", strings.Repeat("[", 1_000_000) + strings.Repeat("]", 1_000_000), false},
		{"a million open objects", strings.Repeat(`{"a":`, 1_000_000), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if ok, _ := validJSON([]byte(tc.in)); ok != tc.wantOK {
				t.Errorf("validJSON = %v, want %v", ok, tc.wantOK)
			}
		})
	}
}

func TestParseMessageDepthLimit(t *testing.T) {
	// The message object itself is one level.
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	tests := []struct {
		name    string
		in      string
		wantErr bool
	}{
		{"params at the limit", `{"jsonrpc":"2.0","id":1,"method":"m","params":` + deep(MaxDepth-1) + `}`, false},
		{"params one past the limit", `{"jsonrpc":"2.0","id":1,"method":"m","params":` + deep(MaxDepth) + `}`, true},
		{"a million levels in params", `{"jsonrpc":"2.0","id":1,"method":"m","params":` + deep(1_000_000) + `}`, true},
		{"a million levels, pretty-printed", "{ \"jsonrpc\": \"2.0\", \"params\": " + strings.Repeat("[ ", 1_000_000) + "}", true},
		{"a million bare brackets", strings.Repeat("[", 1_000_000), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse([]byte(tc.in))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if tc.wantErr && !errors.Is(err, ErrSyntax) {
				t.Errorf("err = %v, want a syntax error", err)
			}
			if !tc.wantErr && m.Kind != KindRequest {
				t.Errorf("kind = %v, want request", m.Kind)
			}
		})
	}
}

func TestField(t *testing.T) {
	obj := `{"id":7,"method":"tools/call","params":{"name":"x","nested":{"id":9}},"s":"a\"b","arr":[1,{"k":2}],"nul":null,"e":""}`
	tests := []struct {
		name string
		obj  string
		key  string
		want string // "" means absent (nil)
	}{
		{"number", obj, "id", `7`},
		{"string keeps its quotes and escapes", obj, "s", `"a\"b"`},
		{"object", obj, "params", `{"name":"x","nested":{"id":9}}`},
		{"array", obj, "arr", `[1,{"k":2}]`},
		{"null is present", obj, "nul", `null`},
		{"empty string is present", obj, "e", `""`},
		{"absent", obj, "result", ``},
		{"nested keys are not top-level", obj, "name", ``},
		{"key match is exact", obj, "ID", ``},
		{"key prefix does not match", obj, "i", ``},
		{"values are not keys", obj, "tools/call", ``},
		{"whitespace around the value", "{ \"a\" :\t[ 1 , 2 ] ,\"b\":1}", "a", `[ 1 , 2 ]`},
		{"empty object", `{}`, "a", ``},
		{"not an object: array", `[{"a":1}]`, "a", ``},
		{"not an object: string", `"a"`, "a", ``},
		{"not an object: empty", ``, "a", ``},
		// encoding/json, JavaScript's JSON.parse and most servers let the
		// last duplicate win; the bridge must see the member the server
		// will act on.
		{"duplicate keys: the last wins", `{"name":"first","name":"second"}`, "name", `"second"`},
		// A key is a JSON string: an escaped key names the same member.
		{"escaped key", `{"n\u0061me":"x"}`, "name", `"x"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Field([]byte(tc.obj), tc.key)
			if tc.want == "" {
				if got != nil {
					t.Errorf("field(%q) = %q, want absent", tc.key, got)
				}
				return
			}
			if string(got) != tc.want {
				t.Errorf("field(%q) = %q, want %q", tc.key, got, tc.want)
			}
		})
	}
}

func TestFieldIsASubSliceOfItsObject(t *testing.T) {
	obj := []byte(`{"a":1,"params":{"x":[1,2]}}`)
	v := Field(obj, "params")
	if len(v) == 0 {
		t.Fatal("params not found")
	}
	off := cap(obj) - cap(v)
	if off < 0 || off+len(v) > len(obj) || &obj[off] != &v[0] {
		t.Fatal("field copied the value instead of returning a sub-slice")
	}
}

func TestMembers(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string // key=value, in order
		wantErr bool
	}{
		{"empty", `{}`, nil, false},
		{"order kept, raw keys", `{"b":1,"a\n":[2],"c":{"d":3}}`, []string{`b=1`, `a\n=[2]`, `c={"d":3}`}, false},
		{"whitespace", " { \"a\" : 1 } ", []string{`a=1`}, false},
		{"duplicates all visited", `{"a":1,"a":2}`, []string{`a=1`, `a=2`}, false},
		{"array", `[1]`, nil, true},
		{"trailing data", `{"a":1} x`, []string{`a=1`}, true},
		{"second value invalid", `{"a":1,"b":tru}`, []string{`a=1`}, true},
		{"empty input", ``, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			err := Members([]byte(tc.in), func(k, v []byte) { got = append(got, string(k)+"="+string(v)) })
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if err != nil && !errors.Is(err, ErrSyntax) {
				t.Errorf("err = %v, want errSyntax", err)
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("visited %q, want %q", got, tc.want)
			}
		})
	}
}

func TestElements(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string
		wantErr bool
	}{
		{"empty", `[]`, nil, false},
		{"empty with spaces", ` [ ] `, nil, false},
		{"mixed", `[1,"a",{"b":[2]},[3],null,true]`, []string{`1`, `"a"`, `{"b":[2]}`, `[3]`, `null`, `true`}, false},
		{"spaces are not part of elements", "[ 1 ,\n{ \"a\" : 2 } ]", []string{`1`, `{ "a" : 2 }`}, false},
		{"batch of messages", `[{"jsonrpc":"2.0","id":1,"method":"a"},{"jsonrpc":"2.0","method":"b"}]`,
			[]string{`{"jsonrpc":"2.0","id":1,"method":"a"}`, `{"jsonrpc":"2.0","method":"b"}`}, false},
		{"object", `{"a":1}`, nil, true},
		{"string", `"[1]"`, nil, true},
		{"empty input", ``, nil, true},
		{"unterminated", `[1,2`, []string{`1`, `2`}, true},
		{"trailing comma", `[1,]`, []string{`1`}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			err := Elements([]byte(tc.in), func(e []byte) { got = append(got, string(e)) })
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("elements = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestStringValue(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		want   string
		wantOK bool
	}{
		{"plain", `"tools/call"`, "tools/call", true},
		{"empty", `""`, "", true},
		{"escaped quote", `"a\"b"`, `a"b`, true},
		{"escaped slash", `"a\/b"`, "a/b", true},
		{"newline escape", `"a\nb"`, "a\nb", true},
		{"unicode escape", `"caf\u00e9"`, "café", true},
		{"surrogate pair", `"\ud83d\ude00"`, "😀", true},
		{"raw UTF-8", `"世界"`, "世界", true},
		{"number", `42`, "", false},
		{"null", `null`, "", false},
		{"object", `{"a":"b"}`, "", false},
		{"array of string", `["a"]`, "", false},
		{"bool", `true`, "", false},
		{"empty input", ``, "", false},
		{"lone quote", `"`, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := StringValue([]byte(tc.in))
			if ok != tc.wantOK || got != tc.want {
				t.Errorf("stringValue(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestCompact(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr bool
	}{
		{"already compact", `{"a":[1,2]}`, `{"a":[1,2]}`, false},
		{"pretty-printed", "{\n  \"a\": [\n    1,\n    2\n  ],\r\n\t\"b\" : \"x y\"\n}", `{"a":[1,2],"b":"x y"}`, false},
		{"spaces inside strings kept", `{ "a b" : " c\td " }`, `{"a b":" c\td "}`, false},
		{"escapes kept as they are", `{ "a" : "\u00e9\/\n" }`, `{"a":"\u00e9\/\n"}`, false},
		{"numbers kept as they are", `[ 1.50e+3 , -0 , 9007199254740993 ]`, `[1.50e+3,-0,9007199254740993]`, false},
		{"HTML not escaped", `{ "a" : "<b>&</b>" }`, `{"a":"<b>&</b>"}`, false},
		{"invalid", `{"a":}`, ``, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Compact([]byte(tc.in))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if !tc.wantErr && string(got) != tc.want {
				t.Errorf("compact = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseMessageKinds(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		want       Kind
		wantMethod string
		wantID     string // "" when absent
	}{
		{"request", `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, KindRequest, "tools/list", `1`},
		{"request with params", `{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"x"}}`, KindRequest, "tools/call", `"a"`},
		{"request, members in any order", `{"method":"ping","id":2,"jsonrpc":"2.0"}`, KindRequest, "ping", `2`},
		{"request with escaped method", `{"jsonrpc":"2.0","id":1,"method":"tools\/list"}`, KindRequest, "tools/list", `1`},
		{"request with extra members", `{"jsonrpc":"2.0","id":1,"method":"m","x":{"y":[1]}}`, KindRequest, "m", `1`},
		{"notification", `{"jsonrpc":"2.0","method":"notifications/initialized"}`, KindNotification, "notifications/initialized", ``},
		{"notification with params", `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}`, KindNotification, "notifications/cancelled", ``},
		{"result response", `{"jsonrpc":"2.0","id":1,"result":{}}`, KindResponse, "", `1`},
		{"null result response", `{"jsonrpc":"2.0","id":1,"result":null}`, KindResponse, "", `1`},
		{"error response", `{"jsonrpc":"2.0","id":"x","error":{"code":-32601,"message":"no"}}`, KindResponse, "", `"x"`},
		{"error response with null id", `{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse"}}`, KindResponse, "", `null`},
		{"pretty-printed request", "{\n  \"jsonrpc\": \"2.0\",\n  \"id\": 1,\n  \"method\": \"ping\"\n}", KindRequest, "ping", `1`},
		{"surrounding whitespace", " \t{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\r\n ", KindRequest, "ping", `1`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse([]byte(tc.in))
			if err != nil {
				t.Fatalf("parseMessage: %v", err)
			}
			if m.Kind != tc.want {
				t.Errorf("kind = %v, want %v", m.Kind, tc.want)
			}
			if m.Method != tc.wantMethod {
				t.Errorf("method = %q, want %q", m.Method, tc.wantMethod)
			}
			if string(m.ID) != tc.wantID || (tc.wantID == "") != (m.ID == nil) {
				t.Errorf("id = %q, want %q", m.ID, tc.wantID)
			}
		})
	}
}

func TestParseMessageKeepsIDBytes(t *testing.T) {
	ids := []struct {
		name string
		id   string
	}{
		{"2^53+1 (loses precision as float64)", `9007199254740993`},
		{"beyond int64", `123456789012345678901234567890`},
		{"negative zero", `-0`},
		{"exponent", `1.5e3`},
		{"capital exponent with sign", `1E+3`},
		{"fraction", `0.1`},
		{"negative", `-42`},
		{"zero", `0`},
		{"string", `"str"`},
		{"empty string", `""`},
		{"numeric string", `"1"`},
		{"string with escapes", `"a\"b\\c\/d\u00e9"`},
		{"unicode string", `"日本語-😀"`},
		{"string with surrogate escapes", `"\ud83d\ude00"`},
	}
	for _, tc := range ids {
		t.Run(tc.name, func(t *testing.T) {
			for _, shape := range []string{
				`{"jsonrpc":"2.0","id":%s,"method":"ping"}`,
				`{"jsonrpc":"2.0","id":%s,"result":{}}`,
				"{ \"jsonrpc\" : \"2.0\" ,\n \"id\" : %s , \"method\" : \"ping\" }",
			} {
				in := strings.Replace(shape, "%s", tc.id, 1)
				m, err := Parse([]byte(in))
				if err != nil {
					t.Fatalf("parseMessage(%q): %v", in, err)
				}
				if string(m.ID) != tc.id {
					t.Errorf("parseMessage(%q).id = %q, want %q", in, m.ID, tc.id)
				}
				// The error answer carries the same bytes.
				var ans struct {
					ID json.RawMessage `json:"id"`
				}
				if err := json.Unmarshal(ErrorResponse(m.ID, CodeInternalError, "x", nil), &ans); err != nil {
					t.Fatalf("errorResponse is not JSON: %v", err)
				}
				if string(ans.ID) != tc.id {
					t.Errorf("errorResponse id = %q, want %q", ans.ID, tc.id)
				}
			}
		})
	}
}

func TestParseMessageInvalid(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		wantID string // id the error keeps for its answer; "" for none
	}{
		{"id is an object", `{"jsonrpc":"2.0","id":{"a":1},"method":"m"}`, ``},
		{"id is an array", `{"jsonrpc":"2.0","id":[1],"method":"m"}`, ``},
		{"id is true", `{"jsonrpc":"2.0","id":true,"method":"m"}`, ``},
		{"id is false", `{"jsonrpc":"2.0","id":false,"result":{}}`, ``},
		{"id is an empty object", `{"jsonrpc":"2.0","id":{},"result":{}}`, ``},
		{"request with null id", `{"jsonrpc":"2.0","id":null,"method":"m"}`, `null`},
		{"missing jsonrpc", `{"id":1,"method":"m"}`, `1`},
		{"jsonrpc 1.0", `{"jsonrpc":"1.0","id":2,"method":"m"}`, `2`},
		{"jsonrpc as number", `{"jsonrpc":2.0,"id":3,"method":"m"}`, `3`},
		{"method is a number", `{"jsonrpc":"2.0","id":5,"method":5}`, `5`},
		{"method is null", `{"jsonrpc":"2.0","id":6,"method":null}`, `6`},
		{"method is an object", `{"jsonrpc":"2.0","id":"s","method":{}}`, `"s"`},
		{"response with result and error", `{"jsonrpc":"2.0","id":7,"result":{},"error":{}}`, `7`},
		{"response without result or error", `{"jsonrpc":"2.0","id":8}`, `8`},
		{"result without id", `{"jsonrpc":"2.0","result":{}}`, ``},
		{"error without id", `{"jsonrpc":"2.0","error":{"code":1,"message":"x"}}`, ``},
		{"empty object", `{}`, ``},
		{"only jsonrpc", `{"jsonrpc":"2.0"}`, ``},
		{"array (batch)", `[{"jsonrpc":"2.0","id":1,"method":"m"}]`, ``},
		{"empty array", `[]`, ``},
		{"string", `"hello"`, ``},
		{"number", `42`, ``},
		{"null", `null`, ``},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse([]byte(tc.in))
			var inv *InvalidMessage
			if !errors.As(err, &inv) {
				t.Fatalf("parseMessage = %v, %v; want an invalidMessage", m, err)
			}
			if inv.Reason == "" {
				t.Error("the error gives no reason")
			}
			if string(inv.ID) != tc.wantID || (tc.wantID == "") != (inv.ID == nil) {
				t.Errorf("error id = %q, want %q", inv.ID, tc.wantID)
			}
		})
	}
}

func TestParseMessageNotJSON(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"empty", ``},
		{"whitespace", " \t "},
		{"garbage", `hello`},
		{"truncated object", `{"jsonrpc":"2.0","id":1,"method":"m"`},
		{"trailing data", `{"jsonrpc":"2.0","id":1,"method":"m"} {}`},
		{"two messages", `{"jsonrpc":"2.0","method":"a"}{"jsonrpc":"2.0","method":"b"}`},
		{"trailing comma", `{"jsonrpc":"2.0","id":1,"method":"m",}`},
		{"BOM", "\ufeff{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\"}"},
		{"single quotes", `{'jsonrpc':'2.0'}`},
		{"invalid escape in a value", `{"jsonrpc":"2.0","id":1,"method":"m","params":"\x"}`},
		{"control character in a string", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"a\tb\"}"},
		{"truncated batch", `[{"jsonrpc":"2.0"`},
		{"NaN id", `{"jsonrpc":"2.0","id":NaN,"method":"m"}`},
		{"hex id", `{"jsonrpc":"2.0","id":0x1,"method":"m"}`},
		{"leading zero id", `{"jsonrpc":"2.0","id":01,"method":"m"}`},
		{"plus id", `{"jsonrpc":"2.0","id":+1,"method":"m"}`},
		// Not an object and not JSON either: a parse error, not an
		// Invalid Request (found by FuzzParseMessage).
		{"leading zeros", `000`},
		{"two numbers", `1 2`},
		{"two strings", `"a" "b"`},
		{"array then garbage", `[{"jsonrpc":"2.0","id":1,"method":"m"}] x`},
		{"literal then garbage", `null,`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse([]byte(tc.in))
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("parseMessage = %v, %v; want a syntax error", m, err)
			}
			var inv *InvalidMessage
			if errors.As(err, &inv) {
				t.Errorf("a syntax error must not be an invalidMessage: %v", err)
			}
		})
	}
}

// TestParseMessageEscapedMemberNames: member names (and the jsonrpc value)
// are JSON strings, so "\u0069d" is the member "id". A server that decodes the message sees a
// request with id 1; if the bridge took it for a notification it would not
// wait for the answer and would drop it, leaving the client hanging.
func TestParseMessageEscapedMemberNames(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Kind
	}{
		{"escaped id", `{"jsonrpc":"2.0","\u0069d":1,"method":"ping"}`, KindRequest},
		{"escaped jsonrpc", `{"json\u0072pc":"2.0","id":1,"method":"ping"}`, KindRequest},
		{"escaped method", `{"jsonrpc":"2.0","id":1,"m\u0065thod":"ping"}`, KindRequest},
		{"escaped result", `{"jsonrpc":"2.0","id":1,"r\u0065sult":{}}`, KindResponse},
		{"escaped jsonrpc value", `{"jsonrpc":"2\u002e0","id":1,"method":"ping"}`, KindRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var decoded struct {
				ID     json.RawMessage `json:"id"`
				Method string          `json:"method"`
			}
			if err := json.Unmarshal([]byte(tc.in), &decoded); err != nil {
				t.Fatalf("encoding/json: %v", err)
			}
			m, err := Parse([]byte(tc.in))
			if err != nil {
				t.Fatalf("parseMessage: %v (encoding/json reads id %s, method %q)", err, decoded.ID, decoded.Method)
			}
			if m.Kind != tc.want {
				t.Errorf("kind = %v, want %v (encoding/json reads id %s, method %q)", m.Kind, tc.want, decoded.ID, decoded.Method)
			}
		})
	}
}

func TestParseMessageCompactsWhitespace(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"pretty-printed request",
			"{\n  \"jsonrpc\": \"2.0\",\n  \"id\": 1,\n  \"method\": \"tools/call\",\n  \"params\": {\n    \"name\": \"echo\",\n    \"arguments\": { \"text\": \"a  b\\n\" }\n  }\n}",
			`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"a  b\n"}}}`},
		{"tabs and CRLF", "{\t\"jsonrpc\":\t\"2.0\",\r\n\"method\":\"n\"}", `{"jsonrpc":"2.0","method":"n"}`},
		{"space inside an array only", `{"jsonrpc":"2.0","id":1,"result":[1, 2]}`, `{"jsonrpc":"2.0","id":1,"result":[1,2]}`},
		{"surrounding whitespace only", "  {\"jsonrpc\":\"2.0\",\"method\":\"n\"}\r\n", `{"jsonrpc":"2.0","method":"n"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse([]byte(tc.in))
			if err != nil {
				t.Fatalf("parseMessage: %v", err)
			}
			if string(m.Raw) != tc.want {
				t.Fatalf("raw = %q, want %q", m.Raw, tc.want)
			}
			// The members routing reads point into the compacted bytes.
			for name, v := range map[string][]byte{"id": m.ID, "params": m.Params, "result": m.Result} {
				if v != nil && !jsonScanIsSubSlice(m.Raw, v) {
					t.Errorf("%s = %q is not a sub-slice of raw", name, v)
				}
			}
			if m.Params != nil && bytes.ContainsAny(m.Params, "\n\t") {
				t.Errorf("params still hold whitespace: %q", m.Params)
			}
		})
	}
}

func TestParseMessageDoesNotCopyCompactInput(t *testing.T) {
	in := []byte(`{"jsonrpc":"2.0","id":1,"method":"m","params":{"a":"b c"}}`)
	m, err := Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	if &m.Raw[0] != &in[0] || len(m.Raw) != len(in) {
		t.Error("a compact message was copied")
	}
	if !jsonScanIsSubSlice(in, m.Params) || string(m.Params) != `{"a":"b c"}` {
		t.Errorf("params = %q, not a sub-slice of the input", m.Params)
	}
}

// jsonScanIsSubSlice reports whether part lies inside whole's memory.
func jsonScanIsSubSlice(whole, part []byte) bool {
	if len(part) == 0 || len(whole) == 0 {
		return false
	}
	off := cap(whole) - cap(part)
	return off >= 0 && off+len(part) <= len(whole) && &whole[off] == &part[0]
}

func TestClassify(t *testing.T) {
	s := func(v string) []byte {
		if v == "" {
			return nil
		}
		return []byte(v)
	}
	tests := []struct {
		name      string
		id        string
		seenID    bool
		jsonrpc   string
		method    string
		hasResult bool
		hasError  bool
		want      Kind
		wantErr   bool
	}{
		{"request", `1`, true, `"2.0"`, `"m"`, false, false, KindRequest, false},
		{"notification", ``, false, `"2.0"`, `"m"`, false, false, KindNotification, false},
		{"result", `1`, true, `"2.0"`, ``, true, false, KindResponse, false},
		{"error", `"a"`, true, `"2.0"`, ``, false, true, KindResponse, false},
		{"error with null id", `null`, true, `"2.0"`, ``, false, true, KindResponse, false},
		{"no jsonrpc", `1`, true, ``, `"m"`, false, false, KindInvalid, true},
		{"object id", `{}`, true, `"2.0"`, `"m"`, false, false, KindInvalid, true},
		{"bool id", `true`, true, `"2.0"`, ``, true, false, KindInvalid, true},
		{"null id request", `null`, true, `"2.0"`, `"m"`, false, false, KindInvalid, true},
		{"result and error", `1`, true, `"2.0"`, ``, true, true, KindInvalid, true},
		{"result without id", ``, false, `"2.0"`, ``, true, false, KindInvalid, true},
		{"nothing", `1`, true, `"2.0"`, ``, false, false, KindInvalid, true},
		{"method not a string", `1`, true, `"2.0"`, `1`, false, false, KindInvalid, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := &Message{ID: s(tc.id)}
			err := m.classify(tc.seenID, s(tc.jsonrpc), s(tc.method), tc.hasResult, tc.hasError)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			var inv *InvalidMessage
			if err != nil && !errors.As(err, &inv) {
				t.Errorf("err = %T, want *invalidMessage", err)
			}
			if m.Kind != tc.want {
				t.Errorf("kind = %v, want %v", m.Kind, tc.want)
			}
		})
	}
}

func TestValidID(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{`1`, true}, {`-1`, true}, {`0`, true}, {`1.5e3`, true}, {`"a"`, true}, {`""`, true}, {`null`, true},
		{``, false}, {`true`, false}, {`false`, false}, {`{}`, false}, {`[]`, false}, {`{"a":1}`, false}, {`[1]`, false},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			if got := ValidID([]byte(tc.id)); got != tc.want {
				t.Errorf("validID(%q) = %v, want %v", tc.id, got, tc.want)
			}
		})
	}
}

func TestErrorResponse(t *testing.T) {
	tests := []struct {
		name string
		id   []byte
		code int
		msg  string
		data any
		want string
	}{
		{"null id", nil, CodeParseError, "Parse error", nil,
			`{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}`},
		{"number id kept byte-identical", []byte(`9007199254740993`), CodeInvalidRequest, "bad", nil,
			`{"jsonrpc":"2.0","id":9007199254740993,"error":{"code":-32600,"message":"bad"}}`},
		{"string id with escapes kept", []byte(`"a\u00e9\/"`), CodeInternalError, "x", nil,
			`{"jsonrpc":"2.0","id":"a\u00e9\/","error":{"code":-32603,"message":"x"}}`},
		{"message escaped", []byte(`1`), CodeServerError, "a \"quoted\"\nline", nil,
			`{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"a \"quoted\"\nline"}}`},
		{"data included", []byte(`2`), CodeServerError, "x", map[string]int{"status": 500},
			`{"jsonrpc":"2.0","id":2,"error":{"code":-32000,"message":"x","data":{"status":500}}}`},
		{"unencodable data dropped", []byte(`3`), CodeServerError, "x", math.Inf(1),
			`{"jsonrpc":"2.0","id":3,"error":{"code":-32000,"message":"x"}}`},
		{"unencodable channel dropped", []byte(`4`), CodeServerError, "x", make(chan int),
			`{"jsonrpc":"2.0","id":4,"error":{"code":-32000,"message":"x"}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ErrorResponse(tc.id, tc.code, tc.msg, tc.data)
			if string(got) != tc.want {
				t.Errorf("errorResponse = %s\nwant %s", got, tc.want)
			}
			m, err := Parse(got)
			if err != nil || m.Kind != KindResponse || m.ErrorValue == nil {
				t.Fatalf("the answer is not a JSON-RPC error response: %v", err)
			}
			if bytes.ContainsAny(got, "\n\r") {
				t.Error("the answer holds a raw line break")
			}
		})
	}
}

func TestErrorFor(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		wantCode int
	}{
		{"plain error", errors.New("boom"), CodeServerError},
		{"wrapped error", fmt.Errorf("ctx: %w", errors.New("boom")), CodeServerError},
		{"status error", fmt.Errorf("server answered HTTP 500 (text/html): <h1>oops</h1>"), CodeServerError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ErrorFor([]byte(`"id-1"`), tc.err)
			var ans struct {
				ID    string `json:"id"`
				Error struct {
					Code    int    `json:"code"`
					Message string `json:"message"`
				} `json:"error"`
			}
			if err := json.Unmarshal(got, &ans); err != nil {
				t.Fatalf("not JSON: %v: %s", err, got)
			}
			if ans.ID != "id-1" || ans.Error.Code != tc.wantCode {
				t.Errorf("id %q code %d, want id-1 and %d", ans.ID, ans.Error.Code, tc.wantCode)
			}
			if !strings.HasPrefix(ans.Error.Message, "mcpbridge: ") {
				t.Errorf("message = %q, want it to start with \"mcpbridge: \"", ans.Error.Message)
			}
			if !strings.Contains(ans.Error.Message, tc.err.Error()) {
				t.Errorf("message %q does not carry the cause %q", ans.Error.Message, tc.err.Error())
			}
		})
	}
}

// jsonScanSameParse reports how a pieced parse differs from a whole one, or
// "" when they agree.
func jsonScanSameParse(whole []byte, parts [][]byte) string {
	mw, errW := Parse(bytes.Clone(whole))
	mp, errP := ParseParts(parts)
	var invW, invP *InvalidMessage
	switch {
	case (errW == nil) != (errP == nil):
		return fmt.Sprintf("whole: %v; pieces: %v", errW, errP)
	case errW != nil && errors.Is(errW, ErrSyntax) != errors.Is(errP, ErrSyntax):
		return fmt.Sprintf("whole: %v; pieces: %v", errW, errP)
	case errors.As(errW, &invW) != errors.As(errP, &invP):
		return fmt.Sprintf("whole: %v; pieces: %v", errW, errP)
	case invW != nil && string(invW.ID) != string(invP.ID):
		return fmt.Sprintf("error ids: whole %q, pieces %q", invW.ID, invP.ID)
	case errW != nil:
		return ""
	case mw.Kind != mp.Kind || mw.Method != mp.Method || string(mw.ID) != string(mp.ID):
		return fmt.Sprintf("whole: kind %v method %q id %q; pieces: kind %v method %q id %q", mw.Kind, mw.Method, mw.ID, mp.Kind, mp.Method, mp.ID)
	case !bytes.Equal(mw.Bytes(), mp.Bytes()):
		return fmt.Sprintf("bytes: whole %q, pieces %q", mw.Bytes(), mp.Bytes())
	case mw.HasResult != mp.HasResult || mw.HasError != mp.HasError:
		return "result/error presence differs"
	}
	return ""
}

// TestParsePartsAgreesWithParseMessage: a message read in pieces parses as
// the same message whole, wherever the pieces are cut (inside keys, escapes,
// numbers, literals, whitespace).
func TestParsePartsAgreesWithParseMessage(t *testing.T) {
	var inputs []string
	for _, tc := range scanValidityCases {
		inputs = append(inputs, `{"jsonrpc":"2.0","id":1,"method":"m","params":`+tc.in+`}`)
	}
	inputs = append(inputs,
		`{"jsonrpc":"2.0","id":9007199254740993,"result":{"content":[{"type":"text","text":"a\"b\\c\u00e9"}]}}`,
		`{"jsonrpc":"2.0","id":"req-\ud83d\ude00","error":{"code":-32601,"message":"no"}}`,
		`{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"p","progress":1.5e3}}`,
		"{ \"jsonrpc\" : \"2.0\" ,\n \"id\" : -0 , \"result\" : [ true , false , null ] }",
		`{"json\u0072pc":"2.0","\u0069d":2,"method":"m"}`,
		`{"jsonrpc":"2.0","id":1,"id":{},"method":"m"}`,
		`{"jsonrpc":"2.0","id":true,"method":"m"}`,
		`{"id":7,"method":"m"}`,
		`[{"jsonrpc":"2.0","id":1,"method":"m"}]`,
		`000`,
		`"str" `,
	)
	for _, in := range inputs {
		b := []byte(in)
		var splits [][][]byte
		for _, n := range []int{1, 2, 3, 5} {
			splits = append(splits, jsonrpctest.Split(b, n))
		}
		if len(b) <= 300 {
			for i := 0; i <= len(b); i++ {
				splits = append(splits, [][]byte{b[:i:i], b[i:]})
			}
		}
		// Empty pieces anywhere.
		splits = append(splits, [][]byte{nil, b[: len(b)/2 : len(b)/2], {}, b[len(b)/2:], nil})
		for _, parts := range splits {
			if diff := jsonScanSameParse(b, parts); diff != "" {
				t.Errorf("%.80q in %d pieces: %s", in, len(parts), diff)
				break
			}
		}
	}
}

// validJSON reports whether b is exactly one JSON value, surrounded by
// optional whitespace, and whether it holds insignificant whitespace: the
// scanner alone, as the tests compare it with encoding/json.
func validJSON(b []byte) (ok, hasSpace bool) {
	s := newScanner(b)
	if err := s.whole(s.value); err != nil {
		return false, false
	}
	return true, s.ws
}

// TestPlainRunStopsBeforeEveryStopByte puts each byte value at each
// position of a run of plain bytes: plainRun must skip only whole words
// before it, and skip every word of a run without one.
func TestPlainRunStopsBeforeEveryStopByte(t *testing.T) {
	for _, fill := range []byte{'a', 0x7f, 0x80, 0xff, ' ', '#', ']'} {
		plain := bytes.Repeat([]byte{fill}, 40)
		if got := plainRun(plain); got != 40 {
			t.Fatalf("fill %#x: plainRun of 40 plain bytes = %d, want 40", fill, got)
		}
		for c := range 256 {
			stop := c == '"' || c == '\\' || c < 0x20
			for at := range 24 {
				b := bytes.Clone(plain[:24])
				b[at] = byte(c)
				got, want := plainRun(b), 24
				if stop {
					want = at / 8 * 8
				}
				if stop && got != want || !stop && got < want {
					t.Fatalf("fill %#x, byte %#x at %d: plainRun = %d, want %d", fill, c, at, got, want)
				}
			}
		}
	}
}

// BenchmarkScanLongString is the cost of validating a large answer: a
// tool's 4 MiB text result is one long string.
func BenchmarkScanLongString(b *testing.B) {
	msg := []byte(`{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"` +
		strings.Repeat("lorem ipsum dolor sit amet, consectetur adipiscing elit ", 4<<20/56) + `"}]}}`)
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if _, err := Parse(msg); err != nil {
			b.Fatal(err)
		}
	}
}
