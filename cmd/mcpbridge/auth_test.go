package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestAccountFlowBuildsNoBridge: login and logout get their sign-in from
// the auth and network flags alone (a bridge-only flag they do not use is
// not checked), and nothing is opened until a request needs it: with
// nothing stored, a request goes out bare and the config folder is not
// even created. With the user's Authorization header there is nothing to
// sign in to.
func TestAccountFlowBuildsNoBridge(t *testing.T) {
	newOptions := func(args ...string) *options {
		o := &options{}
		c := &cobra.Command{}
		o.register(c)
		if err := c.Flags().Parse(args); err != nil {
			t.Fatal(err)
		}
		o.dir = filepath.Join(t.TempDir(), "config")
		return o
	}
	var stderr bytes.Buffer
	s := ioStreams{err: &stderr}
	o := newOptions("--transport", "not-a-transport", "--token-store", "file")
	if _, err := o.config(slog.New(slog.DiscardHandler)); err == nil {
		t.Fatal("the bridge took --transport not-a-transport")
	}
	flow, err := accountFlow(o, []string{"https://mcp.example.com/mcp"}, s)
	if err != nil {
		t.Fatalf("accountFlow: %v", err)
	}
	req, _ := http.NewRequest(http.MethodPost, "https://mcp.example.com/mcp", nil)
	if err := flow.Authorize(context.Background(), req); err != nil || req.Header.Get("Authorization") != "" {
		t.Errorf("Authorize with nothing stored: %q, %v", req.Header.Get("Authorization"), err)
	}
	if _, err := os.Stat(o.dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the token store was opened with nothing stored (%v)", err)
	}
	own := newOptions("--header", "Authorization: Bearer mine")
	var usage usageError
	if _, err := accountFlow(own, []string{"https://mcp.example.com/mcp"}, s); !errors.As(err, &usage) || !strings.Contains(err.Error(), "Authorization header") {
		t.Errorf("accountFlow with an Authorization header: %v", err)
	}
}
