package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/limit"
	"github.com/tollgate-gw/tollgate/internal/model"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// TestMarketRefusals: each refusal of the market and quota stages, with
// its code in each dialect (jdcloud, market, zenith, tencent) and one
// status in all of them. before calls succeed first.
func TestMarketRefusals(t *testing.T) {
	m := newMarketHarness(t, Config{}, nil)
	cases := []struct {
		name   string
		prefix string // "m-" sells plans, "s-" is suspended
		pin    string
		before int
		status int
		codes  [4]string // jdcloud, market, zenith, tencent
	}{
		{"not subscribed", "m-", "nosub", 0, 403, [4]string{"APIGW_API_NOT_ALLOWED", "10048", "1012", "4300"}},
		{"no balance", "m-", "broke", 0, 429, [4]string{"QUOTA_EXCEEDED", "10010", "1017", "4300"}},
		{"daily quota", "m-", "daily", 2, 429, [4]string{"QUOTA_EXCEEDED", "10040", "1018", "4400"}},
		{"call package used up", "m-", "pkg", 2, 429, [4]string{"QUOTA_EXCEEDED", "10048", "1017", "4400"}},
		{"plan QPS", "m-", "fast", 1, 429, [4]string{"RATE_LIMIT_EXCEEDED", "10043", "1016", "4400"}},
		{"suspended group", "s-", "free", 0, 403, [4]string{"APIGW_SERVICE_DISABLED", "10030", "1011", "4300"}},
		{"suspended before unsubscribed", "s-", "nosub", 0, 403, [4]string{"APIGW_SERVICE_DISABLED", "10030", "1011", "4300"}},
	}
	for _, c := range cases {
		for i, d := range marketDialects {
			gid := c.prefix + d.id
			for n := range c.before {
				if r := m.call(gid, c.pin, "/ok"); r.StatusCode != 200 {
					t.Fatalf("%s, %s: call %d: status %d %s", c.name, d.dialect, n+1, r.StatusCode, r.body)
				}
			}
			r := m.call(gid, c.pin, "/ok")
			if got, want := fmt.Sprint(r.StatusCode, " ", r.code()), fmt.Sprint(c.status, " ", c.codes[i]); got != want {
				t.Errorf("%s, %s: got %s, want %s (%s)", c.name, d.dialect, got, want, r.body)
			}
		}
	}
	// The market envelope of a refusal neither charges nor tells a remain.
	r := m.call("m-mk", "broke", "/ok")
	var w wrapped
	if err := json.Unmarshal(r.body, &w); err != nil || w.Charge || w.Remain != 0 || w.Result != nil {
		t.Errorf("market refusal envelope %s", r.body)
	}
	if got := m.balance("broke", brokeCredit); got != brokeCredit {
		t.Errorf("broke's balance %d after refusals, want %d", got, brokeCredit)
	}
}

