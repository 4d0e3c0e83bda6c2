package telemetry

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// DomainCertificate is a custom domain's certificate, as its metric
// reports it.
type DomainCertificate struct {
	Domain, Group, Environment string
	// Serving reports that the domain serves, and so presents the
	// certificate to TLS clients.
	Serving  bool
	NotAfter time.Time
}

var domainCertExpiry = prometheus.NewDesc("tollgate_domain_certificate_expiry_timestamp_seconds",
	"When the certificate of a custom domain expires, in Unix seconds; serving is false for a domain that does not serve yet, whose certificate no client gets.",
	[]string{"domain", "group", "environment", "serving"}, nil)

// WatchDomainCertificates registers with reg the gauge
//
//	tollgate_domain_certificate_expiry_timestamp_seconds{domain, group, environment, serving}
//
// read at each scrape from each, which calls its argument with every
// certificate of the configuration being served: a changed certificate
// shows at the next scrape, and an alert is
// `tollgate_domain_certificate_expiry_timestamp_seconds - time() < 14*86400`.
func WatchDomainCertificates(reg prometheus.Registerer, each func(func(DomainCertificate))) error {
	return reg.Register(certCollector(each))
}

type certCollector func(func(DomainCertificate))

func (c certCollector) Describe(ch chan<- *prometheus.Desc) { ch <- domainCertExpiry }

func (c certCollector) Collect(ch chan<- prometheus.Metric) {
	c(func(d DomainCertificate) {
		serving := "false"
		if d.Serving {
			serving = "true"
		}
		ch <- prometheus.MustNewConstMetric(domainCertExpiry, prometheus.GaugeValue,
			float64(d.NotAfter.Unix()), d.Domain, d.Group, d.Environment, serving)
	})
}
