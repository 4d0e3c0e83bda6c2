package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"syscall"
	"time"

	"github.com/tollgate-gw/tollgate/internal/loader"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/secret"
	"github.com/tollgate-gw/tollgate/internal/snapshot"
	"github.com/tollgate-gw/tollgate/internal/store/sqlite"
)

// memprofile, when set, receives a heap profile after the full loads.
var memprofile string

// measureLoads times, in this process, what the server's reloads do
// (package loader): full loads, then the incremental load that follows
// each of n changes of four kinds made through the store.
func measureLoads(ctx context.Context, dir string, c *config, n int) error {
	sealer, err := secret.Load(dir, os.Getenv)
	if err != nil {
		return err
	}
	st, err := sqlite.Open(ctx, dir, sealer)
	if err != nil {
		return err
	}
	defer st.Close()
	l := loader.New(st, new(snapshot.Holder), snapshot.Options{}, nil)
	fmt.Printf("\n| full load, in process | took | CPU time |\n| --- | --- | --- |\n")
	for i := range 3 {
		cpu0 := cpuTime()
		s, err := l.LoadFull(ctx)
		if err != nil {
			return err
		}
		fmt.Printf("| run %d | %s | %s |\n", i+1, ms(s.Took), ms(cpuTime()-cpu0))
	}
	runtime.GC()
	var ms0 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	fmt.Printf("\nlive heap after the full loads (the snapshot and the store): %d MB\n", ms0.HeapAlloc>>20)
	if memprofile != "" {
		f, err := os.Create(memprofile)
		if err != nil {
			return err
		}
		pprof.WriteHeapProfile(f)
		f.Close()
	}
	changes := []struct {
		name   string
		change func(i int) error
	}{
		{"create a key", func(i int) error {
			_, err := st.CreateKey(ctx, model.Key{Pin: c.keyPin(0, i), Kind: model.KeySignature})
			return err
		}},
		{"update an undeployed API", func(i int) error {
			_, err := st.UpdateAPI(ctx, c.hot, c.draft, func(a *model.API) error { a.Description = fmt.Sprint("load ", i); return nil })
			return err
		}},
		{"update a group", func(i int) error {
			_, err := st.UpdateGroup(ctx, c.hot, func(g *model.Group) error { g.Description = fmt.Sprint("load ", i); return nil })
			return err
		}},
		{"deploy a revision", func(i int) error {
			_, err := st.Deploy(ctx, c.hot, fmt.Sprintf("%d.0.0", 1+i%2), model.EnvOnline)
			return err
		}},
	}
	fmt.Printf("\n| incremental load after (%d each) | p50 | p99 | max | loaded |\n| --- | --- | --- | --- | --- |\n", n)
	for _, ch := range changes {
		var took []time.Duration
		var last loader.Stats
		for i := range n {
			if err := ch.change(i); err != nil {
				return fmt.Errorf("%s: %w", ch.name, err)
			}
			s, err := l.Load(ctx)
			if err != nil {
				return err
			}
			if s.Full {
				return fmt.Errorf("%s: the load was a full one (%s)", ch.name, s.FullReason)
			}
			took, last = append(took, s.Took), s
		}
		slices.Sort(took)
		fmt.Printf("| %s | %s | %s | %s | %d groups, %d pins |\n", ch.name, ms(pct(took, 50)), ms(pct(took, 99)),
			ms(took[len(took)-1]), last.Groups, last.Pins)
	}
	return nil
}

// cpuTime returns the CPU time this process has used, user and system:
// on a shared machine, a load's own cost beside its wall-clock time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
