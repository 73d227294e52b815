package hygiene

import (
	"encoding/json"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

type pkg struct {
	ImportPath string
	Doc        string
	Name       string
	Deps       []string
}

func list(t *testing.T) []pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", "github.com/mcpbridge/mcpbridge/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// TestPackagesHaveDocComments: a newcomer reads in each package's doc
// comment what it owns.
func TestPackagesHaveDocComments(t *testing.T) {
	for _, p := range list(t) {
		if p.Doc == "" {
			t.Errorf("%s has no package doc comment", p.ImportPath)
		}
	}
}

// TestDependenciesPointOneWay: the bridge asks an interface for
// credentials and never opens a browser or touches a keychain; the demo
// server and the logger stay independent of the bridge; nothing but the
// command and tests pull in the go-sdk (it would grow every start).
func TestDependenciesPointOneWay(t *testing.T) {
	forbidden := map[string][]string{
		"github.com/mcpbridge/mcpbridge/bridge": {
			"github.com/pkg/browser", "github.com/zalando/go-keyring",
			"github.com/mcpbridge/mcpbridge/oauthflow", "github.com/mcpbridge/mcpbridge/tokencache",
			"github.com/spf13/cobra", "github.com/modelcontextprotocol/go-sdk",
			"github.com/mcpbridge/mcpbridge/internal/fakeas",
		},
		"github.com/mcpbridge/mcpbridge/internal/demo": {
			"github.com/mcpbridge/mcpbridge/bridge", "github.com/modelcontextprotocol/go-sdk",
			"github.com/mcpbridge/mcpbridge/internal/fakeas",
		},
		"github.com/mcpbridge/mcpbridge/internal/logx": {"github.com/mcpbridge/mcpbridge/bridge", "github.com/mcpbridge/mcpbridge/internal/fakeas"},
		"github.com/mcpbridge/mcpbridge/tokencache": {
			"net/http", "github.com/mcpbridge/mcpbridge/bridge", "github.com/mcpbridge/mcpbridge/oauthflow",
		},
		"github.com/mcpbridge/mcpbridge/cmd/mcpbridge": {"github.com/modelcontextprotocol/go-sdk"},
		"github.com/mcpbridge/mcpbridge/oauthflow": {
			"github.com/mcpbridge/mcpbridge/bridge", "github.com/mcpbridge/mcpbridge/internal/fakeas",
		},
		// The bridge's layers point one way: the pump uses the transport and
		// the wire format, the transport the wire format; the wire format
		// nothing of mcpbridge, and neither knows of the pump or of OAuth.
		// (A message carries the HTTP headers its request needs, so the wire
		// format does import net/http's Header type.)
		"github.com/mcpbridge/mcpbridge/bridge/jsonrpc": {"github.com/mcpbridge/mcpbridge/"},
		"github.com/mcpbridge/mcpbridge/bridge/transport": {
			"github.com/mcpbridge/mcpbridge/bridge$", "github.com/mcpbridge/mcpbridge/oauthflow",
			"github.com/mcpbridge/mcpbridge/tokencache", "github.com/mcpbridge/mcpbridge/internal/fakeas",
		},
		"github.com/mcpbridge/mcpbridge/internal/httpclient": {"github.com/mcpbridge/mcpbridge/bridge"},
	}
	for _, p := range list(t) {
		for _, bad := range forbidden[p.ImportPath] {
			for _, d := range p.Deps {
				if exact, ok := strings.CutSuffix(bad, "$"); ok { // that package, not those under it
					if d == exact {
						t.Errorf("%s depends on %s", p.ImportPath, d)
					}
					continue
				}
				if d == bad || strings.HasPrefix(d, strings.TrimSuffix(bad, "/")+"/") {
					t.Errorf("%s depends on %s", p.ImportPath, d)
				}
			}
		}
	}
}

// TestProductLinksNoTestCode: the binary users run carries no test fixture
// and no test machinery — not the auto-approving fake authorization server
// (internal/fakeas; `demo --oauth` has its own, in internal/demo), not
// net/http/httptest, not the testing package, not the stdio stub or the
// end-to-end harness — on any release target. (go list -deps lists what
// the build links; tests' imports are not in it.)
func TestProductLinksNoTestCode(t *testing.T) {
	const module = "github.com/mcpbridge/mcpbridge"
	// Each package and the packages under it.
	forbidden := []string{module + "/internal/fakeas", "net/http/httptest", "testing", module + "/internal/stdiostub", module + "/e2e"}
	for _, goos := range []string{"linux", "darwin", "windows"} {
		cmd := exec.Command("go", "list", "-deps", "./cmd/mcpbridge")
		cmd.Dir = "../.."
		cmd.Env = append(cmd.Environ(), "GOOS="+goos, "CGO_ENABLED=0")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("GOOS=%s go list -deps ./cmd/mcpbridge: %v", goos, err)
		}
		deps := strings.Fields(string(out))
		if len(deps) < 20 || !slices.Contains(deps, module+"/cmd/mcpbridge") {
			t.Fatalf("GOOS=%s: go list -deps gave %d packages, not the command's graph", goos, len(deps))
		}
		for _, d := range deps {
			for _, bad := range forbidden {
				if d == bad || strings.HasPrefix(d, bad+"/") {
					t.Errorf("GOOS=%s: ./cmd/mcpbridge links %s", goos, d)
				}
			}
		}
	}
}
