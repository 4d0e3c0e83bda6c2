package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/auth"
	"github.com/tollgate-gw/tollgate/internal/pgtest"
	"github.com/tollgate-gw/tollgate/internal/redistest"
)

// attach returns a server for the admin and data listeners of p, whose
// data directory is dir.
func attach(t testing.TB, p *process, dir string) *server {
	t.Helper()
	token, err := os.ReadFile(filepath.Join(dir, "admin-token"))
	if err != nil {
		t.Fatal(err)
	}
	return &server{t: t, token: strings.TrimSpace(string(token)), admin: "http://" + p.admin, data: p.data,
		client: &http.Client{Timeout: 10 * time.Second}}
}

// TestKill9KeepsUsageAndCharges runs the real binary under a load of
// signed, pay-per-call market calls, kills it with SIGKILL in the middle,
// starts it again on the same data directory and compares what it
// recorded with what the client and the backend saw.
//
// A call the client received as a success was recorded before it was
// answered, so the recorded usage holds every one of them. It can hold
// more: calls the backend answered while the client was still waiting
// when the process died, at most one per connection. So, with c
// connections: client successes <= recorded <= backend successes, and
// backend successes - recorded <= c. No system can do better without a
// two-phase commit with the backend: between the backend's answer and
// any write of the gateway there is an instant to die in.
func TestKill9KeepsUsageAndCharges(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the binary twice under load")
	}
	tests := []struct {
		name string
		// market: a pay-per-call market group whose answers are wrapped;
		// otherwise a jdcloud group whose answers stream, with a call
		// package on the key's authorization.
		market bool
		// cluster: the store in PostgreSQL and the counters in Redis,
		// money of record in the ledger (docs/cluster.md).
		cluster bool
	}{
		{"market pay-per-call", true, false},
		{"jdcloud with a quota", false, false},
		{"market pay-per-call, cluster", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { kill9(t, tt.market, tt.cluster) })
	}
}

