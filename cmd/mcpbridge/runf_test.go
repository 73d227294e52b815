package main

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcpbridge/mcpbridge/internal/ledger"
)

// throughRunF runs the command newCmd builds with args, its runF standing
// in for the work: the options runF got (nil when it did not run), what
// the command printed (help, usage) and the error.
func throughRunF[O any](newCmd func(ioStreams, func(context.Context, *O) error) *cobra.Command, args ...string) (*O, string, error) {
	var got *O
	var out bytes.Buffer
	cmd := newCmd(ioStreams{in: strings.NewReader(""), out: &out, err: &out}, func(_ context.Context, o *O) error {
		got = o
		return nil
	})
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	err := cmd.Execute()
	return got, out.String(), err
}

// runfCase is one command line: check asserts on the options runF got;
// without check, the line is refused before runF runs (usage says whether
// as a usage error, exit code 2 under the root).
type runfCase struct {
	name  string
	run   func() (any, string, error)
	check func(t *testing.T, o any)
	usage bool
}

// typed adapts a command's case to runfCase: the options as their type.
func typed[O any](newCmd func(ioStreams, func(context.Context, *O) error) *cobra.Command, args ...string) func() (any, string, error) {
	return func() (any, string, error) {
		o, out, err := throughRunF(newCmd, args...)
		if o == nil {
			return nil, out, err
		}
		return o, out, err
	}
}

