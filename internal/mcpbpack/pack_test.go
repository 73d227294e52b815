package main

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeBinary stands in for a built mcpbridge: the packer only copies bytes.
func fakeBinary(t *testing.T) (string, []byte) {
	t.Helper()
	body := bytes.Repeat([]byte("\x7fELF not really "), 4096)
	path := filepath.Join(t.TempDir(), "mcpbridge")
	if err := os.WriteFile(path, body, 0o755); err != nil {
		t.Fatal(err)
	}
	stamp := time.Date(2026, 1, 2, 3, 4, 6, 0, time.UTC)
	if err := os.Chtimes(path, stamp, stamp); err != nil {
		t.Fatal(err)
	}
	return path, body
}

// fakeLicense stands in for the repository's LICENSE.
func fakeLicense(t *testing.T) (string, []byte) {
	t.Helper()
	body := []byte("Apache License\nVersion 2.0, January 2004\n(not the whole text)\n")
	path := filepath.Join(t.TempDir(), "LICENSE")
	if err := os.WriteFile(path, body, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, body
}

// entry reads one file of the bundle.
func entry(t *testing.T, zr *zip.ReadCloser, name string) (*zip.File, []byte) {
	t.Helper()
	for _, f := range zr.File {
		if f.Name != name {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		return f, b
	}
	t.Fatalf("the bundle has no %s", name)
	return nil, nil
}

func TestBundleLayout(t *testing.T) {
	bin, body := fakeBinary(t)
	lic, licBody := fakeLicense(t)
	out := t.TempDir()
	path, err := bundle{Binary: bin, License: lic, GOOS: "windows", GOARCH: "arm64", Version: "1.2.3", OutDir: out}.write()
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(path) != "mcpbridge_1.2.3_windows_arm64.mcpb" {
		t.Errorf("bundle named %s", filepath.Base(path))
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if strings.Join(names, " ") != "manifest.json LICENSE server/mcpbridge.exe" {
		t.Fatalf("entries = %v", names)
	}
	f, got := entry(t, zr, "server/mcpbridge.exe")
	if m := f.Mode(); m.Perm() != 0o755 {
		t.Errorf("binary mode = %v, want 0755", m)
	}
	if !bytes.Equal(got, body) {
		t.Error("the bundled binary differs from the input")
	}
	f, got = entry(t, zr, "LICENSE")
	if m := f.Mode(); m.Perm() != 0o644 {
		t.Errorf("LICENSE mode = %v, want 0644", m)
	}
	if !bytes.Equal(got, licBody) {
		t.Errorf("the bundled LICENSE is %q, want the input's %q", got, licBody)
	}
	if _, man := entry(t, zr, "manifest.json"); !strings.Contains(string(man), `"license": "Apache-2.0"`) {
		t.Errorf("the manifest names no Apache-2.0 licence:\n%s", man)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 1 {
		t.Errorf("the output folder holds %d files, want the bundle alone", len(entries))
	}
}

// TestBundleIsReproducible: the same binary gives the same bytes, so a
// rebuilt release keeps its checksums.
func TestBundleIsReproducible(t *testing.T) {
	bin, _ := fakeBinary(t)
	lic, _ := fakeLicense(t)
	var sums [2][]byte
	for i := range sums {
		path, err := bundle{Binary: bin, License: lic, GOOS: "darwin", GOARCH: "arm64", Version: "1.2.3", OutDir: t.TempDir()}.write()
		if err != nil {
			t.Fatal(err)
		}
		sums[i], _ = os.ReadFile(path)
	}
	if !bytes.Equal(sums[0], sums[1]) {
		t.Error("two bundles of one binary differ")
	}
}

func TestRunReportsMistakes(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(nil, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "-binary") {
		t.Errorf("no flags: exit %d, %q", code, stderr.String())
	}
	stderr.Reset()
	lic, _ := fakeLicense(t)
	argv := []string{"-binary", filepath.Join(t.TempDir(), "missing"), "-license", lic, "-os", "linux", "-arch", "amd64", "-version", "1.0.0", "-out", t.TempDir()}
	if code := run(argv, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "open the binary") {
		t.Errorf("missing binary: exit %d, %q", code, stderr.String())
	}
	stderr.Reset()
	bin, _ := fakeBinary(t)
	out := t.TempDir()
	argv = []string{"-binary", bin, "-license", filepath.Join(t.TempDir(), "LICENSE"), "-os", "linux", "-arch", "amd64", "-version", "1.0.0", "-out", out}
	if code := run(argv, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "read the licence") {
		t.Errorf("missing licence: exit %d, %q", code, stderr.String())
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("a bundle without its licence was written: %v", entries)
	}
}

// TestRepositoryLicenseIsApache: the manifest names Apache-2.0, and the
// file goreleaser hands to -license (the repository's LICENSE) is that
// licence's text.
func TestRepositoryLicenseIsApache(t *testing.T) {
	b, err := os.ReadFile("../../LICENSE")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Apache License", "Version 2.0, January 2004", "END OF TERMS AND CONDITIONS"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("LICENSE lacks %q", want)
		}
	}
	if d := decode(t, "1.2.3", "linux"); d.License != "Apache-2.0" {
		t.Errorf("manifest license = %q, want Apache-2.0", d.License)
	}
}

// TestBundlesPassMcpb unpacks each platform's bundle with the reference tool
// (@anthropic-ai/mcpb, the code Claude Desktop uses) and validates its
// manifest. It needs the package in .cache/npm-mcpb (.ci/release-check
// installs it, and runs the same check on the release's own bundles).
func TestBundlesPassMcpb(t *testing.T) {
	cli, err := filepath.Abs("../../.cache/npm-mcpb/node_modules/.bin/mcpb")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(cli); err != nil {
		t.Skip("mcpb is not installed in .cache/npm-mcpb (run .ci/release-check)")
	}
	bin, _ := fakeBinary(t)
	lic, _ := fakeLicense(t)
	for _, tc := range targets {
		t.Run(tc.goos+"/"+tc.goarch, func(t *testing.T) {
			t.Parallel()
			path, err := bundle{Binary: bin, License: lic, GOOS: tc.goos, GOARCH: tc.goarch, Version: "1.2.3-SNAPSHOT-abc1234", OutDir: t.TempDir()}.write()
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			for _, argv := range [][]string{{"unpack", path, dir}, {"validate", filepath.Join(dir, "manifest.json")}} {
				if out, err := exec.Command(cli, argv...).CombinedOutput(); err != nil {
					t.Fatalf("mcpb %s: %v\n%s", argv[0], err, out)
				}
			}
			if info, err := os.Stat(filepath.Join(dir, tc.entry)); err != nil {
				t.Errorf("unpacked %s: %v", tc.entry, err)
			} else if info.Mode().Perm()&0o111 == 0 {
				t.Errorf("unpacked %s: mode %v; want an executable", tc.entry, info.Mode())
			}
			if _, err := os.Stat(filepath.Join(dir, "LICENSE")); err != nil {
				t.Errorf("unpacked LICENSE: %v", err)
			}
		})
	}
}
