package gateway

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/limit"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// lostDisk is a counter whose journal cannot be written: it counts, but
// Flush and Sync fail.
type lostDisk struct {
	limit.Counter
}

var errDisk = errors.New("disk gone")

func (lostDisk) Flush(context.Context) error { return errDisk }
func (lostDisk) Sync(context.Context) error  { return errDisk }

// TestSettleBeforeStatus checks that a streamed answer reaches the client
// only once the call is counted: with a counter that cannot make it
// survive a crash, the backend's 200 is dropped and the client gets
// INTERNAL; with one that can, the usage is there when the client reads
// the answer.
func TestSettleBeforeStatus(t *testing.T) {
	tests := []struct {
		name       string
		counter    func() limit.Counter
		wantStatus int
		wantBody   string
	}{
		{"counted", func() limit.Counter { return limit.NewMemory(limit.Options{}) }, 200, `{"ok":true}`},
		{"journal fails", func() limit.Counter { return lostDisk{limit.NewMemory(limit.Options{})} }, 500, `"INTERNAL"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var served atomic.Int64
			backend := backendFunc(t, func(w http.ResponseWriter, r *http.Request) {
				served.Add(1)
				io.WriteString(w, `{"ok":true}`)
			})
			ctr := tt.counter()
			h := newHarness(t, Config{Counter: ctr}, published(jd, model.EnvOnline, httpBackend(5000, backend),
				api("any", "GET", "/", model.MatchPrefix, "")))
			resp := h.get("g-abc123.localhost", "/x")
			if resp.StatusCode != tt.wantStatus || !strings.Contains(string(resp.body), tt.wantBody) {
				t.Fatalf("got %d %s, want %d with %s", resp.StatusCode, resp.body, tt.wantStatus, tt.wantBody)
			}
			if served.Load() != 1 {
				t.Errorf("backend served %d calls, want 1", served.Load())
			}
			if tt.wantStatus != 200 {
				return
			}
			now := time.Now() // the counter's own clock
			rows, err := ctr.Usage(context.Background(), "", now.Add(-2*time.Hour), now.Add(time.Hour))
			if err != nil || len(rows) != 1 || rows[0].Calls != 1 || rows[0].OK != 1 {
				t.Errorf("usage after the answer: %+v, %v; want one call, ok", rows, err)
			}
		})
	}
}
