package proxy

import (
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/proxy/proxytest"
)

// connLog is a ConnObserver that remembers what it was told.
type connLog struct {
	mu     sync.Mutex
	reused []bool
	waits  []time.Duration
}

func (l *connLog) ObserveConn(wait time.Duration, reused bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reused = append(l.reused, reused)
	l.waits = append(l.waits, wait)
}

// TestH1ConnObserver: an H1Transport's ConnObserver is told of every
// connection a call gets, in order: dialled for the first call, then
// reused from the pool while the backend keeps it open; a pooled
// connection the backend had closed is reused, fails, and the call is
// sent again on one dialled.
func TestH1ConnObserver(t *testing.T) {
	for _, tc := range []struct {
		name       string
		closeAfter bool
		want       []bool // reused, per connection got
	}{
		{"keep-alive", false, []bool{false, true, true}},
		{"backend closes after each answer", true, []bool{false, true, false, true, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url, _ := proxytest.Conversation(t, func(int, *http.Request, []byte) (string, bool) {
				return ok("fine"), tc.closeAfter
			})
			log := new(connLog)
			p := h1Pool(t, url, &H1Transport{ConnObserver: log}, time.Second)
			for i := range 3 {
				w, _, err := get(t, p, "GET", "/")
				if err != nil || w.Body.String() != "fine" {
					t.Fatalf("GET %d: %q, %v", i, w.Body.String(), err)
				}
				if tc.closeAfter {
					waitForFIN()
				}
			}
			log.mu.Lock()
			defer log.mu.Unlock()
			if !slices.Equal(log.reused, tc.want) {
				t.Errorf("reused per connection got: %v, want %v", log.reused, tc.want)
			}
			for i, w := range log.waits {
				if w < 0 {
					t.Errorf("wait %d: %v, want ≥ 0", i, w)
				}
			}
		})
	}
}
