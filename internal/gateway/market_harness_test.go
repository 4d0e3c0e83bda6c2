package gateway

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/limit"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/snapshot"
)

// The market fixture: one group per dialect that sells plans, one per
// dialect that its publisher suspended, and one jdcloud group whose
// authorizations carry quotas, all behind one marketBackend.
//
//	host              dialect  auth       sells plans
//	m-jd.localhost    jdcloud  JDCLOUD2   yes
//	m-mk.localhost    market   APPKEY     yes
//	m-zn.localhost    zenith   ZENITH     yes
//	m-tc.localhost    tencent  TC3        yes
//	s-*.localhost     as m-*, suspended
//	a-jd.localhost    jdcloud  JDCLOUD2   no: authorizations with quotas
//
// Each pin has a signature key "AK-"+pin and an app key "APP-"+pin, and on
// every m- group the subscription its name says:
//
//	payer   pay per call, 10 a call, credit 1000
//	broke   pay per call, 10 a call, credit 5
//	daily   free, 2 calls a day
//	pkg     a package of 2 calls at 5 each
//	big     a package of 10 calls at 5 each
//	free    free, no limit
//	fast    free, 1 call a second
//	tight   pay per call, 10 a call, credit 150
//	nosub   none
//
// On a-jd, pin "quota" is authorized with 3 calls a day and 5 in all, pin
// "bulk" with 20 in all, and pin "open" with no quota.
var marketDialects = []struct {
	id      string
	dialect errcode.Dialect
	scheme  string
}{
	{"jd", errcode.DialectJDCloud, model.SchemeJDCloud2},
	{"mk", errcode.DialectMarket, model.SchemeAppKey},
	{"zn", errcode.DialectZenith, model.SchemeZenith},
	{"tc", errcode.DialectTencent, model.SchemeTC3},
}

// Prices and credits of the fixture, in minor units.
const (
	pricePerCall = 10
	payerCredit  = 1000
	brokeCredit  = 5
	tightCredit  = 150
	packagePrice = 5
)

var marketPins = []string{"payer", "broke", "daily", "pkg", "big", "free", "fast", "tight", "nosub", "quota", "bulk", "open"}

func marketPubs(backend string) []model.Published {
	apis := []model.API{api("all", "ANY", "/", model.MatchPrefix, "")}
	var pubs []model.Published
	for _, d := range marketDialects {
		for _, prefix := range []string{"m-", "s-"} {
			g := group(prefix+d.id, d.dialect, errcode.English)
			g.AuthType, g.Schemes = model.AuthSignature, []string{d.scheme}
			if d.scheme == model.SchemeAppKey {
				g.AuthType = model.AuthAppKey
			}
			if prefix == "s-" {
				g.Status = model.GroupSuspended
			}
			pubs = append(pubs, published(g, model.EnvOnline, httpBackend(2000, backend), apis...))
		}
	}
	g := group("a-jd", errcode.DialectJDCloud, errcode.English)
	g.AuthType, g.Schemes = model.AuthSignature, []string{model.SchemeJDCloud2}
	return append(pubs, published(g, model.EnvOnline, httpBackend(2000, backend), apis...))
}

