package bridge

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/mcpbridge/mcpbridge/bridge/era"
	"github.com/mcpbridge/mcpbridge/bridge/inflight"
	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc"
	"github.com/mcpbridge/mcpbridge/bridge/jsonrpc/jsonrpctest"
)

func TestWildcardMatch(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		tool    string
		want    bool
	}{
		{"exact", "delete_file", "delete_file", true},
		{"exact, other name", "delete_file", "delete_files", false},
		{"exact is whole-name", "delete", "delete_file", false},
		{"case-insensitive pattern", "DELETE_FILE", "delete_file", true},
		{"case-insensitive name", "delete_file", "Delete_File", true},
		{"case-insensitive non-ASCII", "ÉCRIRE", "écrire", true},
		{"star alone", "*", "anything", true},
		{"star alone, empty name", "*", "", true},
		{"empty pattern, empty name", "", "", true},
		{"empty pattern", "", "x", false},
		{"prefix", "delete_*", "delete_file", true},
		{"prefix, nothing after", "delete_*", "delete_", true},
		{"prefix, no match", "delete_*", "remove_file", false},
		{"suffix", "*_file", "delete_file", true},
		{"suffix, no match", "*_file", "delete_files", false},
		{"middle star", "get*data", "get_user_data", true},
		{"middle star, empty run", "get*data", "getdata", true},
		{"middle star, no match", "get*data", "get_user_info", false},
		{"star both ends", "*user*", "get_user_data", true},
		{"star both ends, name is the core", "*user*", "user", true},
		{"star both ends, no match", "*user*", "get_account", false},
		{"several stars", "a*b*c", "axxbyyc", true},
		{"several stars, order matters", "a*b*c", "acb", false},
		{"prefix and suffix must not overlap", "ab*ba", "aba", false},
		{"prefix and suffix just fit", "ab*ba", "abba", true},
		{"repeated segment", "*a*a*", "a", false},
		{"repeated segment, two a", "*a*a*", "xaxa", true},
		{"middle then suffix backtracking", "*ab*b", "abab", true},
		{"suffix after greedy middle", "*x*xy", "axbxy", true},
		{"double star", "a**b", "ab", true},
		{"star case-insensitive middle", "*USER*", "get_user_data", true},
		{"regex metacharacters are literal", "a.c", "abc", false},
		{"regex metacharacters match themselves", "a.c+(d)", "A.C+(D)", true},
		{"question mark is literal", "a?c", "abc", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := wildcardMatch(tc.pattern, tc.tool); got != tc.want {
				t.Errorf("wildcardMatch(%q, %q) = %v, want %v", tc.pattern, tc.tool, got, tc.want)
			}
		})
	}
}

func TestToolFilterAllowed(t *testing.T) {
	tests := []struct {
		name   string
		filter ToolFilter
		tool   string
		want   bool
	}{
		{"no filter", ToolFilter{}, "anything", true},
		{"ignored exactly", ToolFilter{Ignore: []string{"delete_file"}}, "delete_file", false},
		{"ignored any case", ToolFilter{Ignore: []string{"Delete_File"}}, "DELETE_FILE", false},
		{"not ignored", ToolFilter{Ignore: []string{"delete_file"}}, "read_file", true},
		{"ignored by prefix", ToolFilter{Ignore: []string{"delete*"}}, "delete_repo", false},
		{"ignored by suffix", ToolFilter{Ignore: []string{"*_admin"}}, "reset_admin", false},
		{"ignored by middle", ToolFilter{Ignore: []string{"*secret*"}}, "read_secret_key", false},
		{"second ignore pattern", ToolFilter{Ignore: []string{"a", "b*"}}, "bob", false},
		{"allow-list hit", ToolFilter{Allow: []string{"read_*"}}, "read_file", true},
		{"allow-list hit, any case", ToolFilter{Allow: []string{"READ_*"}}, "read_file", true},
		{"allow-list miss", ToolFilter{Allow: []string{"read_*"}}, "write_file", false},
		{"allow-list second pattern", ToolFilter{Allow: []string{"read_*", "list_*"}}, "list_dir", true},
		{"ignore wins over allow", ToolFilter{Ignore: []string{"read_secret*"}, Allow: []string{"read_*"}}, "read_secrets", false},
		{"allow with ignore elsewhere", ToolFilter{Ignore: []string{"delete*"}, Allow: []string{"read_*"}}, "read_file", true},
		{"allow star lets all through", ToolFilter{Allow: []string{"*"}}, "anything", true},
		{"ignore star hides all", ToolFilter{Ignore: []string{"*"}}, "anything", false},
		{"empty name, allow-list", ToolFilter{Allow: []string{"read_*"}}, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.filter.Allowed(tc.tool); got != tc.want {
				t.Errorf("%+v.Allowed(%q) = %v, want %v", tc.filter, tc.tool, got, tc.want)
			}
		})
	}
}

