package oauthflow_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mcpbridge/mcpbridge/oauthflow"
)

// osc52 writes "evil" to the clipboard of a terminal that prints it; the
// rest are a colour change, a forged log line and a bidi override.
const osc52 = "\x1b]52;c;ZXZpbA==\x07 \x1b[31mred\r\nlevel=INFO msg=forged \u202eabc\x9b"

// rawControl returns the first control or bidi character in s, if any,
// ignoring the line breaks between records.
func rawControl(s string) (rune, bool) {
	for _, r := range s {
		if r == '\n' {
			continue
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			return r, true
		}
	}
	return 0, false
}

// TestHostileTextIsInert: whatever text a hostile authorization server or
// MCP server puts in an error_description, a body, an issuer, a user code
// or a challenge reaches errors, notices and logs without a raw control
// character.
func TestHostileTextIsInert(t *testing.T) {
	tests := []struct {
		name   string
		device bool
		setup  func(h *hostile)
	}{
		{"token error_description", false, func(h *hostile) {
			h.token = func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(`{"error":"invalid_grant\u001b[2J","error_description":"` + jsonEsc(osc52) + `"}`))
			}
		}},
		{"token type", false, func(h *hostile) {
			h.token = func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(`{"access_token":"at","token_type":"` + jsonEsc(osc52) + `"}`))
			}
		}},
		{"authorization error_description", false, func(h *hostile) {
			h.authorizeQuery = url.Values{"code": nil, "error": {"access_denied" + osc52}, "error_description": {osc52}}
		}},
		{"registration refusal body", false, func(h *hostile) {
			h.register = func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(osc52))
			}
		}},
		{"issuer mismatch", false, func(h *hostile) { h.as = map[string]any{"issuer": "https://as.example/" + osc52} }},
		{"code_challenge_methods_supported", false, func(h *hostile) {
			h.as = map[string]any{"code_challenge_methods_supported": []string{osc52}}
		}},
		{"resource mismatch", false, func(h *hostile) { h.prm = map[string]any{"resource": "https://other.example/" + url.PathEscape(osc52)} }},
		{"device refusal", true, func(h *hostile) {
			h.device = func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(`{"error":"` + jsonEsc(osc52) + `"}`))
			}
		}},
		{"device user code", true, func(h *hostile) {
			h.device = func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(`{"device_code":"dc","user_code":"` + jsonEsc(osc52) + `","verification_uri":"` + h.base() + `/v","expires_in":1}`))
			}
			h.token = func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(`{"error":"access_denied","error_description":"` + jsonEsc(osc52) + `"}`))
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHostile(t)
			h.set(tt.setup)
			w := watch(t, h.base()+"/mcp", func(c *oauthflow.Config) { c.DeviceCode = tt.device })
			err := w.Login(context.Background())
			if err == nil {
				t.Fatal("signed in against a hostile server")
			}
			if r, bad := rawControl(err.Error()); bad {
				t.Errorf("raw %U in the error: %q", r, err)
			}
			if r, bad := rawControl(w.lines()); bad {
				t.Errorf("raw %U in a notice or log line: %q", r, w.lines())
			}
		})
	}
}

// TestHostileChallengeTextIsInert: a 403's error_description and a
// step-up's scopes are escaped in the error the request gets.
func TestHostileChallengeTextIsInert(t *testing.T) {
	h := newHostile(t)
	w := watch(t, h.base()+"/mcp", nil)
	resp := &http.Response{StatusCode: http.StatusForbidden, Header: http.Header{
		"Www-Authenticate": {`Bearer error="invalid_token", error_description="` + strings.ReplaceAll(osc52, `"`, ``) + `"`}}}
	err := w.Refused(context.Background(), resp)
	if err == nil {
		t.Fatal("a 403 was taken as a reason to retry")
	}
	if r, bad := rawControl(err.Error()); bad {
		t.Errorf("raw %U in %q", r, err)
	}
}

func jsonEsc(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteString(`\` + string(r))
		case r < 0x20 || (r >= 0x7f && r < 0xa0):
			b.WriteString(`\u00` + "0123456789abcdef"[r>>4:r>>4+1] + "0123456789abcdef"[r&0xf:r&0xf+1])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
