package telemetry

import (
	"regexp"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// runtimeMetrics are the runtime/metrics the Go collector exports on top
// of its defaults (the go_memstats_* family, go_gc_duration_seconds,
// GOGC, GOMEMLIMIT, GOMAXPROCS): what a latency tail can come from.
//
//	/sched/latencies:seconds              go_sched_latencies_seconds: how long goroutines waited runnable before they ran
//	/sched/pauses/{stopping,total}/gc:seconds
//	                                      go_sched_pauses_*_gc_seconds: the GC's stop-the-world pauses, and the part spent stopping
//	/sched/goroutines/...                 go_sched_goroutines_*: goroutines by state, runnable among them
//	/cpu/classes/...                      go_cpu_classes_*_cpu_seconds_total: the CPU the GC, scavenger and user code took, and the total
//	/gc/heap/goal:bytes, /gc/heap/live:bytes, /gc/cycles/total:gc-cycles
//	/sync/mutex/wait/total:seconds        go_sync_mutex_wait_total_seconds_total: time goroutines spent blocked on sync.Mutex and sync.RWMutex
//
// /gc/pauses:seconds is left out: Go deprecated it for the
// /sched/pauses metrics.
var runtimeMetrics = []string{
	`^/sched/latencies:seconds$`,
	`^/sched/pauses/(stopping|total)/gc:seconds$`,
	`^/sched/goroutines/.*`,
	`^/cpu/classes/.*`,
	`^/gc/heap/(goal|live):bytes$`,
	`^/gc/cycles/total:gc-cycles$`,
	`^/sync/mutex/wait/total:seconds$`,
}

// NewGoCollector returns the Go runtime's collector, with the
// runtime/metrics that explain a latency tail (runtimeMetrics) added to
// its defaults.
func NewGoCollector() prometheus.Collector {
	rules := make([]collectors.GoRuntimeMetricsRule, len(runtimeMetrics))
	for i, m := range runtimeMetrics {
		rules[i] = collectors.GoRuntimeMetricsRule{Matcher: regexp.MustCompile(m)}
	}
	return collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(rules...))
}