// TestQuotaAuthorization: an authorization's quotas on a group that sells
// nothing, in jdcloud: the day's calls, then the total across days; a
// refusal for the day says when the next day starts, one for the total
// does not. An authorization without quotas has no limit.
func TestQuotaAuthorization(t *testing.T) {
	m := newMarketHarness(t, Config{}, nil)
	for i := range 3 {
		if r := m.call("a-jd", "quota", "/ok"); r.StatusCode != 200 {
			t.Fatalf("day 1, call %d: status %d %s", i+1, r.StatusCode, r.body)
		}
	}
	r := m.call("a-jd", "quota", "/ok")
	// The harness starts at 22:13:20 UTC; the next UTC midnight is
	// 6400 s away.
	if r.StatusCode != 429 || r.code() != "QUOTA_EXCEEDED" || header(r, "Retry-After") != 6400 {
		t.Fatalf("day 1, call 4: status %d, code %s, Retry-After %q", r.StatusCode, r.code(), r.Header.Get("Retry-After"))
	}
	m.clock.Advance(24 * time.Hour)
	for i := range 2 {
		if r := m.call("a-jd", "quota", "/ok"); r.StatusCode != 200 {
			t.Fatalf("day 2, call %d: status %d %s", i+1, r.StatusCode, r.body)
		}
	}
	r = m.call("a-jd", "quota", "/ok")
	if r.StatusCode != 429 || r.code() != "QUOTA_EXCEEDED" || r.Header.Get("Retry-After") != "" {
		t.Fatalf("day 2, call 3: status %d, code %s, Retry-After %q", r.StatusCode, r.code(), r.Header.Get("Retry-After"))
	}
	// The total's refusal gave the day's hold back.
	daily := limit.Quota{Key: limit.Key{Scope: "authz daily", ID: "authz-quota"}, Limit: 3, Period: limit.Daily(time.UTC)}
	if got := m.remaining(daily); got != 1 {
		t.Errorf("the day's calls left after a refusal by the total: %d, want 1", got)
	}
	if u := m.usage("quota", "a-jd"); u != (limit.Usage{Calls: 5, OK: 5}) {
		t.Errorf("usage %+v: refused calls are not counted", u)
	}
	rows, _ := m.ctr.Usage(context.Background(), "quota", time.Unix(0, 0), m.clock.Now().Add(time.Hour))
	for _, r := range rows {
		if r.UsageKey != (limit.UsageKey{AccessKey: "AK-quota", Pin: "quota", Group: "a-jd", API: "all", Env: "online"}) {
			t.Errorf("usage counted under %+v", r.UsageKey)
		}
	}
	for i := range 30 {
		if r := m.call("a-jd", "open", "/ok"); r.StatusCode != 200 {
			t.Fatalf("no quota, call %d: status %d", i+1, r.StatusCode)
		}
	}
}

// TestQuotaDailyReset: a daily quota starts afresh at the local midnight
// of the configured zone (here UTC+8), not at UTC midnight, for an
// authorization (jdcloud) and a subscription (market).
func TestQuotaDailyReset(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Skip(err)
	}
	for _, c := range []struct {
		gid, pin, code string
		daily          int
	}{
		{"a-jd", "quota", "QUOTA_EXCEEDED", 3},
		{"m-mk", "daily", "10040", 2},
	} {
		m := newMarketHarness(t, Config{}, shanghai)
		// 2023-11-14 22:13:20 UTC is 06:13:20 in Shanghai: the next local
		// midnight is 16:00 UTC, 64000 s away.
		start := m.clock.Now()
		midnight := time.Date(2023, 11, 16, 0, 0, 0, 0, shanghai)
		for i := range c.daily {
			if r := m.call(c.gid, c.pin, "/ok"); r.StatusCode != 200 {
				t.Fatalf("%s: call %d: status %d %s", c.gid, i+1, r.StatusCode, r.body)
			}
		}
		refused := func(when string, retry int64) {
			t.Helper()
			r := m.call(c.gid, c.pin, "/ok")
			if r.StatusCode != 429 || r.code() != c.code || header(r, "Retry-After") != retry {
				t.Fatalf("%s, %s: status %d, code %s, Retry-After %q; want 429 %s %d", c.gid, when,
					r.StatusCode, r.code(), r.Header.Get("Retry-After"), c.code, retry)
			}
		}
		refused("the same day", int64(midnight.Sub(start)/time.Second))
		m.clock.Advance(time.Date(2023, 11, 15, 0, 0, 0, 0, time.UTC).Sub(start))
		refused("past UTC midnight", int64(midnight.Sub(m.clock.Now())/time.Second))
		m.clock.Advance(midnight.Sub(m.clock.Now()) - time.Second)
		refused("a second before local midnight", 1)
		m.clock.Advance(time.Second)
		if r := m.call(c.gid, c.pin, "/ok"); r.StatusCode != 200 {
			t.Fatalf("%s: at local midnight: status %d %s", c.gid, r.StatusCode, r.body)
		}
	}
}

