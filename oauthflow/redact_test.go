package oauthflow_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/mcpbridge/mcpbridge/internal/fakeas"
	"github.com/mcpbridge/mcpbridge/oauthflow"
	"github.com/mcpbridge/mcpbridge/tokencache"
)

const secret = "SECRET-k3y"

// noSecret fails when the server URL's query value shows in any of texts.
func noSecret(t *testing.T, where string, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if strings.Contains(s, secret) {
			t.Errorf("the API key in the server URL reached %s: %s", where, s)
		}
	}
}

// TestServerQueryIsASecret: a server URL that carries an API key in its
// query (https://…/mcp?api_key=SECRET) shows it in no notice, log record
// or stored index entry, and the authorization server never gets it as
// the RFC 8707 resource (§2: no query) — with protected resource metadata
// and without (the default resource, 2025-03-26 discovery).
func TestServerQueryIsASecret(t *testing.T) {
	t.Run("protected resource metadata", func(t *testing.T) {
		w := newWorld(t, fakeas.Options{})
		f := watch(t, w.resource+"?api_key="+secret, func(c *oauthflow.Config) {
			c.Open = func(u string) error { return w.as.Browse(context.Background(), u) }
		})
		if err := f.Login(context.Background()); err != nil {
			t.Fatal(err)
		}
		checkStored(t, f)
		for _, a := range w.as.AuthorizeRequests() {
			noSecret(t, "the authorization request", a.Params.Encode())
		}
		for _, tr := range w.as.TokenRequests() {
			noSecret(t, "a token request", tr.Form.Encode())
		}
	})
	t.Run("default resource", func(t *testing.T) {
		h := newHostile(t)
		h.set(func(h *hostile) { h.noPRM = true })
		f := watch(t, h.base()+"/mcp?api_key="+secret, nil)
		if err := f.Login(context.Background()); err != nil {
			t.Fatal(err)
		}
		checkStored(t, f)
		h.mu.Lock()
		got := h.got
		h.mu.Unlock()
		var resources int
		for _, r := range got {
			if strings.Contains(r, "resource=") {
				resources++
			}
		}
		if resources < 2 { // the authorization and the token request
			t.Fatalf("requests %q, want the resource sent", got)
		}
		noSecret(t, "the authorization server", got...)
	})
	t.Run("failed sign-in", func(t *testing.T) {
		w := newWorld(t, fakeas.Options{AuthorizeError: "access_denied"})
		f := w.flow(t, func(c *oauthflow.Config) { c.Server.RawQuery = "api_key=" + secret })
		err := f.Login(context.Background())
		if err == nil || !strings.Contains(err.Error(), "api_key=REDACTED") {
			t.Fatalf("error %v, want the redacted server URL", err)
		}
		noSecret(t, "the error", err.Error())
	})
}

func checkStored(t *testing.T, f *watched) {
	t.Helper()
	noSecret(t, "a notice or log line", f.lines())
	if !strings.Contains(f.noticeText(), "api_key=REDACTED") {
		t.Errorf("notices %q, want the server named with its query redacted", f.noticeText())
	}
	metas, err := tokencache.List(f.dir)
	if err != nil || len(metas) == 0 {
		t.Fatalf("index: %v, %v", metas, err)
	}
	for _, m := range metas {
		noSecret(t, "the index", fmt.Sprintf("%+v", m))
	}
}
