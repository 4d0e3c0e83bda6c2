// Command tracestat summarizes an execution trace (runtime/trace, as
// TOLLGATE_TRACE writes it) in the numbers a latency tail is read from:
// how long goroutines waited runnable before they ran, by kind of
// goroutine; where net/http's goroutines blocked, for how long, and how
// long they then waited runnable; how much of the running time went to
// the GC; and the GC's stop-the-world pauses and mark phases.
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
	// blockedAt is where the goroutine blocked, while it waits; blockedSince
	// when. wokenFrom is where it had blocked, while it is runnable again.
	blockedAt, wokenFrom string
	blockedSince         trace.Time
}

// site is where goroutines blocked: how long each block lasted, and how
// long each then waited runnable.
type site struct {
	blocked, runnable []time.Duration
	total             time.Duration
}

// through are the packages a goroutine blocks through, not where: a
// blocking site is the first frame of its stack outside them.
var through = []string{"runtime.", "internal/", "sync.", "bufio.", "io.", "syscall.", "os.", "context.", "time.", "net.", "crypto/"}

// blockingSite returns the first frame of s that is not in a package in
// through: the program's, or net/http's.
func blockingSite(s trace.Stack) string {
	for f := range s.Frames() {
		if !slices.ContainsFunc(through, func(p string) bool { return strings.HasPrefix(f.Func, p) }) {
			return f.Func
		}
	}
	return "?"
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
	sites := map[string]*site{}
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
				w := t.Sub(x.runnableSince)
				x.waits = append(x.waits, w)
				if x.wokenFrom != "" {
					sites[x.wokenFrom].runnable = append(sites[x.wokenFrom].runnable, w)
				}
			}
			x.runnableSince, x.wokenFrom = 0, ""
			if x.kind == kindHTTP && from == trace.GoRunning && to == trace.GoWaiting {
				stk := st.Stack
				if stk == trace.NoStack {
					stk = ev.Stack()
				}
				x.blockedAt, x.blockedSince = blockingSite(stk), t
			}
			if from == trace.GoWaiting && to == trace.GoRunnable && x.blockedAt != "" {
				si := sites[x.blockedAt]
				if si == nil {
					si = new(site)
					sites[x.blockedAt] = si
				}
				d := t.Sub(x.blockedSince)
				si.blocked = append(si.blocked, d)
				si.total += d
				x.wokenFrom = x.blockedAt
			}
			if from == trace.GoWaiting {
				x.blockedAt = ""
			}
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

	fmt.Fprintln(out, "\nwhere http goroutines blocked (top 8 by total time): the block, then the runnable wait once woken:")
	fmt.Fprintf(out, "  %-58s %8s %10s %9s %9s %9s | %9s %9s %9s\n", "site", "count", "total", "p50", "p99", "max", "run p50", "run p99", "run mean")
	keys := make([]string, 0, len(sites))
	for k := range sites {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return int(sites[b].total - sites[a].total) })
	for _, k := range keys[:min(8, len(keys))] {
		si := sites[k]
		slices.Sort(si.blocked)
		slices.Sort(si.runnable)
		var rs time.Duration
		for _, v := range si.runnable {
			rs += v
		}
		mean := time.Duration(0)
		if len(si.runnable) > 0 {
			mean = rs / time.Duration(len(si.runnable))
		}
		name := k
		if len(name) > 58 {
			name = "…" + name[len(name)-57:]
		}
		fmt.Fprintf(out, "  %-58s %8d %10v %9v %9v %9v | %9v %9v %9v\n", name, len(si.blocked), si.total.Round(time.Millisecond),
			us(q(si.blocked, .5)), us(q(si.blocked, .99)), us(si.blocked[len(si.blocked)-1]),
			us(q(si.runnable, .5)), us(q(si.runnable, .99)), us(mean))
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