// TestQuotaConcurrent: 64 callers at once against a quota with Q calls
// left get exactly Q successes, whatever the quota: a call package, a
// balance, an authorization's total, a day's calls. The backend takes a
// while, so that every hold is open at the same time.
func TestQuotaConcurrent(t *testing.T) {
	const callers = 64
	cases := []struct {
		name, gid, pin string
		used           int // successful calls before
		left           int // Q
		code           string
	}{
		{"call package, market", "m-mk", "big", 3, 7, "10048"},
		{"pay per call, market", "m-mk", "tight", 4, 11, "10010"},
		{"pay per call, jdcloud", "m-jd", "tight", 0, 15, "QUOTA_EXCEEDED"},
		{"authorization total, jdcloud", "a-jd", "bulk", 5, 15, "QUOTA_EXCEEDED"},
		{"daily, tencent", "m-tc", "daily", 1, 1, "4400"},
	}
	for _, c := range cases {
		m := newMarketHarness(t, Config{}, nil)
		for i := range c.used {
			if r := m.call(c.gid, c.pin, "/ok"); r.StatusCode != 200 {
				t.Fatalf("%s: call %d: status %d %s", c.name, i+1, r.StatusCode, r.body)
			}
		}
		reqs := make([]*http.Request, callers)
		for i := range reqs {
			reqs[i] = m.req(c.gid, c.pin, "/slow")
		}
		okBefore := m.backend.OK.Load()
		var (
			mu    sync.Mutex
			got   = map[string]int{}
			wg    sync.WaitGroup
			start = make(chan struct{})
		)
		for _, req := range reqs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				resp, err := m.client.Do(req)
				outcome := ""
				if err != nil {
					outcome = err.Error()
				} else {
					r := readResponse(resp)
					outcome = fmt.Sprint(r.StatusCode)
					if r.StatusCode != 200 {
						outcome += " " + r.code()
					}
				}
				mu.Lock()
				got[outcome]++
				mu.Unlock()
			}()
		}
		close(start)
		wg.Wait()
		want := map[string]int{"200": c.left, "429 " + c.code: callers - c.left}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: got %v, want %v", c.name, got, want)
		}
		if n := m.backend.OK.Load() - okBefore; n != int64(c.left) {
			t.Errorf("%s: the backend answered %d calls, want %d", c.name, n, c.left)
		}
		m.waitServed(c.used + callers)
		if u := m.usage(c.pin, c.gid); u.OK != int64(c.used+c.left) || u.Calls != u.OK {
			t.Errorf("%s: usage %+v, want %d calls, all OK", c.name, u, c.used+c.left)
		}
	}
}

