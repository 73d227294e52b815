package hygiene

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
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
		// The bridge's layers point one way: the pump uses the era code,
		// the transport, the in-flight table and the wire format; the era
		// code the transport (its errors), the table and the wire format;
		// the transport and the table the wire format alone; the wire format
		// nothing of mcpbridge. None below the pump knows of it or of OAuth.
		// (A message carries the HTTP headers its request needs, so the wire
		// format does import net/http's Header type.)
		"github.com/mcpbridge/mcpbridge/bridge/jsonrpc": {"github.com/mcpbridge/mcpbridge/"},
		"github.com/mcpbridge/mcpbridge/bridge/inflight": {
			"github.com/mcpbridge/mcpbridge/bridge$", "github.com/mcpbridge/mcpbridge/bridge/era",
			"github.com/mcpbridge/mcpbridge/bridge/transport", "github.com/mcpbridge/mcpbridge/oauthflow",
		},
		"github.com/mcpbridge/mcpbridge/bridge/era": {
			"github.com/mcpbridge/mcpbridge/bridge$", "github.com/mcpbridge/mcpbridge/oauthflow",
			"github.com/mcpbridge/mcpbridge/tokencache", "github.com/mcpbridge/mcpbridge/internal/fakeas",
		},
		"github.com/mcpbridge/mcpbridge/bridge/transport": {
			"github.com/mcpbridge/mcpbridge/bridge$", "github.com/mcpbridge/mcpbridge/bridge/era",
			"github.com/mcpbridge/mcpbridge/bridge/inflight", "github.com/mcpbridge/mcpbridge/oauthflow",
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
// net/http/httptest, not the testing package, not the stdio stub, the
// test tools' stdio client (internal/stdiohost) or the end-to-end harness
// — on any release target. (go list -deps lists what the build links;
// tests' imports are not in it.)
func TestProductLinksNoTestCode(t *testing.T) {
	const module = "github.com/mcpbridge/mcpbridge"
	// Each package and the packages under it.
	forbidden := []string{module + "/internal/fakeas", "net/http/httptest", "testing", module + "/internal/stdiostub", module + "/internal/stdiohost", module + "/e2e"}
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

// TestDocCommentsMapEveryFile: a package's doc comment names each of its
// production files (a pattern such as loopback_*.go covers a family), so a
// newcomer finds every room from the door.
func TestDocCommentsMapEveryFile(t *testing.T) {
	for dir, files := range productionFiles(t, "github.com/mcpbridge/mcpbridge/...") {
		doc := docComment(t, dir, files)
		if doc == "" {
			continue // TestPackagesHaveDocComments reports it
		}
		for _, f := range files {
			if !namedIn(doc, f) {
				t.Errorf("%s: the package doc comment does not name %s", dir, f)
			}
		}
	}
}

// productionFiles returns each matched package's folder and its
// production files: those of every build (the ones build constraints leave
// out of this one too), tests left out.
func productionFiles(t *testing.T, pattern string) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", "{{.Dir}} {{join .GoFiles \" \"}} {{join .IgnoredGoFiles \" \"}}", pattern).Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		files := slices.DeleteFunc(fields[1:], func(f string) bool { return strings.HasSuffix(f, "_test.go") })
		pkgs[fields[0]] = files
	}
	return pkgs
}

// docComment returns the comment above the package clause of the file
// that holds the package's doc comment, and names that file in it.
func docComment(t *testing.T, dir string, files []string) string {
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		head, _, _ := strings.Cut(string(b), "\npackage ")
		if strings.Contains(head, "// Package ") || strings.Contains(head, "// Command ") {
			return head + " " + f
		}
	}
	return ""
}

// namedIn reports whether doc names file, itself or by a name_*.go pattern.
func namedIn(doc, file string) bool {
	if strings.Contains(doc, file) {
		return true
	}
	for _, word := range strings.FieldsFunc(doc, func(r rune) bool { return strings.ContainsRune(" \t\n(),;:`/", r) }) {
		if ok, _ := filepath.Match(word, file); ok && strings.Contains(word, "*") {
			return true
		}
	}
	return false
}

// maxCommandLines bounds cmd/mcpbridge's production code: flags, library
// calls, printing and exit codes; what grows past it is business logic
// that belongs in a library (cli/cli's shape).
const maxCommandLines = 1500

// TestCommandLayerStaysThin counts the lines of cmd/mcpbridge's
// production files, for every build (the docs build's gen-docs included).
func TestCommandLayerStaysThin(t *testing.T) {
	n := 0
	for dir, files := range productionFiles(t, "github.com/mcpbridge/mcpbridge/cmd/mcpbridge") {
		for _, f := range files {
			b, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			n += strings.Count(string(b), "\n")
		}
	}
	if n > maxCommandLines {
		t.Errorf("cmd/mcpbridge has %d production lines, more than %d: move what is not flags, calls, printing or exit codes into a library", n, maxCommandLines)
	}
}
