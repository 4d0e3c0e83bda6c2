package gateway

import (
	"slices"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/proxy/proxytest"
	"github.com/tollgate-gw/tollgate/internal/telemetry"
)

// TestStageDurations: after N calls through a real server, the registry
// holds tollgate_stage_duration_seconds with one series per stage and one
// for the rest of the handler, each counting the calls sampled (N over
// the sampling rate, rounded up to a power of two), as native histograms,
// whose times add up to no more than the calls took.
func TestStageDurations(t *testing.T) {
	const calls = 160
	backend := proxytest.Echo(t, "echo")
	var stages []string
	for _, s := range (&Gateway{}).pipeline() {
		stages = append(stages, s.name)
	}
	for _, tc := range []struct {
		name  string
		every int
		want  uint64 // samples per stage
	}{
		{"default, 1 in 16", 0, calls / 16},
		{"every call", 1, calls},
		{"1 in 5 is 1 in 8", 5, calls / 8},
		{"off", -1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Config{StageSampleEvery: tc.every},
				published(jd, model.EnvTest, httpBackend(5000, backend.URL),
					api("getUser", "GET", "/users/{id}", model.MatchAbsolute, "/v2/people/{id}")))
			for range calls {
				if r := h.get("g-abc123-test.localhost", "/users/42"); r.StatusCode != 200 {
					t.Fatalf("status %d: %s", r.StatusCode, r.body)
				}
			}
			h.waitServed(calls)

			got := h.histograms("tollgate_stage_duration_seconds", "stage")
			if tc.want == 0 {
				if len(got) != 0 {
					t.Fatalf("%d stage series with timing off, want none", len(got))
				}
				return
			}
			want := append(slices.Clone(stages), telemetry.RestStage)
			var staged float64 // the stages inside the call's duration
			for _, name := range want {
				hg, ok := got[name]
				if !ok {
					t.Errorf("no series for stage %s", name)
					continue
				}
				if n := hg.GetSampleCount(); n != tc.want {
					t.Errorf("stage %s: %d samples, want %d", name, n, tc.want)
				}
				if hg.Schema == nil {
					t.Errorf("stage %s: not a native histogram", name)
				}
				if s := hg.GetSampleSum(); s < 0 {
					t.Errorf("stage %s: sum %v s, want ≥ 0", name, s)
				}
				if name != "account" && name != telemetry.RestStage {
					staged += hg.GetSampleSum()
				}
			}
			if len(got) != len(want) {
				t.Errorf("%d stage series, want %d (%v)", len(got), len(want), want)
			}
			// Each call's duration runs from its arrival to the account
			// stage, which encloses every stage before it.
			var total float64
			for _, hg := range h.histograms("tollgate_request_duration_seconds", "environment") {
				total += hg.GetSampleSum()
			}
			if staged <= 0 || staged > total {
				t.Errorf("stages before account took %v s in all, want more than 0 and at most the calls' %v s", staged, total)
			}
		})
	}
}

// histograms returns the histograms of the metric name, by the value of
// their label.
func (h *harness) histograms(name, label string) map[string]*dto.Histogram {
	h.t.Helper()
	mfs, err := h.reg.Gather()
	if err != nil {
		h.t.Fatal(err)
	}
	out := map[string]*dto.Histogram{}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == label {
					out[lp.GetValue()] = m.GetHistogram()
				}
			}
		}
	}
	return out
}
