package telemetry

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestDomainCertificates checks the expiry gauge: one series per
// certificate, read at each scrape, so that a change shows at the next.
func TestDomainCertificates(t *testing.T) {
	reg := prometheus.NewRegistry()
	certs := []DomainCertificate{
		{Domain: "api.shop.example", Group: "g-shop", Environment: "online", Serving: true, NotAfter: time.Unix(1800000000, 0)},
		{Domain: "pending.example", Group: "g-blog", Environment: "test", NotAfter: time.Unix(1700000000, 0)},
	}
	if err := WatchDomainCertificates(reg, func(fn func(DomainCertificate)) {
		for _, c := range certs {
			fn(c)
		}
	}); err != nil {
		t.Fatal(err)
	}
	want := `# HELP tollgate_domain_certificate_expiry_timestamp_seconds When the certificate of a custom domain expires, in Unix seconds; serving is false for a domain that does not serve yet, whose certificate no client gets.
# TYPE tollgate_domain_certificate_expiry_timestamp_seconds gauge
tollgate_domain_certificate_expiry_timestamp_seconds{domain="api.shop.example",environment="online",group="g-shop",serving="true"} 1.8e+09
tollgate_domain_certificate_expiry_timestamp_seconds{domain="pending.example",environment="test",group="g-blog",serving="false"} 1.7e+09
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
	certs[0].NotAfter = time.Unix(1900000000, 0)
	certs = certs[:1]
	want = strings.Replace(want, "1.8e+09", "1.9e+09", 1)
	want = want[:strings.LastIndex(strings.TrimSuffix(want, "\n"), "\n")+1]
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want)); err != nil {
		t.Errorf("after the change: %v", err)
	}
}
