package e2e

import (
	"slices"
	"strings"
	"testing"

	"github.com/mcpbridge/mcpbridge/internal/testwait"
)

// --protocol: auto (the default) detects the server's era; legacy passes
// every message as it is, without a probe (mcp-remote's meaning); modern
// insists on a 2026-07-28 server. Against a server that does not speak
// 2026-07-28, --protocol modern answers the host's initialize with a
// JSON-RPC error naming the versions the server supports (2026-07-28
// basic/versioning: legacy clients have no fall-forward, this message may
// be the only diagnostic), and stderr tells the user to use --protocol auto.

// TestEraForcedProtocol runs a 2025-11-25 host against each server with
// each --protocol value.
func TestEraForcedProtocol(t *testing.T) {
	cases := []struct {
		name     string
		era      string // the server's
		protocol string
		fails    bool
		// passThrough: the host's initialize reaches the server as it is
		// (the Go SDK's modern-only server still answers it, with 2025-11-25).
		passThrough bool
	}{
		{name: "legacy-flag-modern-server", era: eraModern, protocol: "legacy", passThrough: true},
		{name: "modern-flag-legacy-server", era: eraLegacy, protocol: "modern", fails: true},
		{name: "legacy-flag-legacy-server", era: eraLegacy, protocol: "legacy"},
		{name: "modern-flag-modern-server", era: eraModern, protocol: "modern"},
		{name: "auto-flag-modern-server", era: eraModern, protocol: "auto"},
		{name: "auto-flag-legacy-server", era: eraLegacy, protocol: "auto"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newEraFixture(t, c.era)
			h := startEraHost(t, false, f.url, "--protocol", c.protocol)
			m := h.call("initialize", initParams(h.caps))
			if c.passThrough {
				if m.Error != nil {
					t.Fatalf("initialize: %s", m.Error)
				}
				if got := f.rec.methods(); len(got) == 0 || got[0] != "initialize" || slices.Contains(got, "server/discover") {
					t.Fatalf("--protocol legacy: want the host's initialize first and no probe, the server got %v", got)
				}
				return
			}
			if !c.fails {
				checkForcedWorks(t, h, m)
				return
			}
			if m.Error == nil {
				t.Fatalf("initialize with --protocol %s against the %s-only server: want an error, got %s", c.protocol, c.era, clip(m.Raw))
			}
			if text := m.Error.Message + " " + string(m.Error.Data); !strings.Contains(text, c.era) {
				t.Errorf("the initialize error does not name the server's protocol version %s: %s", c.era, m.Error)
			}
			waitEraStderr(t, h, "--protocol auto")
		})
	}
}

// checkForcedWorks wants a working session after the initialize answer m.
func checkForcedWorks(t *testing.T, h *eraHost, m *Msg) {
	t.Helper()
	if m.Error != nil {
		t.Fatalf("initialize: %s", m.Error)
	}
	h.Notify("notifications/initialized", nil)
	if got := h.toolText("echo", map[string]any{"message": "forced"}); got != "echo: forced" {
		t.Errorf("echo: got %q", got)
	}
}

// waitEraStderr waits up to eraTimeout for mcpbridge's stderr to contain s.
func waitEraStderr(t *testing.T, h *eraHost, s string) {
	t.Helper()
	if !testwait.Until(eraTimeout, func() bool { return strings.Contains(h.Stderr(), s) }) {
		t.Fatalf("stderr does not mention %q within %v:\n%s", s, eraTimeout, h.Stderr())
	}
}
