package telemetry

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestGoCollectorRuntimeMetrics: the Go collector exports the
// runtime/metrics a latency tail is read from, beside its defaults.
func TestGoCollectorRuntimeMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewGoCollector())
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, mf := range mfs {
		got[mf.GetName()] = true
	}
	for _, name := range []string{
		"go_sched_latencies_seconds",
		"go_sched_pauses_total_gc_seconds",
		"go_sched_pauses_stopping_gc_seconds",
		"go_sched_goroutines_runnable_goroutines",
		"go_cpu_classes_gc_total_cpu_seconds_total",
		"go_cpu_classes_total_cpu_seconds_total",
		"go_gc_heap_goal_bytes",
		"go_gc_heap_live_bytes",
		"go_gc_cycles_total_gc_cycles_total",
		"go_sync_mutex_wait_total_seconds_total",
		// the defaults, kept
		"go_gc_duration_seconds",
		"go_memstats_heap_alloc_bytes",
		"go_sched_gomaxprocs_threads",
	} {
		if !got[name] {
			t.Errorf("%s not exported", name)
		}
	}
}