func kill9(t *testing.T, market, cluster bool) {
	const (
		conns = 16
		price = 3 // minor units per call
		calls = 1500
	)
	var backendOK atomic.Int64
	backend := newCountingBackend(t, &backendOK)

	dir := t.TempDir()
	args := []string{"--data", dir, "--demo=false", "--access-log=false", "--default-api-qps=0"}
	credit := 1_000_000
	var redis *redistest.Server
	if cluster {
		redis = redistest.StartServer(t)
		args = append(args, "--store", pgtest.Start(t), "--counters", "redis://"+redis.Addr()+"/0")
		// Enough for the calls and a hundred more: what is left is
		// spent to the last call after Redis lost everything.
		credit = (calls + 100) * price
	}
	p := serve(t, args...)
	s := attach(t, p, dir)
	dialect := "jdcloud"
	if market {
		dialect = "market"
	}
	g := s.publish(
		map[string]any{"name": "weather", "authType": "signature", "dialect": dialect},
		map[string]any{"name": "now", "method": "GET", "path": "/now"},
		"online",
		map[string]any{"type": "http", "urls": []string{backend}},
	)
	s.mustCall(201, "POST", "/v1/accounts", map[string]any{"pin": "acme", "name": "Acme"})
	key := s.mustCall(201, "POST", "/v1/accounts/acme/keys", nil)
	ak, sk := key["accessKey"].(string), key["secretKey"].(string)
	if market {
		plan := s.mustCall(201, "POST", "/v1/groups/"+g+"/plans", map[string]any{
			"name": "per-call", "pricePerCall": price})["planId"].(string)
		s.mustCall(200, "PATCH", "/v1/accounts/acme", map[string]any{"realNameVerified": true})
		s.mustCall(201, "POST", "/v1/accounts/acme/recharge", map[string]any{"amount": credit})
		s.mustCall(201, "POST", "/v1/subscriptions", map[string]any{"pin": "acme", "planId": plan})
	} else {
		s.mustCall(201, "POST", "/v1/groups/"+g+"/authorizations", map[string]any{
			"environment": "online", "accessKey": ak, "totalCalls": 1_000_000})
	}
	succeeded := func(status int, body []byte) bool {
		if market {
			return status == 200 && strings.Contains(string(body), `"charge":true`)
		}
		return status == 200 && string(body) == `{"temp":21}`
	}
	var clientOK atomic.Int64
	var wg sync.WaitGroup
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	killed := make(chan struct{})
	// signed is a signed call of the API on the data listener data.
	signed := func(ctx context.Context, data string) *http.Request {
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+data+"/now", nil)
		req.Host = g + ".localhost"
		if err := (auth.JDCloud2{}).Sign(req, nil, auth.Signing{AccessKey: ak, Secret: []byte(sk),
			Time: time.Now(), Region: "cn-north-1", Service: "tollgate"}); err != nil {
			t.Fatal(err)
		}
		return req
	}
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 10 * time.Second}
			for ctx.Err() == nil {
				req := signed(ctx, p.data)
				resp, err := client.Do(req)
				if err != nil {
					select {
					case <-killed:
						return // the process is gone
					default:
						t.Errorf("call before the kill: %v", err)
						return
					}
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err == nil && succeeded(resp.StatusCode, body) {
					clientOK.Add(1)
				} else if err == nil {
					select {
					case <-killed:
					default:
						t.Errorf("call before the kill: %d %s", resp.StatusCode, body)
						return
					}
				}
			}
		}()
	}
	deadline := time.Now().Add(20 * time.Second)
	for clientOK.Load() < calls && time.Now().Before(deadline) && !t.Failed() {
		time.Sleep(5 * time.Millisecond)
	}
	close(killed)
	p.cmd.Process.Kill() // SIGKILL, in the middle of the load
	<-p.done
	stop()
	wg.Wait()
	if t.Failed() {
		return
	}
	if clientOK.Load() == 0 {
		t.Fatal("no call succeeded before the kill")
	}

	p2 := serve(t, args...)
	s2 := attach(t, p2, dir)
	day := time.Now().UTC().Format("2006-01-02")
	usage := s2.mustCall(200, "GET", fmt.Sprintf("/v1/usage?groupId=%s&from=%s&granularity=day", g, day), nil)
	var ok, charged int64
	for _, r := range usage["usage"].([]any) {
		row := r.(map[string]any)
		ok += int64(row["ok"].(float64))
		charged += int64(row["charged"].(float64))
	}
	c, b := clientOK.Load(), backendOK.Load()
	t.Logf("client successes %d, recorded %d, backend successes %d; charged %d", c, ok, b, charged)
	if ok < c || ok > b || b-ok > conns {
		t.Errorf("recorded usage %d: want from the client's %d to the backend's %d, at most %d below it", ok, c, b, conns)
	}
	if !market {
		// The call package counted what the usage did.
		return
	}
	bills := s2.mustCall(200, "GET", "/v1/accounts/acme/bills", nil)
	spent := int64(bills["spent"].(float64))
	t.Logf("spent %d", spent)
	if spent < c*price || spent > b*price {
		t.Errorf("spent %d: want from %d to %d", spent, c*price, b*price)
	}
	if charged != ok*price {
		t.Errorf("usage charged %d for %d successful calls at %d", charged, ok, price)
	}
	if !cluster {
		return
	}
	// Redis loses everything: the balance is rebuilt from the ledger,
	// not whole again. What is left of the credit pays for exactly its
	// calls, and the next is refused for want of balance.
	redis.Stop()
	redis.Restart()
	balance := int64(s2.mustCall(200, "GET", "/v1/accounts/acme/bills", nil)["balance"].(float64))
	client := &http.Client{Timeout: 10 * time.Second}
	var more int64
	for range balance/price + 5 {
		resp, err := client.Do(signed(context.Background(), p2.data))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 503 {
			// The node has not seen Redis back yet.
			time.Sleep(50 * time.Millisecond)
			continue
		}
		if !succeeded(resp.StatusCode, body) {
			if resp.StatusCode != 429 {
				t.Errorf("after the balance ran out: %d %s, want 429", resp.StatusCode, body)
			}
			break
		}
		more++
	}
	if more != balance/price {
		t.Errorf("after Redis restarted empty with a balance of %d: %d calls at %d charged, want %d", balance, more, price, balance/price)
	}
	if after := s2.mustCall(200, "GET", "/v1/accounts/acme/bills", nil)["balance"].(float64); int64(after) != balance-more*price {
		t.Errorf("balance %v after %d more calls, want %d", after, more, balance-more*price)
	}
}

// newCountingBackend starts a backend that answers JSON and counts, in
// sent, the answers it sent.
func newCountingBackend(t *testing.T, sent *atomic.Int64) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if _, err := io.WriteString(w, `{"temp":21}`); err == nil {
			http.NewResponseController(w).Flush()
			sent.Add(1)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
