package probe

import (
	"net/http"
	"strings"
	"testing"
)

// TestCredentialSource: the sign-in step says which grant the settings
// sign in with, the agent-identity ones included.
func TestCredentialSource(t *testing.T) {
	for _, tc := range []struct {
		flags Flags
		want  string
	}{
		{Flags{}, "in the browser"},
		{Flags{ClientCredentials: true}, "client credentials"},
		{Flags{DeviceCode: true}, "device code"},
		{Flags{Workload: true}, "workload's JWT"},
		{Flags{Enterprise: true}, "identity provider"},
	} {
		p := &prober{cfg: Config{Flags: tc.flags}}
		if got := p.credentialSource(); !strings.Contains(got, tc.want) {
			t.Errorf("%+v: %q, want it to say %q", tc.flags, got, tc.want)
		}
	}
	p := &prober{cfg: Config{Flags: Flags{Workload: true}}}
	p.bridge.Header = http.Header{"Authorization": {"Bearer x"}}
	if got := p.credentialSource(); !strings.Contains(got, "Authorization header") {
		t.Errorf("with the user's header: %q", got)
	}
}
