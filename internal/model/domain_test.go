package model

import (
	"strings"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/certtest"
	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// TestNormalizeDomain checks that every spelling of one domain comes out
// as one name, so that spellings cannot claim it twice, and that what is
// no single host name is refused.
func TestNormalizeDomain(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"api.example.com", "api.example.com"},
		{"API.Example.COM", "api.example.com"},
		{"api.example.com.", "api.example.com"},
		{"  api.example.com ", "api.example.com"},
		{"Bücher.example", "xn--bcher-kva.example"},
		{"BÜCHER.example.", "xn--bcher-kva.example"},
		{"xn--bcher-kva.example", "xn--bcher-kva.example"},
		{"XN--BCHER-KVA.EXAMPLE", "xn--bcher-kva.example"},
		{"ａｐｉ.example.com", "api.example.com"}, // full-width letters
		{"例子.测试", "xn--fsqu00a.xn--0zwm56d"},
	}
	for _, tt := range tests {
		got, err := NormalizeDomain(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("NormalizeDomain(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	refused := []struct {
		in   string
		cond *errcode.Condition
	}{
		{"", errcode.ArgumentNotFound},
		{"*.example.com", errcode.ParamValueInvalid},
		{"*", errcode.ParamValueInvalid},
		{"a.*.example.com", errcode.ParamValueInvalid},
		{"localhost", errcode.ParamValueInvalid},
		{"com.", errcode.ParamValueInvalid},
		{"127.0.0.1", errcode.ParamValueInvalid},
		{"[::1]", errcode.ParamValueInvalid},
		{"::1", errcode.ParamValueInvalid},
		{"1.2.3.4.5", errcode.ParamValueInvalid},
		{"a_b.example.com", errcode.ParamValueInvalid},
		{"a b.example.com", errcode.ParamValueInvalid},
		{"a..example.com", errcode.ParamValueInvalid},
		{"api.example.com:8443", errcode.ParamValueInvalid},
		{"api.example.com/x", errcode.ParamValueInvalid},
		{"xn--zz.example", errcode.ParamValueInvalid},
		{strings.Repeat("a", 64) + ".example.com", errcode.ParamValueInvalid},
		{strings.Repeat("abcdefghi.", 26) + "com", errcode.ParamValueInvalid},
	}
	for _, tt := range refused {
		got, err := NormalizeDomain(tt.in)
		if !errcode.Has(err, tt.cond) {
			t.Errorf("NormalizeDomain(%q) = %q, %v; want %s", tt.in, got, err, tt.cond.Name)
		}
	}
}

func TestDomainUnder(t *testing.T) {
	tests := []struct {
		d, parent string
		want      bool
	}{
		{"gw.example", "gw.example", true},
		{"g-1.gw.example", "gw.example", true},
		{"a.b.gw.example", "gw.example", true},
		{"xgw.example", "gw.example", false},
		{"gw.example.com", "gw.example", false},
	}
	for _, tt := range tests {
		if got := DomainUnder(tt.d, tt.parent); got != tt.want {
			t.Errorf("DomainUnder(%q, %q) = %v, want %v", tt.d, tt.parent, got, tt.want)
		}
	}
}

func TestDomainStatus(t *testing.T) {
	at := time.Unix(1700000000, 0)
	tests := []struct {
		d             Domain
		requireRecord bool
		want          string
	}{
		{Domain{}, false, DomainUnverified},
		{Domain{RecordNumber: "ICP-1"}, true, DomainUnverified},
		{Domain{VerifiedAt: at}, false, DomainActive},
		{Domain{VerifiedAt: at}, true, DomainUnrecorded},
		{Domain{VerifiedAt: at, RecordNumber: "ICP-1"}, true, DomainActive},
	}
	for _, tt := range tests {
		if got := tt.d.Status(tt.requireRecord); got != tt.want {
			t.Errorf("%+v.Status(%v) = %q, want %q", tt.d, tt.requireRecord, got, tt.want)
		}
		if got := tt.d.Serving(tt.requireRecord); got != (tt.want == DomainActive) {
			t.Errorf("%+v.Serving(%v) = %v", tt.d, tt.requireRecord, got)
		}
	}
}

// TestParseCertificate checks that a certificate is taken only with its
// own key and for a domain it covers, and that each refusal says which
// field is wrong without quoting the key.
func TestParseCertificate(t *testing.T) {
	ca := certtest.NewCA(t)
	cert, key := ca.Issue(certtest.Leaf{Names: []string{"api.example.com"}})
	wild, wildKey := ca.Issue(certtest.Leaf{Names: []string{"*.example.com"}})
	rsaCert, rsaKey := ca.Issue(certtest.Leaf{Names: []string{"api.example.com"}, KeyType: certtest.RSA})
	edCert, edKey := ca.Issue(certtest.Leaf{Names: []string{"api.example.com"}, KeyType: certtest.Ed25519})
	weak, weakKey := ca.Issue(certtest.Leaf{Names: []string{"api.example.com"}, KeyType: certtest.RSA1024})
	_, otherKey := ca.Issue(certtest.Leaf{Names: []string{"api.example.com"}})
	expired, expiredKey := ca.Issue(certtest.Leaf{Names: []string{"api.example.com"},
		NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-24 * time.Hour)})

	for _, tt := range []struct{ name, domain, cert, key string }{
		{"ecdsa", "api.example.com", cert, key},
		{"rsa", "api.example.com", rsaCert, rsaKey},
		{"ed25519", "api.example.com", edCert, edKey},
		{"wildcard", "api.example.com", wild, wildKey},
		{"expired parses", "api.example.com", expired, expiredKey},
	} {
		c, err := ParseCertificate(tt.domain, tt.cert, tt.key)
		if err != nil || c.Leaf == nil || len(c.Certificate) != 2 {
			t.Errorf("%s: ParseCertificate = %v, leaf %v, chain %d; want the pair", tt.name, err, c.Leaf != nil, len(c.Certificate))
		}
	}
	refused := []struct {
		name, domain, cert, key, subject, detail string
	}{
		{"another domain", "www.example.org", cert, key, "certificate", "does not cover www.example.org (it names api.example.com)"},
		{"wildcard one level only", "a.api.example.com", wild, wildKey, "certificate", "does not cover"},
		{"another key", "api.example.com", cert, otherKey, "privateKey", "not the certificate's"},
		{"key and cert swapped", "api.example.com", key, cert, "certificate", "not a PEM certificate"},
		{"garbage cert", "api.example.com", "hello", key, "certificate", "not a PEM certificate"},
		{"garbage key", "api.example.com", cert, "-----BEGIN PRIVATE KEY-----\naGVsbG8=\n-----END PRIVATE KEY-----\n", "privateKey", "does not parse"},
		{"weak rsa", "api.example.com", weak, weakKey, "certificate", "1024 bits"},
		{"huge cert", "api.example.com", strings.Repeat("x", MaxCertificateBytes+1), key, "certificate", "bytes"},
	}
	for _, tt := range refused {
		_, err := ParseCertificate(tt.domain, tt.cert, tt.key)
		e := errcode.From(err)
		if e.Cond != errcode.ParamValueInvalid || e.Subject != tt.subject || !strings.Contains(e.Detail, tt.detail) {
			t.Errorf("%s: ParseCertificate = %v; want %s about %s saying %q", tt.name, err, errcode.ParamValueInvalid.Name, tt.subject, tt.detail)
		}
		if err != nil && (strings.Contains(err.Error(), "PRIVATE KEY-----\n") || strings.Contains(err.Error(), tt.key[min(len(tt.key), 40):min(len(tt.key), 80)])) {
			t.Errorf("%s: the error quotes the key: %v", tt.name, err)
		}
	}

	c, err := ParseCertificate("api.example.com", expired, expiredKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckCertificateDates(&c, time.Now()); !errcode.Has(err, errcode.ParamValueInvalid) || !strings.Contains(err.Error(), "expired") {
		t.Errorf("CheckCertificateDates(expired) = %v, want a refusal saying it expired", err)
	}
	c, _ = ParseCertificate("api.example.com", cert, key)
	if err := CheckCertificateDates(&c, time.Now()); err != nil {
		t.Errorf("CheckCertificateDates(valid) = %v", err)
	}
}
