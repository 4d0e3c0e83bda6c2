package gateway

import (
	"fmt"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/proxy/proxytest"
)

// bindPolicy recompiles the harness's snapshot with policy p bound to each
// of the online environments of groups.
func (h *harness) bindPolicy(pubs []model.Published, callers model.Callers, p model.Policy, groups ...string) {
	h.t.Helper()
	h.opts.Policies = model.Policies{Policies: []model.Policy{p}}
	for _, g := range groups {
		h.opts.Policies.Bindings = append(h.opts.Policies.Bindings,
			model.PolicyBinding{PolicyID: p.ID, GroupID: g, Environment: model.EnvOnline})
	}
	if err := h.holder.Update(h.opts, pubs, callers); err != nil {
		h.t.Fatal(err)
	}
}

func openPubs(dialect errcode.Dialect) []model.Published {
	return []model.Published{published(group("g-lim", dialect, errcode.English), model.EnvOnline,
		&model.Backend{Type: model.BackendMock, Status: 200, Body: `{"ok":true}`},
		api("ping", "GET", "/ping", model.MatchAbsolute, ""),
		api("pong", "GET", "/pong", model.MatchAbsolute, ""))}
}

// header returns the integer value of a response header, or -1.
func header(r response, name string) int64 {
	v, err := strconv.ParseInt(r.Header.Get(name), 10, 64)
	if err != nil {
		return -1
	}
	return v
}

// TestTrafficUnits: for each unit, exactly apiLimit calls are admitted in
// any span of the unit, across the unit's boundary too: all of them just
// before the boundary, none just after it (a fixed window would admit
// another apiLimit), and again once the span has passed.
func TestTrafficUnits(t *testing.T) {
	const n = 5
	for _, unit := range []model.Unit{model.UnitSecond, model.UnitMinute, model.UnitHour, model.UnitDay} {
		t.Run(string(unit), func(t *testing.T) {
			pubs := openPubs(errcode.DialectJDCloud)
			h := newHarness(t, Config{}, pubs...)
			h.bindPolicy(pubs, model.Callers{}, model.Policy{ID: "pol-1", Name: "p", Unit: unit, APILimit: n, UserLimit: 1, KeyLimit: 1}, "g-lim")
			per := unit.Duration()
			now := h.clock.Now()
			boundary := now.Truncate(per).Add(per)
			h.clock.Advance(boundary.Sub(now) - time.Millisecond)
			for i := range n {
				r := h.get("g-lim.localhost", "/ping")
				if r.StatusCode != 200 {
					t.Fatalf("call %d: status %d %s", i+1, r.StatusCode, r.body)
				}
				if got := header(r, "RateLimit-Limit"); got != n {
					t.Errorf("call %d: RateLimit-Limit %d, want %d", i+1, got, n)
				}
				if got := header(r, "RateLimit-Remaining"); got != int64(n-1-i) {
					t.Errorf("call %d: RateLimit-Remaining %d, want %d", i+1, got, n-1-i)
				}
				if got := header(r, "RateLimit-Reset"); got < 1 || got > int64((per+per/64)/time.Second)+1 {
					t.Errorf("call %d: RateLimit-Reset %d", i+1, got)
				}
			}
			h.clock.Advance(2 * time.Millisecond) // past the boundary
			r := h.get("g-lim.localhost", "/ping")
			if r.StatusCode != 429 || r.code() != "RATE_LIMIT_EXCEEDED" {
				t.Fatalf("after the boundary: status %d %s, want 429 RATE_LIMIT_EXCEEDED", r.StatusCode, r.body)
			}
			ra := header(r, "Retry-After")
			if ra < 1 || time.Duration(ra)*time.Second < per-2*time.Millisecond || time.Duration(ra)*time.Second > per+per/64+time.Second {
				t.Errorf("Retry-After %d for a unit of %s", ra, per)
			}
			if header(r, "RateLimit-Remaining") != 0 || header(r, "RateLimit-Limit") != n {
				t.Errorf("refusal headers: %v", r.Header)
			}
			// Another API of the group has its own count.
			if r := h.get("g-lim.localhost", "/pong"); r.StatusCode != 200 {
				t.Errorf("other API: status %d", r.StatusCode)
			}
			// Once Retry-After has passed, the calls fit again.
			h.clock.Advance(time.Duration(ra) * time.Second)
			for i := range n {
				if r := h.get("g-lim.localhost", "/ping"); r.StatusCode != 200 {
					t.Fatalf("next span, call %d: status %d %s", i+1, r.StatusCode, r.body)
				}
			}
			if r := h.get("g-lim.localhost", "/ping"); r.StatusCode != 429 {
				t.Fatalf("next span, call %d: status %d", n+1, r.StatusCode)
			}
		})
	}
}

