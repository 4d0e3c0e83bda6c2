package model

import (
	"crypto"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"time"
)

// Bounds of a domain's certificate, in bytes of PEM.
const (
	MaxCertificateBytes = 64 << 10
	MaxPrivateKeyBytes  = 16 << 10
	// minRSABits is the smallest RSA key a domain's certificate may have.
	minRSABits = 2048
)

// ParseCertificate returns the TLS certificate of a domain from its PEM
// chain (leaf first) and PEM private key, after checking that the key is
// the leaf's and that the leaf covers domain (normalised), by a name of
// its own or a wildcard. Every refusal is errcode.ParamValueInvalid about
// "certificate" or "privateKey", saying what is wrong and never quoting
// the key. The data plane compiles stored certificates with it, so a
// certificate that has since expired still parses: CheckCertificateDates
// is the admin API's check.
func ParseCertificate(domain, certPEM, keyPEM string) (tls.Certificate, error) {
	switch {
	case len(certPEM) > MaxCertificateBytes:
		return tls.Certificate{}, invalid("certificate", "%d bytes, at most %d allowed", len(certPEM), MaxCertificateBytes)
	case len(keyPEM) > MaxPrivateKeyBytes:
		return tls.Certificate{}, invalid("privateKey", "%d bytes, at most %d allowed", len(keyPEM), MaxPrivateKeyBytes)
	}
	leaf, err := ParseLeaf(certPEM)
	if err != nil {
		return tls.Certificate{}, err
	}
	kb, _ := pem.Decode([]byte(keyPEM))
	if kb == nil || !strings.HasSuffix(kb.Type, "PRIVATE KEY") {
		// Said without the value: a key pasted into the wrong field
		// must not come back in an error message or a log.
		return tls.Certificate{}, invalid("privateKey", "not a PEM private key (-----BEGIN PRIVATE KEY-----)")
	}
	key, ok := parsePrivateKey(kb.Bytes)
	if !ok {
		return tls.Certificate{}, invalid("privateKey", "the private key does not parse (PKCS #8, PKCS #1 or SEC 1; RSA, ECDSA or Ed25519)")
	}
	if pub, ok := leaf.PublicKey.(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(key.Public()) {
		return tls.Certificate{}, invalid("privateKey", "the private key is not the certificate's")
	}
	if k, ok := leaf.PublicKey.(*rsa.PublicKey); ok && k.N.BitLen() < minRSABits {
		return tls.Certificate{}, invalid("certificate", "an RSA key of %d bits; at least %d are needed", k.N.BitLen(), minRSABits)
	}
	if err := leaf.VerifyHostname(domain); err != nil {
		return tls.Certificate{}, invalid("certificate", "it does not cover %s (it names %s)", domain, certNames(leaf))
	}
	c, err := tls.X509KeyPair([]byte(certPEM), []byte(keyPEM))
	if err != nil {
		// What is left: a later certificate of the chain that does not
		// decode. tls's errors quote no key material.
		return tls.Certificate{}, invalid("certificate", "the chain does not load: %v", err)
	}
	c.Leaf = leaf
	return c, nil
}

// ParseLeaf returns the first certificate of a PEM chain, the leaf a
// domain's certificate is judged by; one that does not parse is
// errcode.ParamValueInvalid about "certificate".
func ParseLeaf(certPEM string) (*x509.Certificate, error) {
	cb, _ := pem.Decode([]byte(certPEM))
	if cb == nil || cb.Type != "CERTIFICATE" {
		return nil, invalid("certificate", "not a PEM certificate (-----BEGIN CERTIFICATE-----)")
	}
	leaf, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, invalid("certificate", "the first certificate does not parse: %v", err)
	}
	return leaf, nil
}

// parsePrivateKey parses a DER private key in any of the encodings PEM
// files hold, as tls.X509KeyPair does.
func parsePrivateKey(der []byte) (crypto.Signer, bool) {
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		s, ok := k.(crypto.Signer)
		return s, ok
	}
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return k, true
	}
	if k, err := x509.ParseECPrivateKey(der); err == nil {
		return k, true
	}
	return nil, false
}

// CheckCertificateDates refuses a leaf certificate that has expired at
// now, so that a publisher does not install one that no client accepts.
// One not valid yet is accepted: it may be installed ahead of time.
func CheckCertificateDates(c *tls.Certificate, now time.Time) error {
	if c.Leaf != nil && now.After(c.Leaf.NotAfter) {
		return invalid("certificate", "it expired at %s", c.Leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	return nil
}

// certNames lists the names a certificate covers, for an error message.
func certNames(c *x509.Certificate) string {
	names := c.DNSNames
	if len(names) == 0 && c.Subject.CommonName != "" {
		names = []string{c.Subject.CommonName + " (common name only, which clients ignore)"}
	}
	if len(names) == 0 {
		return "no DNS name"
	}
	if len(names) > 5 {
		names = append(names[:5:5], "...")
	}
	return strings.Join(names, ", ")
}
