package probe

import (
	"testing"

	"github.com/mcpbridge/mcpbridge/internal/headerhelper"
	"github.com/mcpbridge/mcpbridge/oauthflow"
)

// TestSignInOf: the sign-in is the bridge's Auth itself, or the one behind
// --headers-helper; none with the user's own Authorization header.
func TestSignInOf(t *testing.T) {
	flow := &oauthflow.Flow{}
	if got := SignInOf(flow); got != flow {
		t.Errorf("a sign-in: %p, want %p", got, flow)
	}
	if got := SignInOf(nil); got != nil {
		t.Errorf("no credentials: %p, want nil", got)
	}
	for _, next := range []*oauthflow.Flow{flow, nil} {
		cfg := headerhelper.Config{Command: "true"}
		if next != nil {
			cfg.Next = next
		}
		hh, err := headerhelper.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if got := SignInOf(hh); got != next {
			t.Errorf("behind --headers-helper: %p, want %p", got, next)
		}
	}
}
