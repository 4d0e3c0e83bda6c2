package admin

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/limit"
	"github.com/tollgate-gw/tollgate/internal/snapshot"
)

// utc8 is the zone of the tests of local days: China's, with no DST.
var utc8 = time.FixedZone("UTC+8", 8*3600)

// count adds u to k at the harness's time, as the data plane would.
func (hs *harness) count(k limit.UsageKey, u limit.Usage) {
	hs.t.Helper()
	if err := hs.srv.counter.Add(context.Background(), k, u); err != nil {
		hs.t.Fatal(err)
	}
}

// usageRows reads the rows of a usage report.
func usageRows(t *testing.T, res response) []usageRow {
	t.Helper()
	var rep usageReport
	if err := json.Unmarshal([]byte(res.raw), &rep); err != nil {
		t.Fatalf("usage report: %v: %s", err, res.raw)
	}
	return rep.Usage
}

// TestUsage: rows summed per hour and per local day of the configured
// zone, the window's defaults, dates and times, filters, and refusals.
func TestUsage(t *testing.T) {
	hs := newHarness(t)
	hs.srv.zone = utc8
	k1 := limit.UsageKey{AccessKey: "AK1", Pin: "acme", Group: "g-shop", API: "api-x", Env: "online"}
	k2 := k1
	k2.API = "api-y"
	t1 := time.Date(2026, 11, 24, 15, 30, 0, 0, time.UTC) // 23:30 on the 24th in UTC+8

	hs.clock.Set(t1.Add(-25 * time.Hour)) // 22:30 on the 23rd
	hs.count(k1, limit.Usage{Calls: 7, OK: 7})
	hs.clock.Set(t1)
	hs.count(k1, limit.Usage{Calls: 2, OK: 1})
	hs.count(k1, limit.Usage{Calls: 1, OK: 1})
	hs.count(k2, limit.Usage{Calls: 1, OK: 1})
	hs.clock.Set(t1.Add(time.Hour)) // 00:30 on the 25th
	hs.count(k1, limit.Usage{Calls: 2, OK: 2, Charged: 4})
	hs.clock.Set(t1.Add(2 * time.Hour))
	hs.count(k1, limit.Usage{Calls: 1})

	type row struct {
		start            string
		api              string
		calls, ok, spent int64
	}
	tests := []struct {
		name  string
		query string
		want  []row
	}{
		{"the last 24 hours by hour", "", []row{
			{"2026-11-24T23:00:00+08:00", "api-x", 3, 2, 0},
			{"2026-11-24T23:00:00+08:00", "api-y", 1, 1, 0},
			{"2026-11-25T00:00:00+08:00", "api-x", 2, 2, 4},
			{"2026-11-25T01:00:00+08:00", "api-x", 1, 0, 0},
		}},
		{"the last 24 hours by local day", "?granularity=day", []row{
			{"2026-11-24T00:00:00+08:00", "api-x", 3, 2, 0},
			{"2026-11-24T00:00:00+08:00", "api-y", 1, 1, 0},
			{"2026-11-25T00:00:00+08:00", "api-x", 3, 2, 4},
		}},
		{"one local day", "?from=2026-11-25&to=2026-11-25&granularity=day", []row{
			{"2026-11-25T00:00:00+08:00", "api-x", 3, 2, 4},
		}},
		{"from a local day, to now", "?from=2026-11-23&granularity=day", []row{
			{"2026-11-23T00:00:00+08:00", "api-x", 7, 7, 0},
			{"2026-11-24T00:00:00+08:00", "api-x", 3, 2, 0},
			{"2026-11-24T00:00:00+08:00", "api-y", 1, 1, 0},
			{"2026-11-25T00:00:00+08:00", "api-x", 3, 2, 4},
		}},
		{"RFC 3339", "?from=2026-11-24T16:00:00Z&to=2026-11-24T17:00:00Z", []row{
			{"2026-11-25T00:00:00+08:00", "api-x", 2, 2, 4},
		}},
		{"a group", "?groupId=g-shop&from=2026-11-24T16:00:00Z", []row{
			{"2026-11-25T00:00:00+08:00", "api-x", 2, 2, 4},
			{"2026-11-25T01:00:00+08:00", "api-x", 1, 0, 0},
		}},
		{"another group", "?groupId=g-other", nil},
		{"another pin", "?pin=other", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows := usageRows(t, hs.must("GET", "/v1/usage"+tt.query, "", 200))
			var got []row
			for _, r := range rows {
				if r.Pin != "acme" || r.AccessKey != "AK1" || r.GroupID != "g-shop" || r.Environment != "online" {
					t.Errorf("row %+v: wrong key", r)
				}
				got = append(got, row{r.Start.Format(time.RFC3339), r.APIID, r.Calls, r.OK, r.Charged})
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("row %d: got %v, want %v", i, got[i], tt.want[i])
				}
			}
		})
	}

	refusals := []struct {
		query  string
		status int
		code   string
		field  string
	}{
		{"?from=yesterday", 400, "APIGW_PARAM_VALUE_INVALID", "from"},
		{"?to=2026-13-01", 400, "APIGW_PARAM_VALUE_INVALID", "to"},
		{"?granularity=week", 400, "APIGW_PARAM_VALUE_INVALID", "granularity"},
		{"?from=2026-11-25&to=2026-11-24", 409, "FAILED_PRECONDITION", "to"},
		{"?from=2026-11-25T00:00:00Z&to=2026-11-25T00:00:00Z", 409, "FAILED_PRECONDITION", "to"},
		{"?from=1969-12-31", 400, "APIGW_PARAM_VALUE_INVALID", "from"},
		{"?to=9999-01-01", 400, "APIGW_PARAM_VALUE_INVALID", "to"},
		{"?api=api-x", 400, "APIGATEWAY_ARGUMENT_NOT_SUPPORT", "api"},
	}
	for _, r := range refusals {
		res := hs.do("GET", "/v1/usage"+r.query, "")
		if res.status != r.status || res.errStatus() != r.code || !strings.Contains(res.errMessage(), r.field) {
			t.Errorf("%s: got %d %s, want %d %s naming %s", r.query, res.status, res.raw, r.status, r.code, r.field)
		}
	}
}

