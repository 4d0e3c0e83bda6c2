package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// TestQuantilesOfASavedScrape: a scrape saved as protobuf keeps the
// native buckets, whose quantiles come out within a bucket's width of the
// values observed; the classic buckets give the bucket a quantile is in.
func TestQuantilesOfASavedScrape(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "x_seconds", Buckets: []float64{.001, .01},
		NativeHistogramBucketFactor: 1.1,
	})
	reg.MustRegister(h)
	for range 990 {
		h.Observe((100 * time.Microsecond).Seconds())
	}
	for range 10 {
		h.Observe((5 * time.Millisecond).Seconds())
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "scrape.pb")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	enc := expfmt.NewEncoder(f, expfmt.NewFormat(expfmt.TypeProtoDelim))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	got, err := load(path)
	if err != nil || len(got) != 1 {
		t.Fatalf("load: %d families, %v", len(got), err)
	}
	bs, kind := buckets(got[0].GetMetric()[0].GetHistogram())
	if kind != "native" {
		t.Fatalf("buckets are %s, want native", kind)
	}
	for _, tc := range []struct {
		q       float64
		lo, hi  time.Duration
		classic string
	}{
		{.5, 91 * time.Microsecond, 110 * time.Microsecond, "≤1.00ms"},
		{.999, 4550 * time.Microsecond, 5500 * time.Microsecond, "≤10.00ms"},
	} {
		v, _, _ := at(bs, tc.q)
		if v < tc.lo.Seconds() || v > tc.hi.Seconds() {
			t.Errorf("native q%v = %v s, want within [%v, %v]", tc.q, v, tc.lo, tc.hi)
		}
		h := got[0].GetMetric()[0].GetHistogram()
		h.Schema = nil // as a text scrape has it
		cbs, _ := buckets(h)
		if got := quantile(cbs, tc.q, false); got != tc.classic {
			t.Errorf("classic q%v = %s, want %s", tc.q, got, tc.classic)
		}
	}
}
