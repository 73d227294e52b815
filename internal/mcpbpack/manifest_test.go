package main

import (
	"encoding/json"
	"regexp"
	"slices"
	"testing"
)

var targets = []struct{ goos, goarch, platform, entry string }{
	{"darwin", "amd64", "darwin", "server/mcpbridge"},
	{"darwin", "arm64", "darwin", "server/mcpbridge"},
	{"linux", "amd64", "linux", "server/mcpbridge"},
	{"linux", "arm64", "linux", "server/mcpbridge"},
	{"windows", "amd64", "win32", "server/mcpbridge.exe"},
	{"windows", "arm64", "win32", "server/mcpbridge.exe"},
}

// decoded is the part of a manifest the tests look at, read back from JSON.
type decoded struct {
	ManifestVersion string `json:"manifest_version"`
	Name, Version   string
	License         string
	Server          struct {
		Type       string `json:"type"`
		EntryPoint string `json:"entry_point"`
		MCPConfig  struct {
			Command string   `json:"command"`
			Args    []string `json:"args"`
		} `json:"mcp_config"`
	} `json:"server"`
	Compatibility struct {
		Platforms []string `json:"platforms"`
	} `json:"compatibility"`
	UserConfig map[string]map[string]any `json:"user_config"`
}

func decode(t *testing.T, version, goos string) decoded {
	t.Helper()
	b, err := manifestJSON(version, goos)
	if err != nil {
		t.Fatal(err)
	}
	var d decoded
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestManifestPerPlatform(t *testing.T) {
	for _, tc := range targets {
		t.Run(tc.goos+"/"+tc.goarch, func(t *testing.T) {
			d := decode(t, "1.2.3", tc.goos)
			if d.ManifestVersion != manifestVersion || d.Name != "mcpbridge" || d.Version != "1.2.3" {
				t.Errorf("header = %q %q %q", d.ManifestVersion, d.Name, d.Version)
			}
			if d.Server.Type != "binary" || d.Server.EntryPoint != tc.entry || d.Server.MCPConfig.Command != "${__dirname}/"+tc.entry {
				t.Errorf("server = %+v, want the binary at %s", d.Server, tc.entry)
			}
			if !slices.Equal(d.Compatibility.Platforms, []string{tc.platform}) {
				t.Errorf("platforms = %v, want [%s]", d.Compatibility.Platforms, tc.platform)
			}
			if d.Server.MCPConfig.Args[0] != "${user_config.server_url}" {
				t.Errorf("the first argument is %q, want the server URL", d.Server.MCPConfig.Args[0])
			}
		})
	}
}

// TestEveryArgumentFillsWithoutTheUser: Claude Desktop leaves a
// ${user_config.X} it has no value for as it is, which mcpbridge would take
// for an argument; so each referenced option exists and is either required
// or has a default, and the server URL is the one required option.
func TestEveryArgumentFillsWithoutTheUser(t *testing.T) {
	d := decode(t, "1.2.3", "darwin")
	ref := regexp.MustCompile(`\$\{user_config\.([a-z_]+)\}`)
	used := map[string]bool{}
	for _, a := range d.Server.MCPConfig.Args {
		for _, m := range ref.FindAllStringSubmatch(a, -1) {
			used[m[1]] = true
			opt, ok := d.UserConfig[m[1]]
			if !ok {
				t.Errorf("argument %q refers to an undeclared option", a)
				continue
			}
			_, hasDefault := opt["default"]
			if opt["required"] != true && !hasDefault {
				t.Errorf("option %s is optional with no default: an unset value reaches the command line as %q", m[1], a)
			}
		}
	}
	for name, opt := range d.UserConfig {
		if !used[name] {
			t.Errorf("option %s is asked for but never used", name)
		}
		if (opt["required"] == true) != (name == "server_url") {
			t.Errorf("option %s: required = %v", name, opt["required"])
		}
	}
}

func TestManifestRefusesUnknownTargets(t *testing.T) {
	if _, err := manifestJSON("1.2.3", "plan9"); err == nil {
		t.Error("plan9 got a manifest")
	}
	if _, err := manifestJSON("", "linux"); err == nil {
		t.Error("an empty version got a manifest")
	}
}
