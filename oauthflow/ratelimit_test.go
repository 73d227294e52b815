package oauthflow

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// TestSignInLimiterWindow: three sign-ins the server starts within ten
// minutes, then none until the oldest is ten minutes old. allow takes the
// time, so the test names the moments instead of waiting for them.
func TestSignInLimiterWindow(t *testing.T) {
	var l signInLimiter
	now := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range maxUnaskedSignIns {
		if !l.allow(now) {
			t.Fatalf("sign-in %d refused", i+1)
		}
		now = now.Add(time.Minute)
	}
	if l.allow(now) {
		t.Fatal("a fourth sign-in within the window")
	}
	now = now.Add(unaskedSignInWindow - maxUnaskedSignIns*time.Minute - time.Second)
	if l.allow(now) {
		t.Fatal("a sign-in a second before the oldest left the window")
	}
	now = now.Add(time.Second)
	if !l.allow(now) {
		t.Fatal("no sign-in once the oldest left the window")
	}
	if l.allow(now) {
		t.Fatal("two sign-ins for one that left the window")
	}
}

// TestMayPromptNamesScopesAndTheWayOut: past the limit, the error names
// the scopes demanded (escaped) and `mcpbridge login` with the server URL
// redacted.
func TestMayPromptNamesScopesAndTheWayOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		server, _ := url.Parse("https://mcp.example/mcp?api_key=SECRET")
		f := &Flow{cfg: Config{Server: server, Now: time.Now}} // the default clock, the bubble's here
		ch := Challenge{Scope: []string{"files:write", "evil\x1b]52;c;eA==\x07"}}
		for range maxUnaskedSignIns {
			if err := f.mayPrompt(ch); err != nil {
				t.Fatal(err)
			}
		}
		err := f.mayPrompt(ch)
		if !errors.Is(err, ErrTooManySignIns) {
			t.Fatalf("err %v, want ErrTooManySignIns", err)
		}
		msg := err.Error()
		for _, want := range []string{"files:write", `evil\x1b]52`, "mcpbridge login https://mcp.example/mcp?api_key=REDACTED"} {
			if !strings.Contains(msg, want) {
				t.Errorf("%q lacks %q", msg, want)
			}
		}
		if strings.ContainsAny(msg, "\x1b\x07") || strings.Contains(msg, "SECRET") {
			t.Errorf("%q shows raw control bytes or the API key", msg)
		}
		// mayPrompt reads Config.Now, time.Now by default: in the synctest
		// bubble this moves the fake clock on by the window, in no real time.
		time.Sleep(unaskedSignInWindow)
		if err := f.mayPrompt(ch); err != nil {
			t.Errorf("after the window: %v", err)
		}
	})
}
