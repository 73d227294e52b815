//go:build !linux || android

package httpclient

import (
	"crypto/sha256"
	"crypto/x509"
)

// ownsSystemRoots: elsewhere the system verifies (macOS, Windows) or
// crypto/x509 finds the roots; a client builds a pool only for extra CA
// bundles.
const ownsSystemRoots = false

// newRootPool starts from crypto/x509's system pool, which on macOS and
// Windows stands for the platform's verifier.
func newRootPool() *rootPool {
	p, err := x509.SystemCertPool()
	if err != nil {
		p = x509.NewCertPool()
	}
	return &rootPool{pool: p, seen: map[[sha256.Size]byte]bool{}}
}

// withFolders: the system pool holds everything already.
func (r *rootPool) withFolders() *x509.CertPool { return nil }
