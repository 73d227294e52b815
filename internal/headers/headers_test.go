package headers

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseHeader(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		wantName  string
		wantValue string
		wantErr   bool
	}{
		{"name and value", "Authorization: Bearer abc", "Authorization", "Bearer abc", false},
		{"no space after the colon", "X-Api-Key:abc", "X-Api-Key", "abc", false},
		{"spaces around", "  X-A  :   v w  ", "X-A", "v w", false},
		{"colons in the value", "X-Url: https://example.com:8443/x", "X-Url", "https://example.com:8443/x", false},
		{"empty value", "X-Empty:", "X-Empty", "", false},
		{"tab inside the value", "X-A: a\tb", "X-A", "a\tb", false},
		{"no colon", "Authorization Bearer abc", "", "", true},
		{"empty name", ": value", "", "", true},
		{"blank", "   ", "", "", true},
		{"space in the name", "X Api: v", "", "", true},
		{"tab in the name", "X\tApi: v", "", "", true},
		{"line feed in the value", "X-A: a\nInjected: 1", "", "", true},
		{"carriage return in the value", "X-A: a\rb", "", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			name, value, err := Parse(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("Parse(%q) = %q, %q, %v; wantErr %v", tc.in, name, value, err, tc.wantErr)
			}
			if name != tc.wantName || value != tc.wantValue {
				t.Errorf("Parse(%q) = %q, %q; want %q, %q", tc.in, name, value, tc.wantName, tc.wantValue)
			}
		})
	}
}

// TestParseHeaderErrorsHideValues: header values are often secrets; an
// error names the header at most.
func TestParseHeaderErrorsHideValues(t *testing.T) {
	const secret = "sk-live-0123456789"
	tests := []struct {
		name     string
		in       string
		wantName string // "" when the error cannot name the header
	}{
		{"no colon", "Authorization Bearer " + secret, ""},
		{"space in the name", "Api Key: " + secret, "Api Key"},
		{"line break in the value", "Authorization: Bearer " + secret + "\nX: y", "Authorization"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Parse(tc.in)
			if err == nil {
				t.Fatal("Parse accepted it")
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("the error shows the value: %v", err)
			}
			if tc.wantName != "" && !strings.Contains(err.Error(), tc.wantName) {
				t.Errorf("the error %q does not name the header %q", err, tc.wantName)
			}
		})
	}
}

func TestExpandVars(t *testing.T) {
	t.Setenv("MCPB_TEST_TOKEN", "tok-123")
	t.Setenv("MCPB_TEST_EMPTY", "")
	t.Setenv("MCPB_TEST_B", "bee")
	tests := []struct {
		name     string
		in       string
		want     string
		wantWarn []string // variable names the warnings must name, in order
	}{
		{"set variable", "Authorization: Bearer ${MCPB_TEST_TOKEN}", "Authorization: Bearer tok-123", nil},
		{"two variables", "X: ${MCPB_TEST_TOKEN}-${MCPB_TEST_B}", "X: tok-123-bee", nil},
		{"set but empty: no warning", "X: a${MCPB_TEST_EMPTY}b", "X: ab", nil},
		{"unset variable left empty", "Authorization: Bearer ${MCPB_TEST_UNSET}", "Authorization: Bearer ", []string{"MCPB_TEST_UNSET"}},
		{"one set, one unset", "X: ${MCPB_TEST_B}${MCPB_TEST_NOPE}", "X: bee", []string{"MCPB_TEST_NOPE"}},
		{"two unset", "X: ${MCPB_TEST_U1} ${MCPB_TEST_U2}", "X:  ", []string{"MCPB_TEST_U1", "MCPB_TEST_U2"}},
		{"no braces: literal", "X: $MCPB_TEST_TOKEN", "X: $MCPB_TEST_TOKEN", nil},
		{"invalid name: literal", "X: ${1ABC}", "X: ${1ABC}", nil},
		{"unclosed: literal", "X: ${MCPB_TEST_TOKEN", "X: ${MCPB_TEST_TOKEN", nil},
		{"empty braces: literal", "X: ${}", "X: ${}", nil},
		{"no variables", "X-Plain: value", "X-Plain: value", nil},
		{"value is not expanded again", "X: ${MCPB_TEST_SELF}", "X: ${MCPB_TEST_TOKEN}", nil},
	}
	t.Setenv("MCPB_TEST_SELF", "${MCPB_TEST_TOKEN}")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var warns []string
			got := Expand(tc.in, func(s string) { warns = append(warns, s) })
			if got != tc.want {
				t.Errorf("Expand(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if len(warns) != len(tc.wantWarn) {
				t.Fatalf("warnings %q, want %d naming %q", warns, len(tc.wantWarn), tc.wantWarn)
			}
			for i, w := range warns {
				if !strings.Contains(w, tc.wantWarn[i]) {
					t.Errorf("warning %q does not name %s", w, tc.wantWarn[i])
				}
			}
		})
	}
}

