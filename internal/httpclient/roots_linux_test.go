//go:build linux && !android

package httpclient

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// The Linux roots are read as crypto/x509 reads them: SSL_CERT_FILE (the
// bundle) and every file of SSL_CERT_DIR's folders but symlinks within
// them; a certificate found twice is parsed once.
func TestLinuxRootsReadLikeCryptoX509(t *testing.T) {
	bundled, inDir, other := newTestCA(t, "bundled"), newTestCA(t, "in-dir"), newTestCA(t, "other")
	base := t.TempDir()
	bundle := filepath.Join(base, "bundle.pem")
	dir1, dir2 := filepath.Join(base, "d1"), filepath.Join(base, "d2")
	for _, d := range []string{dir1, dir2} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	write := func(path string, data []byte) {
		t.Helper()
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(bundle, bundled.pem)
	write(filepath.Join(dir1, "copy-of-bundled.pem"), bundled.pem) // parsed once
	write(filepath.Join(dir2, "in-dir.pem"), inDir.pem)
	// A link out of the folder is read, as crypto/x509 reads it; a hash
	// link to a file of the folder is skipped (the file is read itself).
	write(filepath.Join(base, "other.pem"), other.pem)
	if err := os.Symlink("../other.pem", filepath.Join(dir2, "outside.0")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("in-dir.pem", filepath.Join(dir2, "1a2b3c4d.0")); err != nil {
		t.Fatal(err)
	}
	if e, _ := os.ReadDir(dir2); len(e) != 3 || !sameDirSymlink(dir2, e[0]) || sameDirSymlink(dir2, e[2]) {
		t.Fatalf("the folder's entries %v: want 1a2b3c4d.0 a same-folder link, outside.0 not", e)
	}
	t.Setenv("SSL_CERT_FILE", bundle)
	t.Setenv("SSL_CERT_DIR", dir1+":"+dir2)
	r := newRootPool()
	if !trusts(r.pool, bundled) || trusts(r.pool, inDir) || len(r.seen) != 1 {
		t.Errorf("before the folders: bundled trusted %v, in the folder %v, %d roots; want the bundle's one",
			trusts(r.pool, bundled), trusts(r.pool, inDir), len(r.seen))
	}
	all := r.withFolders()
	for name, ca := range map[string]testCA{"bundled": bundled, "in the folder": inDir, "linked from outside": other} {
		if !trusts(all, ca) {
			t.Errorf("with the folders, %s is not trusted (crypto/x509 would)", name)
		}
	}
	if len(r.seen) != 1 || trusts(r.pool, inDir) {
		t.Error("withFolders changed the pool it was called on")
	}

	os.Remove(filepath.Join(dir2, "outside.0"))
	if trusts(newRootPool().withFolders(), other) {
		t.Error("a root nothing names is trusted")
	}
}

// A client without CA files verifies against the system roots it loaded
// itself: a server whose certificate the bundle (SSL_CERT_FILE) or a
// certificate folder (SSL_CERT_DIR) holds is trusted, any other refused.
func TestLinuxClientUsesItsOwnSystemRoots(t *testing.T) {
	ts := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer ts.Close()
	bundle := filepath.Join(t.TempDir(), "roots.pem")
	if err := os.WriteFile(bundle, pemOf(ts.Certificate().Raw), 0o600); err != nil {
		t.Fatal(err)
	}
	folder := t.TempDir()
	if err := os.WriteFile(filepath.Join(folder, "server.pem"), pemOf(ts.Certificate().Raw), 0o600); err != nil {
		t.Fatal(err)
	}
	none := filepath.Join(t.TempDir(), "none.pem")
	for _, tc := range []struct {
		file, dir string
		ok        bool
	}{
		{bundle, t.TempDir(), true}, // in the bundle
		{none, folder, true},        // in a folder only: read when the bundle does not lead to it
		{none, t.TempDir(), false},  // nowhere
	} {
		t.Setenv("SSL_CERT_FILE", tc.file)
		t.Setenv("SSL_CERT_DIR", tc.dir)
		c, err := New(Options{})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := c.Get(ts.URL)
		if err == nil {
			resp.Body.Close()
		}
		if (err == nil) != tc.ok {
			t.Errorf("SSL_CERT_FILE %s, SSL_CERT_DIR %s: GET %v, want success %v", filepath.Base(tc.file), tc.dir, err, tc.ok)
		}
	}
}

func pemOf(der []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}) }
