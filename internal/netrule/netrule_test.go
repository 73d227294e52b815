package netrule

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	ok := map[string]string{
		"https://as.example/authorize?x=1": "https://as.example/authorize?x=1",
		"HTTPS://AS.example/a":             "https://AS.example/a",
		"http://127.0.0.1:8080/token":      "http://127.0.0.1:8080/token",
		"http://localhost/cb":              "http://localhost/cb",
		"http://[::1]:9/x":                 "http://[::1]:9/x",
		"https://as.example/p%20q?s=a%20b": "https://as.example/p%20q?s=a%20b",
	}
	for in, want := range ok {
		u, err := Check("authorization_endpoint", in)
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if u.String() != want {
			t.Errorf("%s: serialized %s, want %s", in, u, want)
		}
	}
	bad := []string{
		"", "file:///etc/passwd", "javascript:alert(1)", "data:text/html,<b>x", "calc.exe",
		"/relative/path", "//as.example/x", "http://as.example/token", "ftp://as.example/",
		"https://user:pw@as.example/", "https://as.example/a#frag", "https://as.example/a b",
		"https://as.example/\x1b[31m", "https://as.example/\n", "\\\\server\\share", "ms-settings:",
		"https:as.example", "http://127.0.0.1.evil.example/", "http://localhost.evil.example/",
		"https://as.example/\x7f", "mailto:a@b.example",
	}
	for _, in := range bad {
		_, err := Check("authorization_endpoint", in)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%q accepted", in)
			continue
		}
		if e.Field != "authorization_endpoint" || !strings.Contains(err.Error(), "authorization_endpoint") {
			t.Errorf("%q: error does not name the field: %v", in, err)
		}
		if strings.ContainsAny(err.Error(), "\x1b\n\x7f") {
			t.Errorf("%q: error not escaped: %q", in, err)
		}
	}
}

func TestIsLoopback(t *testing.T) {
	for h, want := range map[string]bool{"localhost": true, "LOCALHOST": true, "127.0.0.1": true, "127.9.8.7": true,
		"::1": true, "0.0.0.0": false, "10.0.0.1": false, "example.com": false, "localhost.example": false, "": false} {
		if IsLoopback(h) != want {
			t.Errorf("IsLoopback(%q) != %v", h, want)
		}
	}
}

func TestRedact(t *testing.T) {
	u, _ := url.Parse("https://user:pw@mcp.example/mcp?api_key=sk-123&x=1#top")
	if got := Redact(u); got != "https://user@mcp.example/mcp?api_key=REDACTED&x=REDACTED" {
		t.Fatalf("Redact: %s", got)
	}
	if got := WithoutQuery(u).String(); strings.Contains(got, "sk-123") || strings.Contains(got, "#") {
		t.Fatalf("WithoutQuery: %s", got)
	}
}