// TestExpandVarsWarningNamesOnlyTheVariable: the warning names the variable
// and nothing of the header it sits in, which may hold other secrets.
func TestExpandVarsWarningNamesOnlyTheVariable(t *testing.T) {
	t.Setenv("MCPB_TEST_SET_SECRET", "s3cr3t-value")
	var warns []string
	Expand("X-Secret-Header: prefix-literal-9f8e ${MCPB_TEST_SET_SECRET} ${MCPB_TEST_MISSING_VAR}", func(s string) { warns = append(warns, s) })
	if len(warns) != 1 {
		t.Fatalf("warnings %q, want one", warns)
	}
	w := warns[0]
	if !strings.Contains(w, "MCPB_TEST_MISSING_VAR") {
		t.Errorf("warning %q does not name the variable", w)
	}
	for _, leak := range []string{"s3cr3t-value", "prefix-literal-9f8e", "X-Secret-Header", "MCPB_TEST_SET_SECRET"} {
		if strings.Contains(w, leak) {
			t.Errorf("warning %q shows %q", w, leak)
		}
	}
}

func headersTestFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "headers.txt")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBuildHeaders(t *testing.T) {
	t.Setenv("MCPB_TEST_FILE_TOKEN", "from-env")
	file := "# a comment\n" +
		"\n" +
		"Authorization: Bearer file-token\n" +
		"   # an indented comment\n" +
		"X-Team: blue\n" +
		"x-multi: one\n" +
		"X-Multi: two\r\n" +
		"X-From-Env: ${MCPB_TEST_FILE_TOKEN}\n" +
		"  X-Indented :  spaced  \n" +
		"X-Last-No-Newline: yes"
	tests := []struct {
		name  string
		file  string
		flags []string
		want  http.Header
	}{
		{"file only", file, nil, http.Header{
			"Authorization":     {"Bearer file-token"},
			"X-Team":            {"blue"},
			"X-Multi":           {"one", "two"},
			"X-From-Env":        {"from-env"},
			"X-Indented":        {"spaced"},
			"X-Last-No-Newline": {"yes"},
		}},
		{"flags only", "", []string{"X-A: 1", "x-b:2"}, http.Header{"X-A": {"1"}, "X-B": {"2"}}},
		{"repeated flag keeps both", "", []string{"X-A: 1", "X-A: 2"}, http.Header{"X-A": {"1", "2"}}},
		{"flag overrides the file", file, []string{"Authorization: Bearer flag-token"}, http.Header{
			"Authorization":     {"Bearer flag-token"},
			"X-Team":            {"blue"},
			"X-Multi":           {"one", "two"},
			"X-From-Env":        {"from-env"},
			"X-Indented":        {"spaced"},
			"X-Last-No-Newline": {"yes"},
		}},
		{"flag overrides a repeated file header, any case", file, []string{"X-MULTI: three", "x-multi: four"}, http.Header{
			"Authorization":     {"Bearer file-token"},
			"X-Team":            {"blue"},
			"X-Multi":           {"three", "four"},
			"X-From-Env":        {"from-env"},
			"X-Indented":        {"spaced"},
			"X-Last-No-Newline": {"yes"},
		}},
		{"comments only", "# nothing\n\n#\n", nil, http.Header{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := ""
			if tc.file != "" {
				path = headersTestFile(t, tc.file)
			}
			got, err := Build(path, tc.flags, func(w string) { t.Errorf("unexpected warning: %s", w) })
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			if len(got) != len(tc.want) {
				t.Errorf("headers %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if strings.Join(got[k], "|") != strings.Join(v, "|") {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

func TestBuildHeadersErrors(t *testing.T) {
	tests := []struct {
		name    string
		file    string // file content; "-" for a missing file
		flags   []string
		wantSub string
	}{
		{"missing file", "-", nil, "--header-file"},
		{"bad line in the file", "Authorization: ok\nnot a header line\n", nil, "invalid header"},
		{"bad flag", "", []string{"NoColonHere"}, "invalid header"},
		{"variable with a line break", "", []string{"X-A: ${MCPB_TEST_NEWLINE}"}, "line break"},
	}
	t.Setenv("MCPB_TEST_NEWLINE", "a\nInjected: 1")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := ""
			switch tc.file {
			case "":
			case "-":
				path = filepath.Join(t.TempDir(), "absent.txt")
			default:
				path = headersTestFile(t, tc.file)
			}
			h, err := Build(path, tc.flags, func(string) {})
			if err == nil {
				t.Fatalf("Build = %v, want an error", h)
			}
			if !strings.Contains(err.Error(), tc.wantSub) {
				t.Errorf("error %q does not mention %q", err, tc.wantSub)
			}
		})
	}
}

func TestBuildHeadersWarnsAboutUnsetVariables(t *testing.T) {
	path := headersTestFile(t, "X-File: ${MCPB_TEST_UNSET_IN_FILE}\n")
	var warns []string
	h, err := Build(path, []string{"X-Flag: ${MCPB_TEST_UNSET_IN_FLAG}"}, func(w string) { warns = append(warns, w) })
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 2 || !strings.Contains(warns[0], "MCPB_TEST_UNSET_IN_FILE") || !strings.Contains(warns[1], "MCPB_TEST_UNSET_IN_FLAG") {
		t.Errorf("warnings %q, want one for each unset variable", warns)
	}
	if h.Get("X-File") != "" || h.Get("X-Flag") != "" || len(h.Values("X-File")) != 1 {
		t.Errorf("headers %v, want X-File and X-Flag present and empty", h)
	}
}
