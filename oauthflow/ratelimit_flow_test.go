package oauthflow_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mcpbridge/mcpbridge/oauthflow"
)

// TestServerCannotOpenBrowsersOnDemand: a server answering 403
// insufficient_scope with a new scope each time gets three sign-ins, then
// an error naming the scopes it demanded and how to sign in by hand; the
// browser is not opened again. The user's own `mcpbridge login` still
// signs in.
func TestServerCannotOpenBrowsersOnDemand(t *testing.T) {
	h := newHostile(t)
	w := watch(t, h.base()+"/mcp", nil)
	ctx := context.Background()
	var err error
	for i := 1; i <= 6 && err == nil; i++ {
		resp := &http.Response{StatusCode: http.StatusForbidden, Header: http.Header{
			"Www-Authenticate": {fmt.Sprintf(`Bearer error="insufficient_scope", scope="scope%d"`, i)}}}
		err = w.Refused(ctx, resp)
		w.Accepted()
	}
	if !errors.Is(err, oauthflow.ErrTooManySignIns) {
		t.Fatalf("err %v, want ErrTooManySignIns", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "scope4") || !strings.Contains(msg, "mcpbridge login "+h.base()+"/mcp") {
		t.Errorf("%q, want the demanded scope and the command", msg)
	}
	if n := len(w.openedURLs()); n != 3 {
		t.Fatalf("the browser opened %d times, want 3", n)
	}
	// Repeated 401s count the same.
	unauthorized := &http.Response{StatusCode: http.StatusUnauthorized, Header: http.Header{}}
	if err := w.Refused(ctx, unauthorized); !errors.Is(err, oauthflow.ErrTooManySignIns) {
		t.Errorf("a 401 past the limit: %v", err)
	}
	if err := w.Login(ctx); err != nil {
		t.Fatalf("mcpbridge login was limited: %v", err)
	}
	if n := len(w.openedURLs()); n != 4 {
		t.Errorf("the browser opened %d times, want 4 (the user's login)", n)
	}
}

// TestDevicePromptsAreLimitedToo: the device grant's prompt counts as a
// sign-in the server started.
func TestDevicePromptsAreLimitedToo(t *testing.T) {
	h := newHostile(t)
	w := watch(t, h.base()+"/mcp", func(c *oauthflow.Config) { c.DeviceCode = true; c.DevicePollInterval = 5 * time.Millisecond })
	ctx := context.Background()
	var err error
	for i := 1; i <= 5 && err == nil; i++ {
		resp := &http.Response{StatusCode: http.StatusForbidden, Header: http.Header{
			"Www-Authenticate": {fmt.Sprintf(`Bearer error="insufficient_scope", scope="s%d"`, i)}}}
		err = w.Refused(ctx, resp)
	}
	if !errors.Is(err, oauthflow.ErrTooManySignIns) {
		t.Fatalf("err %v, want ErrTooManySignIns", err)
	}
	if n := strings.Count(w.noticeText(), "enter the code"); n != 3 {
		t.Errorf("%d device prompts, want 3", n)
	}
}
