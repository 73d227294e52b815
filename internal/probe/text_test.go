package probe

import (
	"strings"
	"testing"
)

func TestStepText(t *testing.T) {
	st := &Step{Name: "tls", Required: true, DurationMS: 12_500, Error: "handshake failed", Hint: "check the proxy"}
	st.set("alpn", []string{})
	st.set("verified", false)
	st.set("tls_version", "1.3")
	want := "✗ tls                          12.5 s\n    alpn: none\n    verified: no\n    tls version: 1.3\n    error: handshake failed\n    hint: check the proxy\n"
	if got := st.Text(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	ok := &Step{Name: "dns", OK: true, DurationMS: 3}
	if got := ok.Text(); !strings.HasPrefix(got, "✓ dns") || !strings.HasSuffix(got, " 3 ms\n") {
		t.Errorf("got %q", got)
	}
	if got := (&Step{Name: "era"}).Text(); !strings.HasPrefix(got, "· era") {
		t.Errorf("an optional step that did not pass: %q", got)
	}
}
