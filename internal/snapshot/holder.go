package snapshot

import (
	"crypto/tls"
	"sync"
	"sync/atomic"

	"github.com/tollgate-gw/tollgate/internal/model"
)

// Holder holds the snapshot being served. Load is a single atomic read;
// a request loads once and keeps what it got, so a swap never disturbs a
// request in flight. The zero Holder holds nothing.
type Holder struct {
	cur atomic.Pointer[Snapshot]
	mu  sync.Mutex // serialises Update, so each compiles from the latest
}

// Load returns the current snapshot, or nil before the first Store.
func (h *Holder) Load() *Snapshot { return h.cur.Load() }

// Store makes s the current snapshot.
func (h *Holder) Store(s *Snapshot) { h.cur.Store(s) }

// Update compiles pubs and callers with o, reusing the current snapshot's
// pools, and stores the result. On error the current snapshot stays.
func (h *Holder) Update(o Options, pubs []model.Published, callers model.Callers) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	s, err := o.Compile(h.Load(), pubs, callers)
	if err != nil {
		return err
	}
	h.Store(s)
	return nil
}

// GetCertificate is tls.Config.GetCertificate for a listener that serves
// the held snapshots: the certificate of the custom domain the client
// names, from the snapshot current at the handshake; nil, for the
// listener's own certificate, otherwise (see Snapshot.Certificate). A
// certificate changed in the store reaches the next handshake with the
// snapshot that holds it, with no restart.
func (h *Holder) GetCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	return h.Load().Certificate(hello.ServerName), nil
}
