package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/app"
	"github.com/tollgate-gw/tollgate/internal/certtest"
	"github.com/tollgate-gw/tollgate/internal/dnstest"
)

// domainTLS writes the data listener's own certificate, for the base
// domain, issued by ca, and returns its files.
func domainTLS(t *testing.T, ca *certtest.CA, base string) (certFile, keyFile string) {
	t.Helper()
	cert, key := ca.Issue(certtest.Leaf{Names: []string{base, "*." + base}})
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, []byte(cert), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, []byte(key), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// tlsCall connects to addr with SNI serverName, verifying the
// certificate for it against pool unless insecure, and sends GET path
// with host. It returns the certificate presented and the answer.
func tlsCall(t *testing.T, addr, serverName, host, path string, pool *x509.CertPool, insecure bool) (*x509.Certificate, int, string, error) {
	t.Helper()
	var leaf *x509.Certificate
	tr := &http.Transport{DialTLSContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		d := tls.Dialer{Config: &tls.Config{ServerName: serverName, RootCAs: pool, InsecureSkipVerify: insecure}}
		c, err := d.DialContext(ctx, network, addr)
		if err == nil {
			leaf = c.(*tls.Conn).ConnectionState().PeerCertificates[0]
		}
		return c, err
	}}
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequest("GET", "https://"+addr+path, nil)
	req.Host = host
	resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return leaf, 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return leaf, resp.StatusCode, string(b), nil
}

// TestCustomDomainsEndToEnd runs a custom domain through the whole
// server: claimed with a certificate, refused until verified, verified
// against a DNS server of the test's own, served over TLS with its own
// certificate by SNI, its certificate replaced and served at the next
// handshake, its expiry exported, and unbound.
func TestCustomDomainsEndToEnd(t *testing.T) {
	const base = "gw.example.test"
	dns := dnstest.Start(t)
	ca := certtest.NewCA(t)
	certFile, keyFile := domainTLS(t, ca, base)
	s := start(t, app.Config{BaseDomain: base, TLSCert: certFile, TLSKey: keyFile, DNSResolver: dns.Addr})
	backend := echoBackend(t)
	id := s.publish(map[string]any{"name": "shop"}, map[string]any{"name": "hello", "method": "GET", "path": "/hello"},
		"online", map[string]any{"type": "http", "urls": []string{backend}})
	g := "/v1/groups/" + id

	cert, key := ca.Issue(certtest.Leaf{Names: []string{"api.shop.example"}, NotAfter: time.Now().Add(60 * 24 * time.Hour).Truncate(time.Second)})
	claim := s.mustCall(201, "POST", g+"/domains", map[string]any{"domain": "API.Shop.Example.", "environment": "online",
		"certificate": cert, "privateKey": key})
	path := g + "/domains/api.shop.example"

	// Claimed, not verified: refused, and the domain's certificate is not
	// presented.
	leaf, status, body, err := tlsCall(t, s.data, "api.shop.example", "api.shop.example", "/hello", ca.Pool(), true)
	if err != nil || status != 403 || !strings.Contains(body, "APIGATEWAY_DOMAIN_NO_RECORDED") {
		t.Fatalf("before verification: got %d %s, %v; want 403 APIGATEWAY_DOMAIN_NO_RECORDED", status, body, err)
	}
	if leaf.VerifyHostname("api.shop.example") == nil {
		t.Errorf("before verification the domain's own certificate was presented")
	}

	v := claim["verification"].(map[string]any)
	dns.SetTXT(v["name"].(string), v["value"].(string))
	if got := s.mustCall(200, "POST", path+"/verify", nil); got["status"] != "active" {
		t.Fatalf("verify: got %v", got)
	}
	leaf, status, body, err = tlsCall(t, s.data, "api.shop.example", "api.shop.example:443", "/hello", ca.Pool(), false)
	if err != nil || status != 200 || !strings.Contains(body, "/hello") {
		t.Fatalf("verified, over TLS with SNI: got %d %s, %v; want the API", status, body, err)
	}
	first := leaf.SerialNumber
	// The base domain still has the listener's certificate.
	if leaf, status, _, err := tlsCall(t, s.data, id+"."+base, id+"."+base, "/hello", ca.Pool(), false); err != nil || status != 200 || leaf.VerifyHostname("api.shop.example") == nil {
		t.Errorf("the base host: %d, %v", status, err)
	}
	// SNI of the domain, Host of the group's base host: refused.
	if _, status, body, _ := tlsCall(t, s.data, "api.shop.example", id+"."+base, "/hello", ca.Pool(), false); status != 404 || strings.Contains(body, "/hello") {
		t.Errorf("SNI of the domain, Host of the base host: got %d %s, want 404", status, body)
	}

	expiry := func() float64 {
		t.Helper()
		resp, err := http.Get(s.admin + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "tollgate_domain_certificate_expiry_timestamp_seconds{") && strings.Contains(line, `domain="api.shop.example"`) {
				f, _ := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
				return f
			}
		}
		return 0
	}
	if got, want := expiry(), float64(leaf.NotAfter.Unix()); got != want {
		t.Errorf("expiry metric: got %v, want %v", got, want)
	}

	// The hot swap: the next handshake gets the new certificate.
	cert2, key2 := ca.Issue(certtest.Leaf{Names: []string{"api.shop.example"}, NotAfter: time.Now().Add(400 * 24 * time.Hour).Truncate(time.Second)})
	got := s.mustCall(200, "PUT", path+"/certificate", map[string]any{"certificate": cert2, "privateKey": key2})
	leaf, status, _, err = tlsCall(t, s.data, "api.shop.example", "api.shop.example", "/hello", ca.Pool(), false)
	if err != nil || status != 200 || leaf.SerialNumber.Cmp(first) == 0 {
		t.Fatalf("after the certificate changed: serial %v (was %v), %d, %v", leaf.SerialNumber, first, status, err)
	}
	if ci := got["certificate"].(map[string]any); ci["notAfter"] != leaf.NotAfter.UTC().Format(time.RFC3339) {
		t.Errorf("the admin API shows notAfter %v, the listener presents %v", ci["notAfter"], leaf.NotAfter)
	}
	if got, want := expiry(), float64(leaf.NotAfter.Unix()); got != want {
		t.Errorf("expiry metric after the change: got %v, want %v", got, want)
	}

	s.mustCall(204, "DELETE", path, nil)
	if _, status, body, _ := tlsCall(t, s.data, "api.shop.example", "api.shop.example", "/hello", ca.Pool(), true); status != 404 || !strings.Contains(body, "APIGW_SERVICE_NOT_FOUND") {
		t.Errorf("after unbinding: got %d %s", status, body)
	}
	if got := expiry(); got != 0 {
		t.Errorf("after unbinding the expiry metric is still there: %v", got)
	}
}