// TestMarketBilling: the backend fails every other call. The balance,
// the call package and the usage count only the successes; failures pass
// through unchanged and are never charged; each wrapped success tells
// whether it was charged and what is left.
func TestMarketBilling(t *testing.T) {
	const calls = 20
	cases := []struct {
		name, gid, pin string
		// remain is what the wrapped answer of the s-th success says.
		remain func(s int) int64
		charge bool
		// spent and packageLeft: the balance spent, the package left.
		spent, charged int64
		packageLeft    int64
	}{
		{"pay per call", "m-mk", "payer", func(s int) int64 { return int64(payerCredit/pricePerCall - s - 1) }, true, 10 * pricePerCall, 10 * pricePerCall, -1},
		{"pay per call, streamed", "m-jd", "payer", nil, true, 10 * pricePerCall, 10 * pricePerCall, -1},
		{"package", "m-mk", "big", func(s int) int64 { return int64(10 - s - 1) }, true, 0, 0, 1},
		{"free", "m-mk", "free", func(int) int64 { return -1 }, false, 0, 0, -1},
	}
	for _, c := range cases {
		m := newMarketHarness(t, Config{}, nil)
		m.backend.flaky.Store(0)
		n := calls
		if c.pin == "big" {
			n = 18 // 9 successes, of a package of 10
		}
		succeeded := 0
		for i := range n {
			r := m.call(c.gid, c.pin, "/flaky")
			if i%2 == 1 {
				if r.StatusCode != 500 || string(r.body) != `{"error":"flaky"}` {
					t.Fatalf("%s: call %d: status %d %s, want the backend's 500 unchanged", c.name, i+1, r.StatusCode, r.body)
				}
				continue
			}
			if r.StatusCode != 200 {
				t.Fatalf("%s: call %d: status %d %s", c.name, i+1, r.StatusCode, r.body)
			}
			if c.remain != nil {
				var w wrapped
				if err := json.Unmarshal(r.body, &w); err != nil {
					t.Fatalf("%s: call %d: %s: %v", c.name, i+1, r.body, err)
				}
				want := wrapped{Code: "10000", Charge: c.charge, Remain: c.remain(succeeded), Msg: "success",
					Result: map[string]any{"ok": true}, RequestID: r.Header.Get("X-Request-Id")}
				if fmt.Sprint(w) != fmt.Sprint(want) {
					t.Errorf("%s: success %d:\ngot  %+v\nwant %+v", c.name, succeeded+1, w, want)
				}
			}
			succeeded++
		}
		if succeeded != n/2 || m.backend.OK.Load() != int64(n/2) {
			t.Fatalf("%s: %d successes, the backend saw %d; want %d", c.name, succeeded, m.backend.OK.Load(), n/2)
		}
		if got := m.balance(c.pin, payerCredit); c.pin == "payer" && got != payerCredit-c.spent {
			t.Errorf("%s: balance %d, want %d", c.name, got, payerCredit-c.spent)
		}
		m.waitServed(n)
		want := limit.Usage{Calls: int64(n), OK: int64(n / 2), Charged: c.charged}
		if u := m.usage(c.pin, c.gid); u != want {
			t.Errorf("%s: usage %+v, want %+v", c.name, u, want)
		}
		if c.packageLeft >= 0 {
			if got := m.remaining(totalQuota(c.gid, c.pin, 10)); got != c.packageLeft {
				t.Errorf("%s: package left %d, want %d", c.name, got, c.packageLeft)
			}
			for range c.packageLeft {
				if r := m.call(c.gid, c.pin, "/ok"); r.StatusCode != 200 {
					t.Errorf("%s: what is left of the package: status %d %s", c.name, r.StatusCode, r.body)
				}
			}
			if r := m.call(c.gid, c.pin, "/ok"); r.StatusCode != 429 || r.code() != "10048" {
				t.Errorf("%s: past the package: status %d %s", c.name, r.StatusCode, r.body)
			}
		}
	}
}

// TestMarketFailureReleases: a call the backend fails leaves every quota
// and the balance as they were, in a streamed dialect and in the market
// one: the calls are all still there to succeed.
func TestMarketFailureReleases(t *testing.T) {
	for _, gid := range []string{"m-jd", "m-mk"} {
		m := newMarketHarness(t, Config{}, nil)
		for _, pin := range []string{"pkg", "daily", "tight", "quota"} {
			g := gid
			if pin == "quota" {
				g = "a-jd"
			}
			for i := range 3 {
				if r := m.call(g, pin, "/fail"); r.StatusCode != 500 {
					t.Fatalf("%s %s: failing call %d: status %d %s", g, pin, i+1, r.StatusCode, r.body)
				}
			}
			if pin == "tight" {
				if got := m.balance(pin, tightCredit); got != tightCredit {
					t.Errorf("%s %s: balance %d after failures, want %d", g, pin, got, tightCredit)
				}
				continue
			}
			for i := range 2 {
				if r := m.call(g, pin, "/ok"); r.StatusCode != 200 {
					t.Fatalf("%s %s: call %d after failures: status %d %s", g, pin, i+1, r.StatusCode, r.body)
				}
			}
		}
		if r := m.call(gid, "pkg", "/ok"); r.StatusCode != 429 {
			t.Errorf("%s pkg: the third call: status %d, want 429", gid, r.StatusCode)
		}
	}
}

// TestMarketLaterRefusalReleases: a call that holds its price and is then
// refused by a rate limit is not charged.
func TestMarketLaterRefusalReleases(t *testing.T) {
	m := newMarketHarness(t, Config{}, nil)
	m.bindPolicy(marketPubs(m.backend.URL), m.callers, model.Policy{ID: "pol-1", Name: "p", Unit: model.UnitMinute,
		APILimit: 100, UserLimit: 100, KeyLimit: 1}, "m-mk")
	if r := m.call("m-mk", "payer", "/ok"); r.StatusCode != 200 {
		t.Fatalf("call 1: status %d %s", r.StatusCode, r.body)
	}
	if r := m.call("m-mk", "payer", "/ok"); r.StatusCode != 429 || r.code() != "10043" {
		t.Fatalf("call 2: status %d %s, want 429 10043", r.StatusCode, r.body)
	}
	if got := m.balance("payer", payerCredit); got != payerCredit-pricePerCall {
		t.Errorf("balance %d, want %d: one call charged", got, payerCredit-pricePerCall)
	}
}