func TestToolCatalogCheck(t *testing.T) {
	filter := ToolFilter{Ignore: []string{"delete_*"}}
	tests := []struct {
		name    string
		filter  ToolFilter
		in      string
		wantErr bool
	}{
		{"allowed call", filter, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"read_file"}}`, false},
		{"hidden call", filter, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete_repo"}}`, true},
		{"hidden call, other case", filter, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"DELETE_REPO"}}`, true},
		{"hidden call, escaped name", filter, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete\u005frepo"}}`, true},
		{"other method naming a hidden tool", filter, `{"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"delete_repo"}}`, false},
		{"no filter", ToolFilter{}, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete_repo"}}`, false},
		{"allow-list miss", ToolFilter{Allow: []string{"read_*"}}, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"write_file"}}`, true},
		{"allow-list, call without a name", ToolFilter{Allow: []string{"read_*"}}, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}}`, true},
		// The server acts on the last "name" (encoding/json, JSON.parse);
		// the filter must not judge the call by another one.
		{"duplicate name: hidden one last", filter, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"read_file","name":"delete_repo"}}`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := jsonrpc.Parse([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			err = checkTool(tc.filter, m)
			if (err != nil) != tc.wantErr {
				t.Fatalf("check = %v, wantErr %v", err, tc.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), "not available") {
				t.Errorf("error %q does not say the tool is not available", err)
			}
		})
	}
}

func TestJoinArray(t *testing.T) {
	tests := []struct {
		name  string
		elems []string
		want  string
	}{
		{"none", nil, `[]`},
		{"one", []string{`{"a":1}`}, `[{"a":1}]`},
		{"several kept as they are", []string{`1`, `"x"`, `{"b":[2, 3]}`, `null`}, `[1,"x",{"b":[2, 3]},null]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var in [][]byte
			for _, e := range tc.elems {
				in = append(in, []byte(e))
			}
			if got := jsonrpc.JoinArray(in); string(got) != tc.want {
				t.Errorf("joinArray = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestSplice(t *testing.T) {
	whole := []byte(`{"a":[1,2,3],"b":"x"}`)
	tests := []struct {
		name        string
		start, end  int
		with        string
		want        string
		wantWholeIs string
	}{
		{"middle", 5, 12, `[1]`, `{"a":[1],"b":"x"}`, `{"a":[1,2,3],"b":"x"}`},
		{"empty replacement", 5, 12, ``, `{"a":,"b":"x"}`, `{"a":[1,2,3],"b":"x"}`},
		{"longer replacement", 5, 12, `[1,2,3,4,5]`, `{"a":[1,2,3,4,5],"b":"x"}`, `{"a":[1,2,3],"b":"x"}`},
		{"at the start", 0, 1, `[`, `["a":[1,2,3],"b":"x"}`, `{"a":[1,2,3],"b":"x"}`},
		{"at the end", len(whole) - 1, len(whole), `]`, `{"a":[1,2,3],"b":"x"]`, `{"a":[1,2,3],"b":"x"}`},
		{"everything", 0, len(whole), `{}`, `{}`, `{"a":[1,2,3],"b":"x"}`},
		{"empty part", 5, 5, `_`, `{"a":_[1,2,3],"b":"x"}`, `{"a":[1,2,3],"b":"x"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := append([]byte(nil), whole...)
			got := jsonrpc.Splice(w, w[tc.start:tc.end], []byte(tc.with))
			if string(got) != tc.want {
				t.Errorf("splice = %s, want %s", got, tc.want)
			}
			if string(w) != tc.wantWholeIs {
				t.Errorf("the original changed to %s", w)
			}
		})
	}
}

// toolsTestList builds a tools/list answer and its call.
func toolsTestList(t *testing.T, raw string, modern bool) (*inflight.Call, *jsonrpc.Message) {
	t.Helper()
	m, err := jsonrpc.Parse([]byte(raw))
	if err != nil || m.Kind != jsonrpc.KindResponse {
		t.Fatalf("parseMessage(%s): %v", raw, err)
	}
	req := &jsonrpc.Message{Kind: jsonrpc.KindRequest, ID: m.ID, Method: "tools/list"}
	if modern {
		req.Modern = "2026-07-28"
	}
	return &inflight.Call{ID: m.ID, Method: "tools/list", Req: req}, m
}

func TestToolCatalogShape(t *testing.T) {
	// Odd but compact JSON around and inside the tools, to see that what
	// is kept is kept byte for byte.
	const (
		keepA  = `{"name":"read_file","description":"Read \u00e9 \"files\"","inputSchema":{"type":"object","properties":{"path":{"type":"string"}}},"n":1.50e+2}`
		hide   = `{"name":"Delete_Repo","inputSchema":{"type":"object"}}`
		keepB  = `{"name":"list\u005fdir","annotations":{"readOnlyHint":true}}`
		hide2  = `{"name":"delete_all"}`
		before = `{"jsonrpc":"2.0","id":"list-1","result":{"_meta":{"k":[1,2]},"tools":`
		after  = `,"nextCursor":"c\/1","extra":9007199254740993}}`
	)
	filter := ToolFilter{Ignore: []string{"delete_*"}}
	tests := []struct {
		name   string
		raw    string
		filter ToolFilter
		modern bool
		want   string
	}{
		{"hidden tools dropped, the rest byte-identical", before + `[` + keepA + `,` + hide + `,` + keepB + `,` + hide2 + `]` + after, filter, false,
			before + `[` + keepA + `,` + keepB + `]` + after},
		{"first and last dropped", before + `[` + hide + `,` + keepA + `,` + hide2 + `]` + after, filter, false,
			before + `[` + keepA + `]` + after},
		{"all dropped", before + `[` + hide + `,` + hide2 + `]` + after, filter, false,
			before + `[]` + after},
		{"allow-list", before + `[` + keepA + `,` + keepB + `]` + after, ToolFilter{Allow: []string{"list_*"}}, false,
			before + `[` + keepB + `]` + after},
		{"nothing to drop", before + `[` + keepA + `,` + keepB + `]` + after, filter, false,
			before + `[` + keepA + `,` + keepB + `]` + after},
		{"empty list", before + `[]` + after, filter, false, before + `[]` + after},
		{"no tools member", `{"jsonrpc":"2.0","id":1,"result":{}}`, filter, false, `{"jsonrpc":"2.0","id":1,"result":{}}`},
		{"error answer", `{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"x"}}`, filter, false,
			`{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"x"}}`},
		{"no filter, older protocol: untouched", before + `[` + hide + `]` + after, ToolFilter{}, false, before + `[` + hide + `]` + after},
		// 2026-07-28: tools with invalid x-mcp-header annotations go too.
		{"modern: invalid annotation dropped",
			before + `[` + keepA + `,{"name":"bad","inputSchema":{"properties":{"q":{"type":"number","x-mcp-header":"Q"}}}},{"name":"good","inputSchema":{"properties":{"r":{"type":"string","x-mcp-header":"Region"}}}}]` + after,
			ToolFilter{}, true,
			before + `[` + keepA + `,{"name":"good","inputSchema":{"properties":{"r":{"type":"string","x-mcp-header":"Region"}}}}]` + after},
		{"modern: filter and annotations together",
			before + `[` + hide + `,{"name":"bad","inputSchema":{"x-mcp-header":"Root"}},` + keepB + `]` + after,
			filter, true,
			before + `[` + keepB + `]` + after},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !json.Valid([]byte(tc.raw)) {
				t.Fatalf("test input is not JSON: %s", tc.raw)
			}
			c, m := toolsTestList(t, tc.raw, tc.modern)
			got := shapeTools(tc.filter, era.NewCatalog(), c, m).Bytes()
			if string(got) != tc.want {
				t.Errorf("shape =\n %s\nwant\n %s", got, tc.want)
			}
			if !json.Valid(got) {
				t.Errorf("shape produced invalid JSON: %s", got)
			}
			if string(m.Raw) != tc.raw {
				t.Errorf("shape modified the message it was given")
			}
			// The same answer read in pieces (a large body) comes out the same.
			pm, err := jsonrpc.ParseParts(jsonrpctest.Split([]byte(tc.raw), 7))
			if err != nil {
				t.Fatalf("parseParts: %v", err)
			}
			if gotP := shapeTools(tc.filter, era.NewCatalog(), c, pm).Bytes(); string(gotP) != tc.want {
				t.Errorf("shape of the pieced answer =\n %s\nwant\n %s", gotP, tc.want)
			}
		})
	}
}

func TestToolCatalogShapeOnlyTouchesToolsList(t *testing.T) {
	raw := `{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"delete_x"}]}}`
	m, err := jsonrpc.Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := &inflight.Call{ID: m.ID, Method: "tools/call", Req: &jsonrpc.Message{Method: "tools/call"}}
	if got := shapeTools(ToolFilter{Ignore: []string{"delete_*"}}, era.NewCatalog(), c, m).Bytes(); string(got) != raw {
		t.Errorf("an answer to tools/call was changed: %s", got)
	}
}

func TestToolCatalogShapeLearnsHeaders(t *testing.T) {
	cat := era.NewCatalog()
	if err := cat.Learn("stale", []byte(`{"type":"object","properties":{"old":{"type":"string","x-mcp-header":"Old"}}}`)); err != nil {
		t.Fatal(err)
	}
	raw := `{"jsonrpc":"2.0","id":1,"result":{"tools":[` +
		`{"name":"execute_sql","inputSchema":{"type":"object","properties":{"region":{"type":"string","x-mcp-header":"Region"},"opts":{"type":"object","properties":{"shard":{"type":"integer","x-mcp-header":"Shard"}}}}}},` +
		`{"name":"stale","inputSchema":{"type":"object"}},` +
		`{"name":"hidden","inputSchema":{"properties":{"h":{"type":"string","x-mcp-header":"H"}}}}]}}`
	c, m := toolsTestList(t, raw, true)
	shapeTools(ToolFilter{Ignore: []string{"hidden"}}, cat, c, m)
	// What was learned shows in the headers of the calls that follow.
	call := func(name, args string) http.Header {
		m, err := jsonrpc.Parse([]byte(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"` + name + `","arguments":` + args +
			`,"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}`))
		if err != nil {
			t.Fatal(err)
		}
		cat.Annotate(m)
		return m.Header
	}
	if h := call("execute_sql", `{"region":"eu","opts":{"shard":4}}`); h.Get("Mcp-Param-Region") != "eu" || h.Get("Mcp-Param-Shard") != "4" {
		t.Errorf("execute_sql headers = %v", h)
	}
	if h := call("stale", `{"old":"x"}`); h.Get("Mcp-Param-Old") != "" {
		t.Errorf("a tool that lost its annotations keeps them: %v", h)
	}
	if h := call("hidden", `{"h":"x"}`); h.Get("Mcp-Param-H") != "" {
		t.Errorf("a hidden tool was learned: %v", h)
	}
}
