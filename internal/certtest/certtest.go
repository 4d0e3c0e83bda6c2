// Package certtest issues TLS certificates for tests: a throwaway
// certificate authority, and leaf certificates it signs for any names,
// validity and key type, in the PEM a publisher would upload. A client
// that trusts the authority's Pool verifies them as it would real ones.
package certtest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"
)

// CA is a certificate authority that lives as long as a test.
type CA struct {
	t    testing.TB
	cert *x509.Certificate
	key  crypto.Signer
	pool *x509.CertPool
	pem  string
}

// NewCA returns a new authority, valid from an hour ago for a year.
func NewCA(t testing.TB) *CA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(t),
		Subject:               pkix.Name{CommonName: "Tollgate test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &CA{t: t, cert: cert, key: key, pool: pool, pem: encode("CERTIFICATE", der)}
}

// Pool returns a pool holding the authority, for a client's RootCAs.
func (ca *CA) Pool() *x509.CertPool { return ca.pool }

// PEM returns the authority's own certificate.
func (ca *CA) PEM() string { return ca.pem }

// Key types a leaf may have.
const (
	ECDSA   = "ecdsa"
	RSA     = "rsa"
	RSA1024 = "rsa1024" // too weak: for refusals
	Ed25519 = "ed25519"
)

// Leaf describes a certificate to issue. Zero times are an hour ago and
// ninety days on; an empty KeyType is ECDSA.
type Leaf struct {
	Names     []string
	NotBefore time.Time
	NotAfter  time.Time
	KeyType   string
}

// Issue returns a leaf certificate signed by ca, as the PEM of its chain
// (the leaf, then ca) and the PEM of its PKCS #8 private key.
func (ca *CA) Issue(l Leaf) (certPEM, keyPEM string) {
	ca.t.Helper()
	if l.NotBefore.IsZero() {
		l.NotBefore = time.Now().Add(-time.Hour)
	}
	if l.NotAfter.IsZero() {
		l.NotAfter = time.Now().Add(90 * 24 * time.Hour)
	}
	key := newKey(ca.t, l.KeyType)
	tmpl := &x509.Certificate{
		SerialNumber: serial(ca.t),
		NotBefore:    l.NotBefore,
		NotAfter:     l.NotAfter,
		DNSNames:     l.Names,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if len(l.Names) > 0 {
		tmpl.Subject.CommonName = l.Names[0]
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		ca.t.Fatal(err)
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		ca.t.Fatal(err)
	}
	return encode("CERTIFICATE", der) + ca.pem, encode("PRIVATE KEY", pk)
}

func newKey(t testing.TB, kind string) crypto.Signer {
	t.Helper()
	var (
		k   crypto.Signer
		err error
	)
	switch kind {
	case "", ECDSA:
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case RSA:
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	case RSA1024:
		k, err = rsa.GenerateKey(rand.Reader, 1024)
	case Ed25519:
		_, k, err = ed25519.GenerateKey(rand.Reader)
	default:
		t.Fatalf("certtest: unknown key type %q", kind)
	}
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func serial(t testing.TB) *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func encode(kind string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}))
}
