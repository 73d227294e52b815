package httpclient

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"
)

// testCA is a self-signed CA and a leaf it issued.
type testCA struct {
	pem  []byte
	leaf *x509.Certificate
}

func newTestCA(t *testing.T, name string) testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "leaf." + name},
		DNSNames: []string{"leaf.example"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leafCert, _ := x509.ParseCertificate(leafDER)
	return testCA{pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), leaf: leafCert}
}

func trusts(pool *x509.CertPool, ca testCA) bool {
	_, err := ca.leaf.Verify(x509.VerifyOptions{DNSName: "leaf.example", Roots: pool})
	return err == nil
}

func emptyRootPool() *rootPool {
	return &rootPool{pool: x509.NewCertPool(), seen: map[[sha256.Size]byte]bool{}}
}

// rootPool.add takes what CertPool.AppendCertsFromPEM takes, parses each
// distinct certificate once, and says whether the data held one.
func TestRootPoolAdd(t *testing.T) {
	a, b := newTestCA(t, "a"), newTestCA(t, "b")
	r := emptyRootPool()
	bundle := "# a comment\n" + string(a.pem) + string(a.pem) +
		"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" + string(b.pem)
	if !r.add([]byte(bundle)) {
		t.Fatal("add reported no certificate in a bundle of three")
	}
	if len(r.seen) != 2 {
		t.Errorf("%d distinct certificates recorded, want 2 (the duplicate parsed once)", len(r.seen))
	}
	if !trusts(r.pool, a) || !trusts(r.pool, b) {
		t.Errorf("trusts a %v, b %v; want both", trusts(r.pool, a), trusts(r.pool, b))
	}
	if !r.add(a.pem) {
		t.Error("a bundle of certificates already added reported none")
	}
	for name, data := range map[string]string{
		"no PEM":       "not a certificate",
		"another type": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
		"headers":      strings.Replace(string(newTestCA(t, "c").pem), "-----\n", "-----\nProc-Type: 4,ENCRYPTED\n\n", 1),
		"not DER":      "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
	} {
		if r.add([]byte(data)) {
			t.Errorf("%s: add reported a certificate", name)
		}
	}
	if len(r.seen) != 2 {
		t.Errorf("%d certificates after adding nothing valid, want 2", len(r.seen))
	}
}
