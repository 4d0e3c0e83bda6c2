package e2e

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"
)

// propagator makes changes through one node and times how long each other
// node takes to serve them. A change is a new body, {"v":N}, of the mock
// backend of a group's test environment, which applies at once
// (docs/admin-api.md): a node serves it as soon as its snapshot holds it.
type propagator struct {
	via    *server
	others []*server
	host   string
	group  string
	v      int
}

// newPropagator publishes the group the changes are made to, through via,
// and waits until every node of others serves it.
func newPropagator(t testing.TB, via *server, others []*server) *propagator {
	t.Helper()
	p := &propagator{via: via, others: others}
	p.group = via.publish(map[string]any{"name": "propagation"},
		map[string]any{"name": "v", "method": "GET", "path": "/v"}, "test",
		map[string]any{"type": "mock", "status": 200, "body": `{"v":0}`})
	p.host = p.group + "-test.localhost"
	for _, s := range others {
		if _, err := p.await(s, time.Now(), 60*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// change makes the next change through via and returns how long after
// via's answer each node of others served it.
func (p *propagator) change(t testing.TB) []time.Duration {
	t.Helper()
	p.v++
	p.via.mustCall(200, "PUT", "/v1/groups/"+p.group+"/backends/test",
		map[string]any{"type": "mock", "status": 200, "body": fmt.Sprintf(`{"v":%d}`, p.v)})
	return p.reached(t, time.Now())
}

// reached waits until every node of others serves the last change, which
// was answered at answered, and returns how long each took from then.
func (p *propagator) reached(t testing.TB, answered time.Time) []time.Duration {
	t.Helper()
	took := make([]time.Duration, len(p.others))
	errs := make([]error, len(p.others))
	var wg sync.WaitGroup
	for i, s := range p.others {
		wg.Go(func() { took[i], errs[i] = p.await(s, answered, 30*time.Second) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return took
}

// await polls s's data plane until it serves the last change, and returns
// the time from answered.
func (p *propagator) await(s *server, answered time.Time, limit time.Duration) (time.Duration, error) {
	want := fmt.Sprintf(`{"v":%d}`, p.v)
	var last string
	for {
		req, _ := http.NewRequest("GET", "http://"+s.data+"/v", nil)
		req.Host = p.host
		resp, err := s.client.Do(req)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 && string(b) == want {
				return time.Since(answered), nil
			}
			last = fmt.Sprintf("%d %s", resp.StatusCode, b)
		} else {
			last = err.Error()
		}
		if time.Since(answered) > limit {
			return 0, fmt.Errorf("node %s does not serve change %d (%s) after %v: it answers %s", s.data, p.v, want, limit, last)
		}
		time.Sleep(time.Millisecond)
	}
}

// distribution is the p50, p90, p99 and maximum of ds.
type distribution struct{ p50, p90, p99, max time.Duration }

func distributionOf(ds []time.Duration) distribution {
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(q float64) time.Duration { return s[min(len(s)-1, int(q*float64(len(s))))] }
	return distribution{at(0.5), at(0.9), at(0.99), s[len(s)-1]}
}

func (d distribution) String() string {
	r := func(x time.Duration) time.Duration { return x.Round(10 * time.Microsecond) }
	return fmt.Sprintf("p50 %v, p90 %v, p99 %v, max %v", r(d.p50), r(d.p90), r(d.p99), r(d.max))
}

// report records d as the benchmark's metrics, in milliseconds, each
// named for what and its quantile.
func (d distribution) report(b *testing.B, what string) {
	ms := func(x time.Duration) float64 { return float64(x) / float64(time.Millisecond) }
	b.ReportMetric(ms(d.p50), what+"-p50-ms")
	b.ReportMetric(ms(d.p90), what+"-p90-ms")
	b.ReportMetric(ms(d.p99), what+"-p99-ms")
	b.ReportMetric(ms(d.max), what+"-max-ms")
}
