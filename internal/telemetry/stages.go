package telemetry

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// fineBuckets are the classic buckets of the histograms that time parts
// of a call, in seconds: from a microsecond, what a pipeline stage takes,
// to the seconds a dial or a slow backend may. Their native buckets (a
// factor of at most 1.1 from one to the next) are finer still.
var fineBuckets = []float64{
	1e-6, 2.5e-6, 5e-6, 10e-6, 25e-6, 50e-6, 100e-6, 250e-6, 500e-6,
	1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3, 1, 10,
}

// fineHistogram returns the options of a histogram timed with
// fineBuckets, and native buckets besides for a scraper that asks for
// them (the protobuf exposition format).
func fineHistogram(name, help string) prometheus.HistogramOpts {
	return prometheus.HistogramOpts{
		Name:                            name,
		Help:                            help,
		Buckets:                         fineBuckets,
		NativeHistogramBucketFactor:     1.1,
		NativeHistogramMaxBucketNumber:  160,
		NativeHistogramMinResetDuration: time.Hour,
	}
}

// RestStage is the stage label of the time a timed call spends in the
// gateway's handler outside any stage: taking and returning its Call,
// finishing the request body, and from one stage's end to the next one's
// start.
const RestStage = "rest"

func newStageDurations() *prometheus.HistogramVec {
	return prometheus.NewHistogramVec(fineHistogram("tollgate_stage_duration_seconds",
		"Time each pipeline stage took, of a sample of calls (one in 16 by default); stage=\"rest\" is the handler's time outside the stages."),
		[]string{"stage"})
}

// StageTimer records the time one pipeline stage took in
// tollgate_stage_duration_seconds. The zero StageTimer records nothing.
type StageTimer struct {
	o prometheus.Observer
}

// StageTimer returns the timer of stage, its label value bound once here
// so that recording builds no label set.
func (m *Metrics) StageTimer(stage string) StageTimer {
	return StageTimer{m.stages.WithLabelValues(stage)}
}

// Observe records that the stage took d.
func (t StageTimer) Observe(d time.Duration) {
	if t.o != nil {
		t.o.Observe(d.Seconds())
	}
}