// TestUsageTenants: an account sees the rows of its own calls, whatever
// group they went to, and the rows of calls to its groups, whoever made
// them; nothing else.
func TestUsageTenants(t *testing.T) {
	hs := newHarness(t)
	a, b := hs.tenant("tenant-a"), hs.tenant("tenant-b")
	hs.count(limit.UsageKey{AccessKey: a.key.ak, Pin: a.pin, Group: b.group, API: "api-1", Env: "test"}, limit.Usage{Calls: 1, OK: 1})
	hs.count(limit.UsageKey{AccessKey: b.key.ak, Pin: b.pin, Group: a.group, API: a.api, Env: "test"}, limit.Usage{Calls: 2, OK: 2})
	hs.count(limit.UsageKey{AccessKey: b.key.ak, Pin: b.pin, Group: b.group, API: "api-1", Env: "test"}, limit.Usage{Calls: 4, OK: 4})
	sign := func(k creds, path string) []usageRow {
		hs.clock.Advance(time.Second)
		return usageRows(t, hs.mustAs(k, "GET", path, "", 200))
	}
	calls := func(rows []usageRow) (n int64) {
		for _, r := range rows {
			n += r.Calls
		}
		return n
	}
	for _, c := range []struct {
		name  string
		k     creds
		query string
		calls int64
	}{
		{"A: its calls and the calls to its group", a.key, "", 3},
		{"A's user, whose role covers every group", a.userKey, "", 3},
		{"A asks for B's calls: those to A's group", a.key, "?pin=tenant-b", 2},
		{"A asks for B's group: its own calls there", a.key, "?groupId=" + b.group, 1},
		{"B: its calls and the calls to its group", b.key, "", 7},
	} {
		if got := calls(sign(c.k, "/v1/usage"+c.query)); got != c.calls {
			t.Errorf("%s: got %d calls, want %d", c.name, got, c.calls)
		}
	}
	if got := calls(usageRows(t, hs.must("GET", "/v1/usage", "", 200))); got != 7 {
		t.Errorf("the operator: got %d calls, want 7", got)
	}
}