// TestTrafficNoBurst: calls spread over a window never add up to more
// than the limit in any span of the unit.
func TestTrafficNoBurst(t *testing.T) {
	pubs := openPubs(errcode.DialectJDCloud)
	h := newHarness(t, Config{}, pubs...)
	h.bindPolicy(pubs, model.Callers{}, model.Policy{ID: "pol-1", Name: "p", Unit: model.UnitMinute, APILimit: 10, UserLimit: 1, KeyLimit: 1}, "g-lim")
	var admitted []time.Time
	for range 300 { // 300 calls over 150 s, one every half second
		if r := h.get("g-lim.localhost", "/ping"); r.StatusCode == 200 {
			admitted = append(admitted, h.clock.Now())
		}
		h.clock.Advance(500 * time.Millisecond)
	}
	for i := range admitted {
		in := 0
		for j := i; j < len(admitted) && admitted[j].Sub(admitted[i]) < time.Minute; j++ {
			in++
		}
		if in > 10 {
			t.Fatalf("%d calls admitted in the minute from %s", in, admitted[i])
		}
	}
	if len(admitted) < 20 {
		t.Errorf("only %d calls admitted in 150 s at 10 a minute", len(admitted))
	}
}

// TestTrafficDefault: an API of a group with no policy is limited to the
// gateway's default per second, from everyone together; with no default,
// to nothing.
func TestTrafficDefault(t *testing.T) {
	for _, tt := range []struct {
		dialect errcode.Dialect
		code    string
	}{{errcode.DialectJDCloud, "RATE_LIMIT_EXCEEDED"}, {errcode.DialectMarket, "10044"}} {
		t.Run(string(tt.dialect), func(t *testing.T) {
			h := newHarness(t, Config{DefaultAPIQPS: 3}, openPubs(tt.dialect)...)
			for i := range 3 {
				if r := h.get("g-lim.localhost", "/ping"); r.StatusCode != 200 || header(r, "RateLimit-Remaining") != int64(2-i) {
					t.Fatalf("call %d: status %d, headers %v", i+1, r.StatusCode, r.Header)
				}
			}
			r := h.get("g-lim.localhost", "/ping")
			// The window frees a call between 1 s and 1 s + 1/64 s after it
			// was counted: Retry-After, rounded up, is 2.
			if ra := header(r, "Retry-After"); r.StatusCode != 429 || r.code() != tt.code || ra < 1 || ra > 2 {
				t.Fatalf("call 4: status %d, code %q, Retry-After %q", r.StatusCode, r.code(), r.Header.Get("Retry-After"))
			}
			h.clock.Advance(time.Second + time.Second/64)
			if r := h.get("g-lim.localhost", "/ping"); r.StatusCode != 200 {
				t.Fatalf("a second later: status %d", r.StatusCode)
			}
		})
	}
	h := newHarness(t, Config{}, openPubs(errcode.DialectJDCloud)...)
	for range 600 {
		r := h.get("g-lim.localhost", "/ping")
		if r.StatusCode != 200 {
			t.Fatalf("no default limit: status %d", r.StatusCode)
		}
		if r.Header.Get("RateLimit-Limit") != "" {
			t.Fatalf("no limit, but RateLimit-Limit %q", r.Header.Get("RateLimit-Limit"))
		}
	}
}

