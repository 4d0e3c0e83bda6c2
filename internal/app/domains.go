package app

import (
	"net"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tollgate-gw/tollgate/internal/snapshot"
	"github.com/tollgate-gw/tollgate/internal/telemetry"
)

// watchDomainCertificates exports the expiry of every custom domain's
// certificate in the snapshot being served, read at each scrape.
func watchDomainCertificates(reg prometheus.Registerer, h *snapshot.Holder) error {
	return telemetry.WatchDomainCertificates(reg, func(fn func(telemetry.DomainCertificate)) {
		h.Load().Domains(func(d *snapshot.Domain) {
			if d.Certificate != nil {
				fn(telemetry.DomainCertificate{Domain: d.Name, Group: d.Group, Environment: string(d.Environment),
					Serving: d.Serving, NotAfter: d.NotAfter})
			}
		})
	})
}

// listenHost returns the host of a listen address ("" for all
// interfaces), which no tenant may claim as a custom domain when it is a
// name.
func listenHost(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	return host
}