// TestMarketWrap: the market envelope around a JSON answer, a text one
// and an empty one, against golden files; the answer's headers describe
// the envelope, not the backend's body.
func TestMarketWrap(t *testing.T) {
	m := newMarketHarness(t, Config{}, nil)
	for _, c := range []struct {
		golden, pin, path string
		status            int
	}{
		{"market_json.golden", "big", "/ok", 200},
		{"market_text.golden", "free", "/text", 200},
		{"market_empty.golden", "payer", "/empty", 200}, // a 204 cannot carry the envelope
	} {
		req := m.req("m-mk", c.pin, c.path)
		req.Header.Set("X-Request-Id", "req-"+c.pin)
		r := m.do(req)
		if r.StatusCode != c.status {
			t.Fatalf("%s: status %d %s", c.path, r.StatusCode, r.body)
		}
		h := r.Header
		if h.Get("Content-Type") != "application/json; charset=utf-8" || h.Get("Etag") != "" ||
			h.Get("X-Backend") != "market" || h.Get("Content-Length") != fmt.Sprint(len(r.body)) {
			t.Errorf("%s: headers %v", c.path, h)
		}
		var w struct{ Result any }
		if err := json.Unmarshal(r.body, &w); err != nil {
			t.Errorf("%s: not JSON: %s", c.path, r.body)
		}
		if s, ok := w.Result.(string); c.path == "/text" && (!ok || s != textBody) {
			t.Errorf("%s: result %q, want %q", c.path, w.Result, textBody)
		}
		golden(t, c.golden, r.body)
	}
}

// TestMarketWrapCap: a 2xx answer longer than the cap is a BadGateway,
// not charged; one at the cap is wrapped; a non-2xx answer is not held,
// and other dialects stream whatever the length.
func TestMarketWrapCap(t *testing.T) {
	const limit = 1024
	m := newMarketHarness(t, Config{MaxWrappedBytes: limit}, nil)
	m.backend.Size = limit + 1
	r := m.call("m-mk", "payer", "/big")
	if r.StatusCode != 502 || r.code() != "11030" {
		t.Fatalf("past the cap: status %d %s", r.StatusCode, r.body)
	}
	if got := m.balance("payer", payerCredit); got != payerCredit {
		t.Errorf("balance %d after an answer past the cap, want %d", got, payerCredit)
	}
	if r := m.call("m-jd", "payer", "/big"); r.StatusCode != 200 || len(r.body) != limit+1 {
		t.Errorf("jdcloud, past the market cap: status %d, %d bytes", r.StatusCode, len(r.body))
	}
	m.backend.Size = limit
	r = m.call("m-mk", "payer", "/big")
	var w wrapped
	if r.StatusCode != 200 || json.Unmarshal(r.body, &w) != nil || !w.Charge || len(w.Result.(string)) != limit-2 {
		t.Errorf("at the cap: status %d, %.100s", r.StatusCode, r.body)
	}
	if got := m.balance("payer", payerCredit); got != payerCredit-2*pricePerCall {
		t.Errorf("balance %d, want %d: the jdcloud call and the one at the cap", got, payerCredit-2*pricePerCall)
	}
}

// textBody is what the market envelope carries of the backend's /text
// answer: all of it, but its invalid byte.
var textBody = strings.ToValidUTF8(marketText, "\uFFFD")

// golden compares got with testdata/name, or writes it there with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s:\ngot  %s\nwant %s", name, got, want)
	}
}

// readResponse reads resp whole, for goroutines that may not fail the
// test themselves.
func readResponse(resp *http.Response) response {
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return response{resp, b.Bytes()}
}