// TestBills: a bill's lines in time order (a recharge, a purchase, and
// per local day and group the calls charged), its credit, spent and
// balance, with a failed and a package call adding no line.
func TestBills(t *testing.T) {
	hs := newHarness(t)
	hs.srv.zone = utc8
	s := hs.shop() // buyer: 100 of credit
	pkg := hs.must("POST", "/v1/subscriptions", `{"pin":"buyer","planId":"`+s.pkg+`"}`, 201)
	hs.must("POST", "/v1/subscriptions", `{"pin":"buyer","planId":"`+s.payg+`"}`, 201) // free to buy

	// Calls the data plane charged: two at 2 in the evening of one local
	// day, one the next to a group the buyer has no subscription to (a
	// deleted group's); a failed call and a package call in the same hour
	// charge nothing, and the price of the pay-per-call plan tells the
	// charged calls from the package's.
	ctx := context.Background()
	charge := func(group string, price int64) {
		t.Helper()
		r, err := hs.srv.counter.Reserve(ctx, snapshot.BalanceQuota("buyer", 100), price, 0)
		if err != nil || !r.Granted {
			t.Fatalf("hold %d: %+v %v", price, r, err)
		}
		if err := hs.srv.counter.Commit(ctx, r); err != nil {
			t.Fatal(err)
		}
		hs.count(limit.UsageKey{AccessKey: "AK", Pin: "buyer", Group: group, API: "api-1", Env: "online"}, limit.Usage{Calls: 1, OK: 1, Charged: price})
	}
	start := hs.clock.Now()
	y, m, d := start.In(utc8).Date()
	evening := time.Date(y, m, d, 20, 30, 0, 0, utc8)
	for !evening.After(start.Add(time.Hour)) {
		evening = evening.AddDate(0, 0, 1)
	}
	hs.clock.Set(evening)
	charge(s.group, 2)
	charge(s.group, 2)
	hs.count(limit.UsageKey{AccessKey: "AK", Pin: "buyer", Group: s.group, API: "api-1", Env: "online"}, limit.Usage{Calls: 1})
	hs.count(limit.UsageKey{AccessKey: "AK", Pin: "buyer", Group: s.group, API: "api-1", Env: "online"}, limit.Usage{Calls: 1, OK: 1})
	next := evening.Add(4 * time.Hour) // 00:30 the next local day
	hs.clock.Set(next)
	charge("g-maps", 2)

	res := hs.must("GET", "/v1/accounts/buyer/bills", "", 200)
	var b bill
	if err := json.Unmarshal([]byte(res.raw), &b); err != nil {
		t.Fatal(err)
	}
	if b.Pin != "buyer" || b.Credit != 100 || b.Spent != 36 || b.Balance != 64 {
		t.Errorf("bill: credit %d spent %d balance %d, want 100 36 64", b.Credit, b.Spent, b.Balance)
	}
	want := []billLine{
		{Kind: "recharge", Amount: 100},
		{Kind: "purchase", Amount: -30, SubscriptionID: subscriptionID(pkg), PlanID: s.pkg, GroupID: s.group},
		{Kind: "calls", Amount: -4, GroupID: s.group, Day: evening.Format(dayLayout), Calls: 2},
		{Kind: "calls", Amount: -2, GroupID: "g-maps", Day: next.Format(dayLayout), Calls: 1},
	}
	if len(b.Items) != len(want) {
		t.Fatalf("bill lines: got %s", res.raw)
	}
	for i, l := range b.Items {
		at := l.At
		l.At, l.RechargeID = time.Time{}, ""
		if l != want[i] {
			t.Errorf("line %d: got %+v, want %+v", i, l, want[i])
		}
		if i > 0 && at.Before(b.Items[i-1].At) {
			t.Errorf("line %d at %s comes before line %d at %s", i, at, i-1, b.Items[i-1].At)
		}
	}
	if got, want := b.Items[2].At, evening.Truncate(time.Hour).Add(time.Hour); !got.Equal(want) {
		t.Errorf("the first day's calls are at %s, want the end of their hour %s", got, want)
	}
	if got := b.Items[3].At; !got.Equal(next) {
		t.Errorf("today's calls are at %s, want now %s", got, next)
	}
}
