package gateway

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/certtest"
	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/snapshot"
)

// domainPubs are two groups: g-shop (market dialect, online deployed with
// a mock), g-blog (tencent, test deployed); both known in every
// environment.
func domainPubs() []model.Published {
	shop := group("g-shop", errcode.DialectMarket, errcode.English)
	blog := group("g-blog", errcode.DialectTencent, errcode.English)
	mock := func(body string) *model.Backend {
		return &model.Backend{Type: model.BackendMock, Status: 200, Body: body}
	}
	return []model.Published{
		published(shop, model.EnvOnline, mock("shop online"), api("x", "GET", "/x", model.MatchAbsolute, "")),
		{Group: shop, Environment: model.EnvTest},
		{Group: shop, Environment: model.EnvPreview},
		published(blog, model.EnvTest, mock("blog test"), api("x", "GET", "/x", model.MatchAbsolute, "")),
		{Group: blog, Environment: model.EnvOnline},
		{Group: blog, Environment: model.EnvPreview},
	}
}

var verifiedAt = time.Unix(1700000000, 0)

// TestCustomDomainRouting checks that a verified domain is routed like
// its group's host under the base domain, whatever the spelling of the
// Host header, and that one that does not serve yet is refused with
// DomainNotRecorded in its group's dialect, never reaching the API.
func TestCustomDomainRouting(t *testing.T) {
	h := newHarness(t, Config{}, domainPubs()...)
	h.opts.Domains = []model.Domain{
		{Domain: "api.shop.example", GroupID: "g-shop", Environment: model.EnvOnline, VerifiedAt: verifiedAt},
		{Domain: "pending.shop.example", GroupID: "g-shop", Environment: model.EnvOnline},
		{Domain: "pending.blog.example", GroupID: "g-blog", Environment: model.EnvTest},
		{Domain: "staging.shop.example", GroupID: "g-shop", Environment: model.EnvTest, VerifiedAt: verifiedAt},
		{Domain: "blog.example", GroupID: "g-blog", Environment: model.EnvTest, VerifiedAt: verifiedAt},
	}
	if err := h.holder.Update(h.opts, domainPubs(), model.Callers{}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		host   string
		status int
		body   string
	}{
		{"g-shop.localhost", 200, "shop online"},
		{"api.shop.example", 200, "shop online"},
		{"API.Shop.EXAMPLE", 200, "shop online"},
		{"api.shop.example.", 200, "shop online"},
		{"api.shop.example:8080", 200, "shop online"}, // a Host with a port
		{"blog.example", 200, "blog test"},
		// Not verified: the group's dialect (market 10030, tencent 4300),
		// never its API.
		{"pending.shop.example", 403, `"code":"10030"`},
		{"pending.shop.example:443", 403, `"code":"10030"`},
		{"pending.blog.example", 403, `"code":4300`},
		// Verified, but the environment serves nothing.
		{"staging.shop.example", 404, `"code":"10003"`},
		{"nobody.example", 404, "APIGW_SERVICE_NOT_FOUND"},
		{"x.api.shop.example", 404, "APIGW_SERVICE_NOT_FOUND"},
	}
	for _, tt := range tests {
		resp := h.get(tt.host, "/x")
		if resp.StatusCode != tt.status || !strings.Contains(string(resp.body), tt.body) {
			t.Errorf("Host %s: got %d %s, want %d with %s", tt.host, resp.StatusCode, resp.body, tt.status, tt.body)
		}
	}
	// The jdcloud dialect names the code itself.
	h.opts.Domains[1].GroupID = "g-jd"
	jd := group("g-jd", errcode.DialectJDCloud, errcode.English)
	pubs := append(domainPubs(), model.Published{Group: jd, Environment: model.EnvOnline})
	if err := h.holder.Update(h.opts, pubs, model.Callers{}); err != nil {
		t.Fatal(err)
	}
	resp := h.get("pending.shop.example", "/x")
	if e := resp.envelope(t); resp.StatusCode != 403 || e.Error.Status != "APIGATEWAY_DOMAIN_NO_RECORDED" ||
		!strings.Contains(e.Error.Message, "pending.shop.example") {
		t.Errorf("an unverified domain of a jdcloud group: got %d %s", resp.StatusCode, resp.body)
	}
}

