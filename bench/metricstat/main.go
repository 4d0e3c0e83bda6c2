// Command metricstat prints the histograms of a saved Prometheus scrape as
// quantiles: one line per series with its count, mean, p50, p90, p99 and
// p99.9. scripts/bench.sh BENCH_METRICS=DIR saves each Tollgate target's
// scrape twice: NAME.prom (text, classic buckets only) and NAME.pb
// (protobuf, with the native buckets of tollgate_stage_duration_seconds).
//
// Usage:
//
//	go run ./bench/metricstat FILE [PREFIX...]
//
// FILE is a .pb or a text scrape; only the families whose name starts with
// a PREFIX are printed (all histograms without one). A native histogram's
// quantiles come from its native buckets, interpolated within the bucket
// (less than 10 % wide for Tollgate's); a classic one's are printed as
// "≤" the upper bound of the bucket they fall in, since interpolating in
// a bucket that spans 0 to 500 µs says nothing. Counters, gauges and
// summaries that match a PREFIX are printed as they are.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: metricstat FILE [PREFIX...]")
		os.Exit(2)
	}
	mfs, err := load(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "metricstat:", err)
		os.Exit(1)
	}
	print(os.Stdout, mfs, os.Args[2:])
}

// load reads the metric families of a scrape saved as protobuf (.pb,
// delimited) or text.
func load(path string) ([]*dto.MetricFamily, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if !strings.HasSuffix(path, ".pb") {
		p := expfmt.NewTextParser(model.UTF8Validation)
		byName, err := p.TextToMetricFamilies(f)
		if err != nil {
			return nil, err
		}
		var out []*dto.MetricFamily
		for _, mf := range byName {
			out = append(out, mf)
		}
		return out, nil
	}
	dec := expfmt.NewDecoder(bufio.NewReader(f), expfmt.NewFormat(expfmt.TypeProtoDelim))
	var out []*dto.MetricFamily
	for {
		mf := new(dto.MetricFamily)
		if err := dec.Decode(mf); errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, err
		}
		out = append(out, mf)
	}
}

func print(w io.Writer, mfs []*dto.MetricFamily, prefixes []string) {
	slices.SortFunc(mfs, func(a, b *dto.MetricFamily) int { return strings.Compare(a.GetName(), b.GetName()) })
	for _, mf := range mfs {
		name := mf.GetName()
		if len(prefixes) > 0 && !slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(name, p) }) {
			continue
		}
		if mf.GetType() == dto.MetricType_SUMMARY && len(prefixes) > 0 {
			for _, m := range mf.GetMetric() {
				fmt.Fprintf(w, "%s%s count %d", name, labels(m), m.GetSummary().GetSampleCount())
				for _, q := range m.GetSummary().GetQuantile() {
					fmt.Fprintf(w, " q%g=%s", q.GetQuantile(), seconds(q.GetValue()))
				}
				fmt.Fprintln(w)
			}
			continue
		}
		if mf.GetType() != dto.MetricType_HISTOGRAM {
			if len(prefixes) == 0 {
				continue
			}
			for _, m := range mf.GetMetric() {
				fmt.Fprintf(w, "%s%s %g\n", name, labels(m), m.GetCounter().GetValue()+m.GetGauge().GetValue()+m.GetUntyped().GetValue())
			}
			continue
		}
		fmt.Fprintf(w, "%s\n  %-28s %9s %9s %9s %9s %9s %9s  %s\n", name, "series", "count", "mean", "p50", "p90", "p99", "p99.9", "buckets")
		for _, m := range mf.GetMetric() {
			h := m.GetHistogram()
			bs, kind := buckets(h)
			n := float64(h.GetSampleCount())
			if n == 0 {
				continue
			}
			qs := make([]string, 4)
			for i, q := range []float64{.5, .9, .99, .999} {
				qs[i] = quantile(bs, q, kind == "native")
			}
			fmt.Fprintf(w, "  %-28s %9d %9s %9s %9s %9s %9s  %s\n", labels(m), h.GetSampleCount(), seconds(h.GetSampleSum()/n),
				qs[0], qs[1], qs[2], qs[3], kind)
		}
	}
}

// bucket is a histogram bucket: its bounds and the samples in it (not
// cumulative).
type bucket struct {
	lo, hi float64
	n      float64
}

// buckets returns h's buckets, native ones when it has them, and which.
func buckets(h *dto.Histogram) ([]bucket, string) {
	if h.Schema != nil && (len(h.GetPositiveSpan()) > 0 || h.GetZeroCount() > 0) {
		return native(h), "native"
	}
	var out []bucket
	lo, prev := 0.0, 0.0
	for _, b := range h.GetBucket() {
		c := float64(b.GetCumulativeCount())
		out = append(out, bucket{lo, b.GetUpperBound(), c - prev})
		lo, prev = b.GetUpperBound(), c
	}
	if rest := float64(h.GetSampleCount()) - prev; rest > 0 {
		out = append(out, bucket{lo, math.Inf(1), rest})
	}
	return out, "classic"
}

// native returns the buckets of a native histogram (positive values only,
// as durations are): bucket i of schema s is (2^((i-1)/2^s), 2^(i/2^s)].
func native(h *dto.Histogram) []bucket {
	out := []bucket{{0, h.GetZeroThreshold(), float64(h.GetZeroCount())}}
	base := math.Pow(2, math.Pow(2, -float64(h.GetSchema())))
	idx, count, d := int32(0), int64(0), 0
	deltas := h.GetPositiveDelta()
	for _, sp := range h.GetPositiveSpan() {
		idx += sp.GetOffset()
		for range sp.GetLength() {
			count += deltas[d]
			d++
			out = append(out, bucket{math.Pow(base, float64(idx-1)), math.Pow(base, float64(idx)), float64(count)})
			idx++
		}
	}
	return out
}

// at returns the q-quantile of the samples in bs, interpolated linearly
// within its bucket, and that bucket; ok is false when bs is empty.
func at(bs []bucket, q float64) (v float64, in bucket, ok bool) {
	var total float64
	for _, b := range bs {
		total += b.n
	}
	rank, seen := q*total, 0.0
	for _, b := range bs {
		if b.n > 0 && seen+b.n >= rank {
			return b.lo + (b.hi-b.lo)*(rank-seen)/b.n, b, true
		}
		seen += b.n
	}
	return 0, bucket{}, false
}

// quantile prints the q-quantile of the samples in bs: interpolated
// within its bucket, or as the bucket's upper bound ("≤ hi"); "> lo" for
// the unbounded bucket.
func quantile(bs []bucket, q float64, interpolate bool) string {
	v, b, ok := at(bs, q)
	switch {
	case !ok:
		return "-"
	case math.IsInf(b.hi, 1):
		return ">" + seconds(b.lo)
	case !interpolate:
		return "≤" + seconds(b.hi)
	}
	return seconds(v)
}

// seconds prints s seconds with a unit that suits it.
func seconds(s float64) string {
	switch {
	case math.IsNaN(s):
		return "-"
	case s < 1e-6:
		return fmt.Sprintf("%.0fns", s*1e9)
	case s < 1e-3:
		return fmt.Sprintf("%.1fµs", s*1e6)
	case s < 1:
		return fmt.Sprintf("%.2fms", s*1e3)
	}
	return fmt.Sprintf("%.2fs", s)
}

func labels(m *dto.Metric) string {
	var ls []string
	for _, l := range m.GetLabel() {
		ls = append(ls, l.GetName()+"="+l.GetValue())
	}
	if len(ls) == 0 {
		return "{}"
	}
	return "{" + strings.Join(ls, ",") + "}"
}
