package gateway

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/model"
)

// injectStage puts a stage named name, which runs run, into g's pipeline
// right after the stage named after. It is the tests' way to make any
// stage misbehave; call it before the gateway serves.
func (g *Gateway) injectStage(t testing.TB, after, name string, run func(*Call) error) {
	t.Helper()
	for i, s := range g.stages {
		if s.name == after {
			g.stages = append(g.stages[:i+1:i+1], append([]stage{{name: name, run: run}}, g.stages[i+1:]...)...)
			return
		}
	}
	t.Fatalf("no stage %s", after)
}

// panicking is a stage that panics on the calls whose path is /boom.
func panicking(c *Call) error {
	if strings.HasSuffix(c.R.URL.Path, "/boom") {
		panic("injected failure")
	}
	return nil
}

// TestPanicReleasesHolds: a stage that panics after the call took its
// holds (a balance, a call package, a daily and a total quota) is answered
// 500 INTERNAL in the group's dialect; every hold is released, nothing is
// charged, and the in-flight slot is given back (with MaxInFlight 1, the
// next call is not shed), call after call. The panic is logged with its
// stage.
func TestPanicReleasesHolds(t *testing.T) {
	logs := new(syncBuffer)
	m := newMarketHarness(t, Config{MaxInFlight: 1, Logger: slog.New(slog.NewJSONHandler(logs, nil))}, nil)
	m.gw.injectStage(t, "traffic", "boom", panicking)
	codes := map[string]string{"m-jd": "INTERNAL", "m-mk": "10030", "m-zn": "1106", "m-tc": "6000", "a-jd": "INTERNAL"}
	for gid, code := range codes {
		for _, pin := range []string{"tight", "pkg", "daily", "quota"} {
			if (pin == "quota") != (gid == "a-jd") {
				continue
			}
			for i := range 3 {
				r := m.call(gid, pin, "/boom")
				if r.StatusCode != 500 || r.code() != code {
					t.Fatalf("%s %s: panicking call %d: %d %s, want 500 %s", gid, pin, i+1, r.StatusCode, r.body, code)
				}
			}
			m.waitServed(3)
			if got := m.gauge("tollgate_inflight_requests"); got != 0 {
				t.Fatalf("%s %s: in flight after panics: %v, want 0", gid, pin, got)
			}
			switch pin {
			case "tight":
				if got := m.balance(pin, tightCredit); got != tightCredit {
					t.Errorf("%s: balance %d after panics, want %d", gid, got, tightCredit)
				}
			case "pkg", "daily":
				// Two calls in the package or the day: both still there.
				for i := range 2 {
					if r := m.call(gid, pin, "/ok"); r.StatusCode != 200 {
						t.Errorf("%s %s: call %d after panics: %d %s", gid, pin, i+1, r.StatusCode, r.body)
					}
				}
				m.waitServed(2)
			case "quota":
				for i := range 3 { // 3 a day
					if r := m.call(gid, pin, "/ok"); r.StatusCode != 200 {
						t.Errorf("%s %s: call %d after panics: %d %s", gid, pin, i+1, r.StatusCode, r.body)
					}
				}
				m.waitServed(3)
			}
			if u := m.usage(pin, gid); u.Charged != 0 && pin == "tight" {
				t.Errorf("%s %s: charged %d for failed calls", gid, pin, u.Charged)
			}
		}
	}
	if !strings.Contains(logs.String(), `"stage":"boom"`) || !strings.Contains(logs.String(), "injected failure") {
		t.Errorf("the panic was not logged with its stage: %s", logs.String())
	}
}

// TestPanicAfterAnswerStarted: a stage that panics once the answer is on
// its way can only cut it; the call is still accounted and its slot given
// back.
func TestPanicAfterAnswerStarted(t *testing.T) {
	h := newHarness(t, Config{MaxInFlight: 1, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))},
		published(jd, model.EnvOnline, &model.Backend{Type: model.BackendMock, Body: `{"ok":true}`},
			api("any", "ANY", "/", model.MatchPrefix, "")))
	h.gw.injectStage(t, "proxy", "boom", panicking)
	for range 3 {
		resp, err := h.client.Do(h.request("GET", "g-abc123.localhost", "/boom", nil))
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		if err == nil && resp.StatusCode == http.StatusOK {
			// The mock's answer may have gone out whole before the
			// panic; then dropping the connection is all there is.
			continue
		}
	}
	h.waitServed(3)
	if got := h.gauge("tollgate_inflight_requests"); got != 0 {
		t.Fatalf("in flight after panics: %v, want 0", got)
	}
	if r := h.get("g-abc123.localhost", "/fine"); r.StatusCode != 200 {
		t.Errorf("after panics: %d %s, want 200", r.StatusCode, r.body)
	}
	if got := h.counter("tollgate_requests_total", map[string]string{"status": "500", "code": "INTERNAL"}); got != 3 {
		t.Errorf("requests_total{status=500,code=INTERNAL} = %v, want 3", got)
	}
}