// TestCustomDomainNeedsRecord checks that under a filing requirement a
// verified domain still refuses until the operator recorded it.
func TestCustomDomainNeedsRecord(t *testing.T) {
	h := newHarness(t, Config{}, domainPubs()...)
	h.opts.RequireDomainRecord = true
	h.opts.Domains = []model.Domain{{Domain: "api.shop.example", GroupID: "g-shop", Environment: model.EnvOnline, VerifiedAt: verifiedAt}}
	if err := h.holder.Update(h.opts, domainPubs(), model.Callers{}); err != nil {
		t.Fatal(err)
	}
	if resp := h.get("api.shop.example", "/x"); resp.StatusCode != 403 || !strings.Contains(string(resp.body), `"code":"10030"`) {
		t.Errorf("verified, not recorded: got %d %s, want 403 10030", resp.StatusCode, resp.body)
	}
	h.opts.Domains[0].RecordNumber = "京ICP备12345678号-1"
	if err := h.holder.Update(h.opts, domainPubs(), model.Callers{}); err != nil {
		t.Fatal(err)
	}
	if resp := h.get("api.shop.example", "/x"); resp.StatusCode != 200 {
		t.Errorf("verified and recorded: got %d %s, want the API", resp.StatusCode, resp.body)
	}
}

// tlsGateway is a gateway behind a real TLS listener whose certificates
// come from the snapshot (Holder.GetCertificate), with a default
// certificate for the base domain, all issued by ca.
type tlsGateway struct {
	t      *testing.T
	ca     *certtest.CA
	holder *snapshot.Holder
	opts   snapshot.Options
	addr   string
}

