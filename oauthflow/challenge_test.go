package oauthflow

import (
	"reflect"
	"testing"
)

func TestParseWWWAuthenticate(t *testing.T) {
	tests := []struct {
		name   string
		in     []string
		scheme string
		params map[string]string
		scope  []string
	}{
		{"bare scheme", []string{`Bearer`}, "Bearer", map[string]string{}, nil},
		{"RFC 9728 example", []string{`Bearer resource_metadata="https://resource.example.com/.well-known/oauth-protected-resource"`},
			"Bearer", map[string]string{"resource_metadata": "https://resource.example.com/.well-known/oauth-protected-resource"}, nil},
		{"scope and error", []string{`Bearer error="insufficient_scope", scope="files:read files:write", error_description="need more"`},
			"Bearer", map[string]string{"error": "insufficient_scope", "scope": "files:read files:write", "error_description": "need more"},
			[]string{"files:read", "files:write"}},
		{"token values and odd spacing", []string{`bearer  realm = example ,error=invalid_token`},
			"bearer", map[string]string{"realm": "example", "error": "invalid_token"}, nil},
		{"escapes in quoted strings", []string{`Bearer error_description="say \"hi\" \\ bye"`},
			"Bearer", map[string]string{"error_description": `say "hi" \ bye`}, nil},
		{"commas inside quotes", []string{`Bearer scope="a,b c", realm="x"`},
			"Bearer", map[string]string{"scope": "a,b c", "realm": "x"}, []string{"a,b", "c"}},
		{"Bearer after another challenge", []string{`Basic realm="old", Bearer resource_metadata="https://x/prm", scope="s"`},
			"Bearer", map[string]string{"resource_metadata": "https://x/prm", "scope": "s"}, []string{"s"}},
		{"Bearer in a second header", []string{`Negotiate abc123==`, `Bearer scope="s"`},
			"Bearer", map[string]string{"scope": "s"}, []string{"s"}},
		{"parameter names any case, the first wins", []string{`Bearer Scope="a", scope="b"`},
			"Bearer", map[string]string{"scope": "a"}, []string{"a"}},
		{"unterminated quote is dropped", []string{`Bearer realm="x", scope="a b`},
			"Bearer", map[string]string{"realm": "x"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, ok := Bearer(ParseWWWAuthenticate(tc.in))
			if !ok {
				t.Fatalf("no Bearer challenge in %q", tc.in)
			}
			if c.Scheme != tc.scheme || !reflect.DeepEqual(c.Params, tc.params) || !reflect.DeepEqual(c.Scope, tc.scope) {
				t.Errorf("got %q %v scope %q; want %q %v scope %q", c.Scheme, c.Params, c.Scope, tc.scheme, tc.params, tc.scope)
			}
			if c.ResourceMetadata != tc.params["resource_metadata"] || c.Error != tc.params["error"] {
				t.Errorf("fields not filled from params: %+v", c)
			}
		})
	}
}

func TestParseWWWAuthenticateNoBearer(t *testing.T) {
	for _, in := range [][]string{nil, {""}, {`Basic realm="x"`}, {`,,,`}, {`"quoted"`}, {`Bearerx`}} {
		if c, ok := Bearer(ParseWWWAuthenticate(in)); ok {
			t.Errorf("%q: found a Bearer challenge %+v", in, c)
		}
	}
}

func FuzzParseWWWAuthenticate(f *testing.F) {
	for _, s := range []string{
		`Bearer resource_metadata="https://x/prm", scope="a b"`,
		`Basic realm="x", Bearer error="insufficient_scope"`,
		`Bearer realm="unterminated`, `Bearer a=b=c`, `Negotiate abc==, Bearer`, `=,=,"\`, "Bearer\x00x=\"\xff\"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range ParseWWWAuthenticate([]string{s}) {
			if c.Scheme == "" {
				t.Fatalf("a challenge without a scheme from %q", s)
			}
			for k := range c.Params {
				if k == "" {
					t.Fatalf("an empty parameter name from %q", s)
				}
			}
		}
	})
}
