package httpclient

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
)

// rootPool is the roots a client trusts, each distinct certificate parsed
// once. Parsing is what trusting costs: the system bundle on Linux holds
// about 150 certificates, the certificate folder the same ones again, and
// the bundle NODE_EXTRA_CA_CERTS names is often that same system bundle a
// third time; crypto/x509 parses every copy (27 ms on the benchmark's
// machine, against 5 ms for each certificate once).
type rootPool struct {
	pool *x509.CertPool
	seen map[[sha256.Size]byte]bool // the DER of every certificate added
}

// add adds the PEM certificates in data, as CertPool.AppendCertsFromPEM
// does (blocks of another type, with headers, or that do not parse are
// skipped), and reports whether data holds one, new or already added.
func (r *rootPool) add(data []byte) bool {
	ok := false
	for len(data) > 0 {
		block, rest := pem.Decode(data)
		if block == nil {
			break
		}
		one := data[:len(data)-len(rest)] // this block alone, to parse it once
		data = rest
		if block.Type != "CERTIFICATE" || len(block.Headers) != 0 {
			continue
		}
		sum := sha256.Sum256(block.Bytes)
		if r.seen[sum] {
			ok = true
			continue
		}
		if r.pool.AppendCertsFromPEM(one) { // kept as crypto/x509 keeps it: parsed again on use
			r.seen[sum] = true
			ok = true
		}
	}
	return ok
}
