package app

import (
	"crypto/tls"
	"net/http"
)

// dataProtocols returns the protocols of the data listener: HTTP/1.1,
// HTTP/2 over TLS (negotiated by ALPN when the listener has a
// certificate), and, when h2c is set, cleartext HTTP/2 with prior
// knowledge. The "Upgrade: h2c" dance of RFC 7540 is not offered (RFC
// 9113 deprecated it): a client that tries it is answered over HTTP/1.1.
func dataProtocols(h2c bool) *http.Protocols {
	p := new(http.Protocols)
	p.SetHTTP1(true)
	p.SetHTTP2(true)
	p.SetUnencryptedHTTP2(h2c)
	return p
}

// dataTLSConfig returns the data listener's TLS configuration: the
// certificate of the custom domain a client names, from domainCert
// (snapshot.Holder.GetCertificate), and cert for every other name;
// offering h2 before http/1.1 in ALPN: the server is given a listener
// that already speaks TLS, so it cannot add h2 itself.
func dataTLSConfig(cert tls.Certificate, domainCert func(*tls.ClientHelloInfo) (*tls.Certificate, error)) *tls.Config {
	return &tls.Config{
		Certificates:   []tls.Certificate{cert},
		GetCertificate: domainCert,
		MinVersion:     tls.VersionTLS12,
		NextProtos:     []string{"h2", "http/1.1"},
	}
}
