package mcpremote

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/mcpbridge/mcpbridge/internal/hostconfig"
	"github.com/mcpbridge/mcpbridge/oauthflow"
)

// TestImportEntryOutcomes: nothing stored is said so without building a
// sign-in; a sign-in that cannot be built is not imported, with the reason,
// and is built with the entry's env set.
func TestImportEntryOutcomes(t *testing.T) {
	dir := t.TempDir()
	c := Change{Server: hostconfig.Server{Entry: hostconfig.Entry{Env: map[string]string{EnvConfigDir: dir, "MCPREMOTE_TEST_TENANT": "acme"}}},
		From: []string{"https://x.example/mcp"}, Args: []string{"https://x.example/mcp"}}
	built := false
	flowFor := func(args []string) (*oauthflow.Flow, error) {
		built = true
		if os.Getenv("MCPREMOTE_TEST_TENANT") != "acme" {
			t.Error("the entry's env is not set while the sign-in is built")
		}
		return nil, errors.New("no flow")
	}
	if got := ImportEntry(context.Background(), c, flowFor); got != "none stored by mcp-remote" || built || Preview(c) != got {
		t.Errorf("nothing stored: %q (built %v, preview %q)", got, built, Preview(c))
	}
	if err := os.MkdirAll(c.Files().Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c.Files().Tokens(), []byte(`{"access_token":"at"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if Preview(c) != "would import" {
		t.Errorf("preview %q", Preview(c))
	}
	if got := ImportEntry(context.Background(), c, flowFor); got != "not imported: no flow" || !built {
		t.Errorf("got %q", got)
	}
	if _, ok := os.LookupEnv("MCPREMOTE_TEST_TENANT"); ok {
		t.Error("the entry's env leaked")
	}
}

// TestWithEnvPutsTheOldValuesBack: the entry's env is set for the import
// only.
func TestWithEnvPutsTheOldValuesBack(t *testing.T) {
	t.Setenv("MCPREMOTE_TEST_SET", "old")
	_ = os.Unsetenv("MCPREMOTE_TEST_UNSET")
	withEnv(map[string]string{"MCPREMOTE_TEST_SET": "new", "MCPREMOTE_TEST_UNSET": "x"}, func() {
		if os.Getenv("MCPREMOTE_TEST_SET") != "new" || os.Getenv("MCPREMOTE_TEST_UNSET") != "x" {
			t.Error("env not set inside")
		}
	})
	if v, ok := os.LookupEnv("MCPREMOTE_TEST_UNSET"); os.Getenv("MCPREMOTE_TEST_SET") != "old" || ok {
		t.Errorf("after: MCPREMOTE_TEST_SET=%q, MCPREMOTE_TEST_UNSET=%q", os.Getenv("MCPREMOTE_TEST_SET"), v)
	}
}
