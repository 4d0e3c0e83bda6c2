// Command tracestat summarizes an execution trace (runtime/trace, as
// TOLLGATE_TRACE writes it) in the numbers a latency tail is read from:
// how long goroutines waited runnable before they ran, by kind of
// goroutine; how much of the running time went to the GC; and the GC's
// stop-the-world pauses and mark phases.
//
// Usage:
//
//	go run ./bench/tracestat FILE   (from bench/tracestat: go run . FILE)
//
// It is a module of its own, like bench/engines, so that Tollgate's
// go.mod does not depend on golang.org/x/exp. bench/trace.sh runs it.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"golang.org/x/exp/trace"
)

// Kinds of goroutine, by a function found on one of their stacks.
const (
	kindHTTP  = "http" // net/http's connection goroutines: the requests
	kindGC    = "gc"   // the GC's background mark workers
	kindOther = "other"
)

// kindOf returns the kind of goroutine whose stack is s, or "".
func kindOf(s trace.Stack) string {
	for f := range s.Frames() {
		switch {
		case f.Func == "runtime.gcBgMarkWorker":
			return kindGC
		case f.Func == "net/http.(*conn).serve":
			return kindHTTP
		}
	}
	return ""
}

// goroutine is what the trace said of one goroutine.
type goroutine struct {
	kind          string
	runnableSince trace.Time // 0: not runnable
	runningSince  trace.Time // 0: not running
	waits         []time.Duration
	ran           time.Duration
}

// ranges sums the occurrences of one kind of range.
type ranges struct {
	n          int
	total, max time.Duration
	durations  []time.Duration
}

func (r *ranges) add(d time.Duration) {
	r.n++
	r.total += d
	r.max = max(r.max, d)
	r.durations = append(r.durations, d)
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: tracestat FILE")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer f.Close()
	if err := summarize(bufio.NewReaderSize(f, 1<<20), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "tracestat:", err)
		os.Exit(1)
	}
}

func summarize(in io.Reader, out io.Writer) error {
	r, err := trace.NewReader(in)
	if err != nil {
		return err
	}
	gs := map[trace.GoID]*goroutine{}
	g := func(id trace.GoID) *goroutine {
		x := gs[id]
		if x == nil {
			x = new(goroutine)
			gs[id] = x
		}
		return x
	}
	var first, last trace.Time
	open := map[string]trace.Time{} // range name + scope → begin
	byName := map[string]*ranges{}
	for {
		ev, err := r.ReadEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		t := ev.Time()
		if first == 0 {
			first = t
		}
		last = t
		switch ev.Kind() {
		case trace.EventStateTransition:
			st := ev.StateTransition()
			if st.Resource.Kind != trace.ResourceGoroutine {
				continue
			}
			x := g(st.Resource.Goroutine())
			if x.kind == "" {
				x.kind = kindOf(st.Stack)
			}
			from, to := st.Goroutine()
			if from == trace.GoRunning && x.runningSince != 0 {
				x.ran += t.Sub(x.runningSince)
				x.runningSince = 0
			}
			if from == trace.GoRunnable && to == trace.GoRunning && x.runnableSince != 0 {
				x.waits = append(x.waits, t.Sub(x.runnableSince))
			}
			x.runnableSince = 0
			switch to {
			case trace.GoRunnable:
				x.runnableSince = t
			case trace.GoRunning:
				x.runningSince = t
			}
		case trace.EventRangeBegin, trace.EventRangeEnd:
			rg := ev.Range()
			name := rg.Name
			if strings.HasPrefix(name, "stop-the-world") {
				name = "stop-the-world" // the reason follows, which may differ between begin and end
			}
			key := name + " " + rg.Scope.String()
			if ev.Kind() == trace.EventRangeBegin {
				open[key] = t
				continue
			}
			if t0, ok := open[key]; ok {
				delete(open, key)
				if byName[rg.Name] == nil {
					byName[rg.Name] = new(ranges)
				}
				byName[rg.Name].add(t.Sub(t0))
			}
		}
	}
	span := last.Sub(first)
	fmt.Fprintf(out, "trace: %v, %d goroutines\n\n", span.Round(time.Millisecond), len(gs))

	// Runnable waits, by kind of goroutine.
	waits := map[string][]time.Duration{}
	ran := map[string]time.Duration{}
	var ranAll time.Duration
	for _, x := range gs {
		k := x.kind
		if k == "" {
			k = kindOther
		}
		waits[k] = append(waits[k], x.waits...)
		waits["all"] = append(waits["all"], x.waits...)
		ran[k] += x.ran
		ranAll += x.ran
	}
	fmt.Fprintln(out, "runnable → running wait (scheduling latency), by goroutine kind:")
	fmt.Fprintf(out, "  %-6s %9s %9s %9s %9s %9s %9s %9s %10s\n", "kind", "count", "p50", "p90", "p99", "p99.9", "max", "mean", "total")
	for _, k := range []string{"all", kindHTTP, kindGC, kindOther} {
		d := waits[k]
		if len(d) == 0 {
			continue
		}
		slices.Sort(d)
		var sum time.Duration
		for _, v := range d {
			sum += v
		}
		fmt.Fprintf(out, "  %-6s %9d %9v %9v %9v %9v %9v %9v %10v\n", k, len(d),
			us(q(d, .5)), us(q(d, .9)), us(q(d, .99)), us(q(d, .999)), us(d[len(d)-1]),
			us(sum/time.Duration(len(d))), sum.Round(time.Millisecond))
	}

	fmt.Fprintln(out, "\nrunning time, by goroutine kind (share of all goroutines' running time):")
	for _, k := range []string{kindHTTP, kindGC, kindOther} {
		fmt.Fprintf(out, "  %-6s %10v  %5.1f %%\n", k, ran[k].Round(time.Millisecond), pct(ran[k], ranAll))
	}

	fmt.Fprintln(out, "\nGC ranges (share of the trace's span):")
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		rg := byName[n]
		slices.Sort(rg.durations)
		fmt.Fprintf(out, "  %-38s n=%-6d total=%-10v p50=%-9v p99=%-9v max=%-9v %5.2f %%\n", n, rg.n,
			rg.total.Round(time.Microsecond), us(q(rg.durations, .5)), us(q(rg.durations, .99)), us(rg.max), pct(rg.total, span))
	}
	return nil
}

// q returns the q-quantile of the sorted d.
func q(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return d[min(len(d)-1, int(q*float64(len(d))))]
}

// us rounds d for printing: to the microsecond.
func us(d time.Duration) time.Duration { return d.Round(time.Microsecond) }

func pct(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}
