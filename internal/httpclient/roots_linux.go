//go:build linux && !android

package httpclient

import (
	"crypto/sha256"
	"crypto/x509"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
)

// ownsSystemRoots: on Linux every client loads the system roots itself
// (newRootPool): crypto/x509 reads the bundle and every file of the
// certificate folders at the first handshake, and parses every copy.
const ownsSystemRoots = true

// The files and folders crypto/x509 reads the system roots from on Linux
// (crypto/x509/root_linux.go, root_unix.go), in its order, with its
// environment overrides: SSL_CERT_FILE for the bundle, SSL_CERT_DIR (":"
// separated) for the folders.
var (
	certFiles = []string{
		"/etc/ssl/certs/ca-certificates.crt",                // Debian, Ubuntu, Gentoo
		"/etc/pki/tls/certs/ca-bundle.crt",                  // Fedora, RHEL 6
		"/etc/ssl/ca-bundle.pem",                            // OpenSUSE
		"/etc/pki/tls/cacert.pem",                           // OpenELEC
		"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", // CentOS, RHEL 7
		"/etc/ssl/cert.pem",                                 // Alpine
	}
	certDirectories = []string{"/etc/ssl/certs", "/etc/pki/tls/certs"}
)

// newRootPool holds the first system bundle that reads, as crypto/x509
// finds it. The certificate folders are read only when a server's chain
// fails against it, and the chain is then checked against both
// (withFolders): on a distribution the folders hold the bundle's
// certificates again, one file each, and reading some 300 entries and
// links cost 20 ms of every start on the benchmark's machine. A chain is
// trusted all the same: the roots are crypto/x509's, in two steps (as
// OpenSSL reads a CA file first and a CA folder on demand).
func newRootPool() *rootPool {
	r := &rootPool{pool: x509.NewCertPool(), seen: map[[sha256.Size]byte]bool{}}
	files := certFiles
	if f := os.Getenv("SSL_CERT_FILE"); f != "" {
		files = []string{f}
	}
	for _, f := range files {
		if data, err := os.ReadFile(f); err == nil {
			r.add(data)
			break
		}
	}
	return r
}

// withFolders returns r's roots plus every file in the certificate
// folders (SSL_CERT_DIR, else crypto/x509's) but symlinks within them (a
// folder's hash links name its own files again). r is not changed; call
// it once, after the last add.
func (r *rootPool) withFolders() *x509.CertPool {
	all := &rootPool{pool: r.pool.Clone(), seen: maps.Clone(r.seen)}
	dirs := certDirectories
	if d := os.Getenv("SSL_CERT_DIR"); d != "" {
		dirs = strings.Split(d, ":")
	}
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if sameDirSymlink(dir, e) {
				continue
			}
			if data, err := os.ReadFile(dir + "/" + e.Name()); err == nil {
				all.add(data)
			}
		}
	}
	return all.pool
}

// sameDirSymlink reports whether e in dir is a symlink whose target has no
// slash (crypto/x509's isSameDirSymlink).
func sameDirSymlink(dir string, e fs.DirEntry) bool {
	if e.Type()&fs.ModeSymlink == 0 {
		return false
	}
	target, err := os.Readlink(filepath.Join(dir, e.Name()))
	return err == nil && !strings.Contains(target, "/")
}