func marketCallers() model.Callers {
	var c model.Callers
	for _, pin := range marketPins {
		c.Accounts = append(c.Accounts, model.Account{Pin: pin, Status: model.AccountActive})
		c.Keys = append(c.Keys,
			model.Key{AccessKey: "AK-" + pin, Pin: pin, Kind: model.KeySignature, Enabled: true, Secret: []byte(secretOf("AK-" + pin))},
			model.Key{AccessKey: "APP-" + pin, Pin: pin, Kind: model.KeyAppKey, Enabled: true, Secret: []byte(secretOf("APP-" + pin))})
	}
	terms := map[string]model.Plan{
		"payer": {PricePerCall: pricePerCall},
		"broke": {PricePerCall: pricePerCall},
		"daily": {DailyLimit: 2},
		"pkg":   {PricePerCall: packagePrice, TotalCalls: 2},
		"big":   {PricePerCall: packagePrice, TotalCalls: 10},
		"free":  {},
		"fast":  {QPS: 1},
		"tight": {PricePerCall: pricePerCall},
	}
	for _, d := range marketDialects {
		for _, gid := range []string{"m-" + d.id, "s-" + d.id} {
			for _, pin := range marketPins {
				p, ok := terms[pin]
				if !ok {
					continue
				}
				p.ID, p.GroupID, p.Name = gid+"-"+pin, gid, pin
				c.Market.Plans = append(c.Market.Plans, p)
				s := p.Terms(pin)
				s.ID = "sub-" + gid + "-" + pin
				c.Market.Subscriptions = append(c.Market.Subscriptions, s)
			}
		}
	}
	c.Market.Credits = map[string]model.Money{"payer": payerCredit, "broke": brokeCredit, "tight": tightCredit}
	c.Authorizations = []model.Authorization{
		{ID: "authz-quota", GroupID: "a-jd", Environment: model.EnvOnline, Pin: "quota", DailyLimit: 3, TotalCalls: 5},
		{ID: "authz-bulk", GroupID: "a-jd", Environment: model.EnvOnline, Pin: "bulk", TotalCalls: 20},
		{ID: "authz-open", GroupID: "a-jd", Environment: model.EnvOnline, Pin: "open"},
	}
	return c
}

// marketText is the backend's answer that is not JSON.
const marketText = "a \"quoted\" line\nand <html> & \\ \t tab, \u2028, 北京, bad \xff byte\n"

// marketBackend answers by path:
//
//	/ok      200, a JSON object
//	/text    200, text that is not JSON
//	/empty   204, nothing
//	/flaky   200 (JSON) and 500 in turn, starting with 200
//	/fail    500, a JSON error
//	/big     200, Size bytes of JSON
//	/slow    200 after Delay
//
// and counts the 2xx answers it gave.
type marketBackend struct {
	*httptest.Server
	OK    atomic.Int64
	flaky atomic.Int64
	Size  int
	Delay time.Duration
}

func newMarketBackend(t testing.TB) *marketBackend {
	b := &marketBackend{Size: 4096, Delay: 20 * time.Millisecond}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Backend", "market")
		status := 200
		switch r.URL.Path {
		case "/ok":
			h.Set("Content-Type", "application/json")
			h.Set("Etag", `"v1"`)
			io.WriteString(w, "{\"city\": \"北京\", \"temp\": 21.5, \"tags\": [\"a\", \"b\"]}\n")
		case "/text":
			h.Set("Content-Type", "text/plain; charset=utf-8")
			io.WriteString(w, marketText)
		case "/empty":
			status = 204
			w.WriteHeader(status)
		case "/flaky":
			if b.flaky.Add(1)%2 == 0 {
				status = 500
				h.Set("Content-Type", "application/json")
				w.WriteHeader(status)
				io.WriteString(w, `{"error":"flaky"}`)
				return
			}
			h.Set("Content-Type", "application/json")
			io.WriteString(w, `{"ok":true}`)
		case "/fail":
			status = 500
			h.Set("Content-Type", "application/json")
			w.WriteHeader(status)
			io.WriteString(w, `{"error":"backend down"}`)
		case "/big":
			h.Set("Content-Type", "application/json")
			io.WriteString(w, `"`+strings.Repeat("x", b.Size-2)+`"`)
		case "/slow":
			time.Sleep(b.Delay)
			h.Set("Content-Type", "application/json")
			io.WriteString(w, `{"slow":true}`)
		default:
			status = 404
			w.WriteHeader(status)
		}
		if is2xx(status) {
			b.OK.Add(1)
		}
	}))
	t.Cleanup(b.Close)
	return b
}

// marketHarness is the market fixture behind a gateway that counts with
// ctr, a counter on the harness's clock.
type marketHarness struct {
	*harness
	backend *marketBackend
	ctr     *limit.Memory
	callers model.Callers
	nonce   atomic.Int64
}