// TestTrafficCallers: per key and per pin over their limits is
// RateLimited, the API over its limit across callers ClusterRateLimited,
// in the jdcloud and market dialects; a call without a caller is counted
// per API only.
func TestTrafficCallers(t *testing.T) {
	backend := proxytest.Echo(t, "echo")
	pubs, callers := fixtureGroups(backend.URL), fixtureCallers()
	h := newCallersHarness(t, Config{}, callers, pubs...)
	h.bindPolicy(pubs, callers, model.Policy{ID: "pol-1", Name: "p", Unit: model.UnitMinute, APILimit: 6, UserLimit: 4, KeyLimit: 2}, "g-jd", "g-mk", "g-open")

	nonce := 0
	call := func(host, ak string) response {
		t.Helper()
		nonce++
		s := signing{scheme: model.SchemeJDCloud2, ak: ak, nonce: fmt.Sprintf("n-%d", nonce)}
		if host == hostMarket {
			s = signing{scheme: model.SchemeAppKey, ak: ak}
		}
		return h.do(h.signed("GET", host, "/users/7", "", s))
	}
	want := func(what string, r response, status int, code string, limit int64) {
		t.Helper()
		if r.StatusCode != status || (code != "" && r.code() != code) || header(r, "RateLimit-Limit") != limit {
			t.Fatalf("%s: status %d, code %q, RateLimit-Limit %q; want %d %q %d (%s)", what, r.StatusCode, r.code(),
				r.Header.Get("RateLimit-Limit"), status, code, limit, r.body)
		}
		if status == 429 && header(r, "Retry-After") < 1 {
			t.Fatalf("%s: Retry-After %q", what, r.Header.Get("Retry-After"))
		}
	}
	// jdcloud. The tightest limit of an admitted call is the key's.
	want("AK 1", call(hostJD, "AK"), 200, "", 2)
	want("AK 2", call(hostJD, "AK"), 200, "", 2)
	want("AK 3: over the key's limit", call(hostJD, "AK"), 429, "RATE_LIMIT_EXCEEDED", 2)
	want("AKDEV 1", call(hostJD, "AKDEV"), 200, "", 2)
	// acme has 3 calls counted; the user limit (4, 1 left) is now as
	// tight as the key's (2, 1 left): the smaller limit is shown.
	want("AKDEV 2", call(hostJD, "AKDEV"), 200, "", 2)
	want("AKSES 1: over acme's limit", call(hostJD, "AKSES"), 429, "RATE_LIMIT_EXCEEDED", 4)
	want("AKEXT 1", call(hostJD, "AKEXT"), 200, "", 2)
	r := call(hostJD, "AKEXT")
	// The key and the API both have 0 left: the smaller limit is shown.
	want("AKEXT 2", r, 200, "", 2)
	if header(r, "RateLimit-Remaining") != 0 {
		t.Fatalf("AKEXT 2: RateLimit-Remaining %q", r.Header.Get("RateLimit-Remaining"))
	}
	want("AKLIM 1: over the API's limit", call(hostJD, "AKLIM"), 429, "RATE_LIMIT_EXCEEDED", 6)
	// The refusal envelopes tell the two apart in the market dialect.
	want("APP 1", call(hostMarket, "APP"), 200, "", 2)
	want("APP 2", call(hostMarket, "APP"), 200, "", 2)
	want("APP 3: over the key's limit", call(hostMarket, "APP"), 429, "10043", 2)
	// A group of auth type none is counted per API only: 6 calls.
	for i := range 6 {
		want(fmt.Sprintf("open %d", i+1), h.get(hostOpen, "/users/7"), 200, "", 6)
	}
	want("open 7", h.get(hostOpen, "/users/7"), 429, "RATE_LIMIT_EXCEEDED", 6)
	// A minute later every count has left the window.
	h.clock.Advance(time.Minute + time.Minute/64)
	want("AK after a minute", call(hostJD, "AK"), 200, "", 2)
}

// TestTrafficClusterMarket: the cluster code of the market dialect, on a
// market group of auth type none with a policy.
func TestTrafficClusterMarket(t *testing.T) {
	pubs := openPubs(errcode.DialectMarket)
	h := newHarness(t, Config{DefaultAPIQPS: 1000}, pubs...)
	h.bindPolicy(pubs, model.Callers{}, model.Policy{ID: "pol-1", Name: "p", Unit: model.UnitHour, APILimit: 3, UserLimit: 1, KeyLimit: 1}, "g-lim")
	for i := range 3 {
		if r := h.get("g-lim.localhost", "/ping"); r.StatusCode != 200 {
			t.Fatalf("call %d: status %d", i+1, r.StatusCode)
		}
	}
	r := h.get("g-lim.localhost", "/ping")
	if r.StatusCode != 429 || r.code() != "10044" || header(r, "Retry-After") < 3590 {
		t.Fatalf("call 4: status %d, code %q, Retry-After %q", r.StatusCode, r.code(), r.Header.Get("Retry-After"))
	}
}

// BenchmarkPipelineTraffic is BenchmarkPipeline with the default API limit
// on (far above what the loop reaches): what the traffic stage adds.
func BenchmarkPipelineTraffic(b *testing.B) {
	for _, on := range []bool{false, true} {
		b.Run(fmt.Sprint("limit=", on), func(b *testing.B) {
			h := benchGateway(b, &model.Backend{Type: model.BackendMock, Body: `{"id":42}`})
			cfg := Config{Snapshots: h.holder, MaxInFlight: 100}
			if on {
				cfg.DefaultAPIQPS = 1<<32 - 1
			}
			gw := New(cfg)
			req := httptest.NewRequest("GET", "http://g-abc123.localhost/users/42?x=1", nil)
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				gw.ServeHTTP(w, req)
				if w.Code != 200 {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}
