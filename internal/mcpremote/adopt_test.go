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

// TestSignInOfAMigration: --no-import skips, a dry run previews, --write
// imports, and only the import builds a sign-in.
func TestSignInOfAMigration(t *testing.T) {
	dir := t.TempDir()
	c := Change{Server: hostconfig.Server{Entry: hostconfig.Entry{Env: map[string]string{EnvConfigDir: dir}}},
		From: []string{"https://x.example/mcp"}, Args: []string{"https://x.example/mcp"}}
	if err := os.MkdirAll(c.Files().Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c.Files().Tokens(), []byte(`{"access_token":"at"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	built := 0
	flowFor := func([]string) (*oauthflow.Flow, error) { built++; return nil, errors.New("no flow") }
	for _, tc := range []struct {
		write, noImport bool
		want            string
	}{{true, true, "skipped (--no-import)"}, {false, true, "skipped (--no-import)"}, {false, false, "would import"}, {true, false, "not imported: no flow"}} {
		if got := SignIn(context.Background(), c, tc.write, tc.noImport, flowFor); got != tc.want {
			t.Errorf("write %v, no-import %v: %q, want %q", tc.write, tc.noImport, got, tc.want)
		}
	}
	if built != 1 {
		t.Errorf("the sign-in was built %d times, want once (the import)", built)
	}
	twoLines := func([]string) (*oauthflow.Flow, error) { return nil, errors.New("first\nsecond") }
	if got := SignIn(context.Background(), c, true, false, twoLines); got != "not imported: first" {
		t.Errorf("a two-line error: %q, want its first line", got)
	}
}