// TestCommandsFlagsReachTheirOptions: for login, logout, status, grants,
// demo and install, typical command lines land in the command's options
// and runF gets them instead of the real work; a line the command refuses
// is refused before runF runs.
func TestCommandsFlagsReachTheirOptions(t *testing.T) {
	const url = "https://mcp.example.com/mcp"
	weekAgo := time.Now().Add(-7 * 24 * time.Hour)
	cases := []runfCase{
		{name: "login with a port and sign-in flags", run: typed(newLoginCmd, url, "8123", "--no-browser", "--scope", "a b", "--token-store", "file", "--account", "work", "--header", "X-Tenant: acme"),
			check: func(t *testing.T, got any) {
				o := got.(*loginOptions)
				b := o.bridge
				if !o.noBrowser || b.url != url || b.callbackPort != 8123 || b.auth.scope != "a b" || b.auth.tokenStore != "file" || b.auth.account != "work" ||
					!reflect.DeepEqual(b.headers, []string{"X-Tenant: acme"}) {
					t.Errorf("login options %+v", o)
				}
			}},
		{name: "login with the defaults", run: typed(newLoginCmd, url),
			check: func(t *testing.T, got any) {
				o := got.(*loginOptions)
				if o.noBrowser || o.bridge.url != url || o.bridge.callbackPort != 0 || o.bridge.auth.tokenStore != "auto" || o.bridge.transport != "http-first" {
					t.Errorf("login options %+v", o)
				}
			}},
		{name: "login with a callback port that is no port", run: typed(newLoginCmd, url, "99999"), usage: true},
		{name: "login without a URL", run: typed(newLoginCmd)},

		{name: "logout of one server", run: typed(newLogoutCmd, url, "--header", "X-Tenant: acme", "--token-store", "file"),
			check: func(t *testing.T, got any) {
				o := got.(*logoutOptions)
				if o.all || o.bridge.url != url || o.bridge.auth.tokenStore != "file" || !reflect.DeepEqual(o.bridge.headers, []string{"X-Tenant: acme"}) {
					t.Errorf("logout options %+v", o)
				}
			}},
		{name: "logout --all", run: typed(newLogoutCmd, "--all", "--token-store", "keychain"),
			check: func(t *testing.T, got any) {
				o := got.(*logoutOptions)
				if !o.all || o.bridge.url != "" || o.bridge.auth.tokenStore != "keychain" {
					t.Errorf("logout options %+v", o)
				}
			}},
		{name: "logout of nothing", run: typed(newLogoutCmd), usage: true},
		{name: "logout of a server and --all", run: typed(newLogoutCmd, url, "--all"), usage: true},

		{name: "status of everything", run: typed(newStatusCmd),
			check: func(t *testing.T, got any) {
				o := got.(*statusOptions)
				if o.server != "" || o.account != ledger.AnyAccount || o.asJSON {
					t.Errorf("status options %+v", o)
				}
			}},
		{name: "status of one server and account, as JSON", run: typed(newStatusCmd, url, "--json", "--account", "work"),
			check: func(t *testing.T, got any) {
				o := got.(*statusOptions)
				if o.server != url || o.account != "work" || !o.asJSON {
					t.Errorf("status options %+v", o)
				}
			}},
		{name: "status of the default account", run: typed(newStatusCmd, "--account="),
			check: func(t *testing.T, got any) {
				if o := got.(*statusOptions); o.account != "" {
					t.Errorf("status --account= options %+v, want the default account", o)
				}
			}},
		{name: "status of two servers", run: typed(newStatusCmd, url, url)},

		{name: "grants of one server since a week, as JSON", run: typed(newGrantsCmd, url, "--since", "7d", "--json", "--account", "work"),
			check: func(t *testing.T, got any) {
				o := got.(*grantsOptions)
				f := o.filter
				if f.Server != url || f.Account != "work" || o.since != "7d" || !o.asJSON || f.Since.Sub(weekAgo).Abs() > time.Minute {
					t.Errorf("grants options %+v", o)
				}
			}},
		{name: "grants of everything", run: typed(newGrantsCmd),
			check: func(t *testing.T, got any) {
				o := got.(*grantsOptions)
				if o.filter != (ledger.Filter{Account: ledger.AnyAccount}) || o.asJSON {
					t.Errorf("grants options %+v", o)
				}
			}},
		{name: "grants since a time that is none", run: typed(newGrantsCmd, "--since", "soon"), usage: true},

		{name: "demo", run: typed(newDemoCmd),
			check: func(t *testing.T, got any) {
				if o := got.(*demoOptions); o.serve || o.oauth {
					t.Errorf("demo options %+v", o)
				}
			}},
		{name: "demo --serve --oauth", run: typed(newDemoCmd, "--serve", "--oauth"),
			check: func(t *testing.T, got any) {
				if o := got.(*demoOptions); !o.serve || !o.oauth {
					t.Errorf("demo options %+v", o)
				}
			}},
		{name: "demo with an argument", run: typed(newDemoCmd, "extra")},

		{name: "install with its own flags among the bridge's", run: typed(newInstallCmd, "cursor", "acme", url, "--force", "--header", "X-Tenant: acme", "--dry-run", "--project", "--command", "/bin/mcpbridge", "--ignore-tool", "a*"),
			check: func(t *testing.T, got any) {
				o := got.(*installOptions)
				if o.host != "cursor" || o.name != "acme" || !o.force || !o.dryRun || !o.project || o.run || o.command != "/bin/mcpbridge" || o.config != "" ||
					!reflect.DeepEqual(o.bridgeArgs, []string{url, "--header", "X-Tenant: acme", "--ignore-tool", "a*"}) {
					t.Errorf("install options %+v", o)
				}
			}},
		{name: "install for claude-code with a port, --run and --config", run: typed(newInstallCmd, "claude-code", "acme", url, "8123", "--run", "--config", "/x/mcp.json"),
			check: func(t *testing.T, got any) {
				o := got.(*installOptions)
				if o.host != "claude-code" || !o.run || o.config != "/x/mcp.json" || o.force || o.dryRun || !reflect.DeepEqual(o.bridgeArgs, []string{url, "8123"}) {
					t.Errorf("install options %+v", o)
				}
			}},
		{name: "install without a URL", run: typed(newInstallCmd, "cursor", "acme"), usage: true},
		{name: "install with a bad value of its own flag", run: typed(newInstallCmd, "cursor", "acme", url, "--force=maybe"), usage: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, out, err := tc.run()
			if tc.check != nil {
				if err != nil || got == nil {
					t.Fatalf("runF got %v, error %v; output %s", got, err, out)
				}
				tc.check(t, got)
				return
			}
			if got != nil || err == nil {
				t.Fatalf("not refused before runF: runF got %+v, error %v", got, err)
			}
			var ue usageError
			if tc.usage && !errors.As(err, &ue) {
				t.Errorf("refused with %v, want a usage error", err)
			}
		})
	}
}

// TestInstallHelpRunsNothing: install parses its own flags (the bridge's
// pass through), so --help is its own too: help, and runF does not run.
func TestInstallHelpRunsNothing(t *testing.T) {
	got, out, err := throughRunF(newInstallCmd, "--help")
	if got != nil || err != nil || !strings.Contains(out, "install HOST NAME URL") {
		t.Errorf("install --help: runF got %+v, error %v, output %q", got, err, out)
	}
}