func newTLSGateway(t *testing.T) *tlsGateway {
	t.Helper()
	g := &tlsGateway{t: t, ca: certtest.NewCA(t), holder: new(snapshot.Holder)}
	certPEM, keyPEM := g.ca.Issue(certtest.Leaf{Names: []string{"localhost", "*.localhost"}})
	def, err := tls.X509KeyPair([]byte(certPEM), []byte(keyPEM))
	if err != nil {
		t.Fatal(err)
	}
	if err := g.holder.Update(g.opts, domainPubs(), model.Callers{}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(New(Config{Snapshots: g.holder}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{def}, GetCertificate: g.holder.GetCertificate}
	// The handshakes a test expects to fail would log.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	g.addr = srv.Listener.Addr().String()
	return g
}

// setDomains compiles the snapshot with ds.
func (g *tlsGateway) setDomains(ds ...model.Domain) {
	g.t.Helper()
	g.opts.Domains = ds
	if err := g.holder.Update(g.opts, domainPubs(), model.Callers{}); err != nil {
		g.t.Fatal(err)
	}
}

// call connects with SNI serverName (none when ""), verifying the
// certificate for it against the CA unless insecure, and sends GET /x
// with host. It returns the leaf the server presented and the answer.
func (g *tlsGateway) call(serverName, host string, insecure bool) (*x509.Certificate, int, string, error) {
	g.t.Helper()
	cfg := &tls.Config{ServerName: serverName, RootCAs: g.ca.Pool(), InsecureSkipVerify: insecure}
	var leaf *x509.Certificate
	tr := &http.Transport{
		DialTLSContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			c, err := (&tls.Dialer{Config: cfg}).DialContext(ctx, network, g.addr)
			if err == nil {
				leaf = c.(*tls.Conn).ConnectionState().PeerCertificates[0]
			}
			return c, err
		},
	}
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequest("GET", "https://"+g.addr+"/x", nil)
	req.Host = host
	resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return leaf, 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return leaf, resp.StatusCode, string(b), nil
}

// TestCustomDomainCertificates checks with a real TLS client that each
// custom domain gets its own certificate by SNI, verified as a client
// verifies it; that a changed certificate reaches the next handshake; and
// that a domain that does not serve gets none of its own.
func TestCustomDomainCertificates(t *testing.T) {
	g := newTLSGateway(t)
	shopCert, shopKey := g.ca.Issue(certtest.Leaf{Names: []string{"api.shop.example"}})
	blogCert, blogKey := g.ca.Issue(certtest.Leaf{Names: []string{"blog.example"}, KeyType: certtest.RSA})
	pendCert, pendKey := g.ca.Issue(certtest.Leaf{Names: []string{"pending.shop.example"}})
	g.setDomains(
		model.Domain{Domain: "api.shop.example", GroupID: "g-shop", Environment: model.EnvOnline, VerifiedAt: verifiedAt, Certificate: shopCert, PrivateKey: shopKey},
		model.Domain{Domain: "blog.example", GroupID: "g-blog", Environment: model.EnvTest, VerifiedAt: verifiedAt, Certificate: blogCert, PrivateKey: blogKey},
		model.Domain{Domain: "pending.shop.example", GroupID: "g-shop", Environment: model.EnvOnline, Certificate: pendCert, PrivateKey: pendKey},
	)
	for _, tt := range []struct{ name, body string }{
		{"api.shop.example", "shop online"},
		{"blog.example", "blog test"},
		{"g-shop.localhost", "shop online"},
	} {
		leaf, status, body, err := g.call(tt.name, tt.name, false)
		if err != nil || status != 200 || !strings.Contains(body, tt.body) {
			t.Errorf("%s: got %d %q, %v; want 200 %q over a verified connection", tt.name, status, body, err, tt.body)
			continue
		}
		if err := leaf.VerifyHostname(tt.name); err != nil {
			t.Errorf("%s: presented %v: %v", tt.name, leaf.DNSNames, err)
		}
	}
	// A domain that does not serve has no certificate of its own: the
	// listener's does not cover it, so a verifying client stops.
	if _, _, _, err := g.call("pending.shop.example", "pending.shop.example", false); err == nil {
		t.Errorf("pending.shop.example: a verifying client got through; want the listener's certificate, not the domain's")
	}
	leaf, status, body, _ := g.call("pending.shop.example", "pending.shop.example", true)
	if slicesContain(leaf.DNSNames, "pending.shop.example") || status != 403 || !strings.Contains(body, `"code":"10030"`) {
		t.Errorf("pending.shop.example: presented %v, got %d %s; want the listener's certificate and 403 10030", leaf.DNSNames, status, body)
	}

	// The hot swap: a new certificate reaches the next handshake.
	before, _, _, _ := g.call("api.shop.example", "api.shop.example", false)
	newCert, newKey := g.ca.Issue(certtest.Leaf{Names: []string{"api.shop.example"}, NotAfter: time.Now().Add(400 * 24 * time.Hour)})
	g.setDomains(model.Domain{Domain: "api.shop.example", GroupID: "g-shop", Environment: model.EnvOnline, VerifiedAt: verifiedAt, Certificate: newCert, PrivateKey: newKey})
	after, status, _, err := g.call("api.shop.example", "api.shop.example", false)
	if err != nil || status != 200 || after.SerialNumber.Cmp(before.SerialNumber) == 0 || !after.NotAfter.After(before.NotAfter) {
		t.Errorf("after the change: serial %v (was %v), %d, %v; want the new certificate", after.SerialNumber, before.SerialNumber, status, err)
	}
	// And a removed one is no longer presented.
	g.setDomains(model.Domain{Domain: "api.shop.example", GroupID: "g-shop", Environment: model.EnvOnline, VerifiedAt: verifiedAt})
	if leaf, _, _, _ := g.call("api.shop.example", "api.shop.example", true); slicesContain(leaf.DNSNames, "api.shop.example") {
		t.Errorf("a removed certificate is still presented")
	}
}

// TestServerNameMustBeHost checks the attacks on a TLS connection that
// mix names: a client that verified domain A's certificate (or a base
// host's, or none) must not be served domain B, nor A be served to a
// connection opened for another name.
func TestServerNameMustBeHost(t *testing.T) {
	g := newTLSGateway(t)
	shopCert, shopKey := g.ca.Issue(certtest.Leaf{Names: []string{"api.shop.example"}})
	blogCert, blogKey := g.ca.Issue(certtest.Leaf{Names: []string{"blog.example"}})
	g.setDomains(
		model.Domain{Domain: "api.shop.example", GroupID: "g-shop", Environment: model.EnvOnline, VerifiedAt: verifiedAt, Certificate: shopCert, PrivateKey: shopKey},
		model.Domain{Domain: "blog.example", GroupID: "g-blog", Environment: model.EnvTest, VerifiedAt: verifiedAt, Certificate: blogCert, PrivateKey: blogKey},
	)
	tests := []struct {
		what, sni, host string
		status          int
	}{
		{"SNI of domain A, Host of domain B", "api.shop.example", "blog.example", 404},
		{"SNI of domain A, Host of B's base host", "api.shop.example", "g-blog-test.localhost", 404},
		{"SNI of a base host, Host of a domain", "g-blog-test.localhost", "api.shop.example", 404},
		{"no SNI, Host of a domain", "", "api.shop.example", 404},
		{"SNI and Host of one domain, spelled apart", "API.shop.example", "api.shop.example:443", 200},
		{"SNI of one base host, Host of another (as before domains)", "g-shop.localhost", "g-blog-test.localhost", 200},
	}
	for _, tt := range tests {
		_, status, body, err := g.call(tt.sni, tt.host, true)
		if err != nil || status != tt.status {
			t.Errorf("%s: got %d %s, %v; want %d", tt.what, status, body, err, tt.status)
			continue
		}
		if status == 404 && (!strings.Contains(body, "is not the TLS server name") || strings.Contains(body, "blog test") || strings.Contains(body, "shop online")) {
			t.Errorf("%s: got %s; want ServiceNotFound and no API", tt.what, body)
		}
	}
}

func slicesContain(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