func newMarketHarness(t testing.TB, cfg Config, zone *time.Location) *marketHarness {
	t.Helper()
	return newWrappedMarketHarness(t, cfg, zone, nil)
}

// newWrappedMarketHarness is newMarketHarness with the gateway counting
// through wrap(ctr), when wrap is not nil.
func newWrappedMarketHarness(t testing.TB, cfg Config, zone *time.Location, wrap func(limit.Counter) limit.Counter) *marketHarness {
	t.Helper()
	m := &marketHarness{backend: newMarketBackend(t), callers: marketCallers()}
	var clock *fakeClock // set before the first request
	m.ctr = limit.NewMemory(limit.Options{Clock: clockFunc(func() time.Time { return clock.Now() })})
	cfg.Counter = m.ctr
	if wrap != nil {
		cfg.Counter = wrap(m.ctr)
	}
	m.harness = newCallersHarness(t, cfg, m.callers, marketPubs(m.backend.URL)...)
	clock = m.clock
	if zone != nil {
		m.opts.Zone = zone
		if err := m.holder.Update(m.opts, marketPubs(m.backend.URL), m.callers); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// req builds a request from pin's key to path on the group gid, signed
// with the group's scheme.
func (m *marketHarness) req(gid, pin, path string) *http.Request {
	m.t.Helper()
	scheme := model.SchemeJDCloud2
	for _, d := range marketDialects {
		if strings.HasSuffix(gid, "-"+d.id) {
			scheme = d.scheme
		}
	}
	s := signing{scheme: scheme, ak: "AK-" + pin}
	switch scheme {
	case model.SchemeAppKey:
		s.ak = "APP-" + pin
	case model.SchemeJDCloud2:
		s.nonce = fmt.Sprintf("nonce-%d", m.nonce.Add(1))
	}
	return m.signed("GET", gid+".localhost", path, "", s)
}

func (m *marketHarness) call(gid, pin, path string) response {
	m.t.Helper()
	return m.do(m.req(gid, pin, path))
}

// balance returns what is left of pin's balance of credit.
func (m *marketHarness) balance(pin string, credit model.Money) int64 {
	m.t.Helper()
	r, err := m.ctr.Reserve(context.Background(), snapshot.BalanceQuota(pin, credit), 0, 0)
	if err != nil {
		m.t.Fatal(err)
	}
	return r.Remaining
}

// remaining returns what is left of a quota without taking any of it.
func (m *marketHarness) remaining(q limit.Quota) int64 {
	m.t.Helper()
	r, err := m.ctr.Reserve(context.Background(), q, 0, 0)
	if err != nil {
		m.t.Fatal(err)
	}
	return r.Remaining
}

// usage sums pin's usage on the group gid over every hour counted.
func (m *marketHarness) usage(pin, gid string) limit.Usage {
	m.t.Helper()
	rows, err := m.ctr.Usage(context.Background(), pin, time.Unix(0, 0), m.clock.Now().Add(time.Hour))
	if err != nil {
		m.t.Fatal(err)
	}
	var u limit.Usage
	for _, r := range rows {
		if r.Group == gid {
			u.Calls += r.Calls
			u.OK += r.OK
			u.Charged += r.Charged
		}
	}
	return u
}

// totalQuota returns the call package of pin's subscription on gid, of n
// calls, as the snapshot names it.
func totalQuota(gid, pin string, n int64) limit.Quota {
	return limit.Quota{Key: limit.Key{Scope: "sub total", ID: "sub-" + gid + "-" + pin}, Limit: n, Period: limit.Total}
}

// wrapped is the market dialect's success envelope.
type wrapped struct {
	Code      string `json:"code"`
	Charge    bool   `json:"charge"`
	Remain    int64  `json:"remain"`
	Msg       string `json:"msg"`
	Result    any    `json:"result"`
	RequestID string `json:"requestId"`
}