// echoBackend is a backend answering each call with its path.
func echoBackend(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, r.URL.Path)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

// TestBinaryCustomDomainRecord runs the real binary with --dns-resolver
// and --require-domain-record: a verified domain serves, over TLS with its
// own certificate, only once the operator recorded it.
func TestBinaryCustomDomainRecord(t *testing.T) {
	const base = "gw.example.test"
	dns := dnstest.Start(t)
	ca := certtest.NewCA(t)
	certFile, keyFile := domainTLS(t, ca, base)
	dir := t.TempDir()
	p := serve(t, "--data", dir, "--base-domain", base, "--tls-cert", certFile, "--tls-key", keyFile,
		"--dns-resolver", dns.Addr, "--require-domain-record")
	token, err := os.ReadFile(filepath.Join(dir, "admin-token"))
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, token: strings.TrimSpace(string(token)), admin: "http://" + p.admin, data: p.data,
		client: &http.Client{Timeout: 10 * time.Second}}
	cert, key := ca.Issue(certtest.Leaf{Names: []string{"api.demo.example"}})
	claim := s.mustCall(201, "POST", "/v1/groups/demo/domains", map[string]any{"domain": "api.demo.example", "environment": "test",
		"certificate": cert, "privateKey": key})
	v := claim["verification"].(map[string]any)
	dns.SetTXT(v["name"].(string), v["value"].(string))
	if got := s.mustCall(200, "POST", "/v1/groups/demo/domains/api.demo.example/verify", nil); got["status"] != "unrecorded" {
		t.Fatalf("verified under --require-domain-record: got %v, want unrecorded", got)
	}
	if _, status, body, _ := tlsCall(t, p.data, "api.demo.example", "api.demo.example", "/hello", ca.Pool(), true); status != 403 || !strings.Contains(body, "APIGATEWAY_DOMAIN_NO_RECORDED") {
		t.Fatalf("verified, not recorded: got %d %s, want 403 APIGATEWAY_DOMAIN_NO_RECORDED", status, body)
	}
	s.mustCall(200, "PUT", "/v1/groups/demo/domains/api.demo.example/record", map[string]any{"recordNumber": "京ICP备12345678号-1"})
	leaf, status, body, err := tlsCall(t, p.data, "api.demo.example", "api.demo.example", "/hello", ca.Pool(), false)
	if err != nil || status != 200 || leaf.VerifyHostname("api.demo.example") != nil {
		t.Fatalf("recorded: got %d %s, %v; want the demo API with the domain's certificate", status, body, err)
	}
}
