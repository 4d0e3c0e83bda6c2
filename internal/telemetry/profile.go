package telemetry

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
)

// Environment variables that turn profiling on. All are off by default;
// they are meant for load benchmarks (scripts/bench.sh BENCH_CPUPROFILE)
// and for a one-off look at a server, not for production.
const (
	// EnvCPUProfile names a file that receives a CPU profile covering the
	// process's lifetime, from StartProfiles to the stop function.
	EnvCPUProfile = "TOLLGATE_CPUPROFILE"
	// EnvMemProfile names a file that receives an allocation profile
	// (go tool pprof -sample_index=alloc_space) when the stop function runs.
	EnvMemProfile = "TOLLGATE_MEMPROFILE"
	// EnvTrace names a file that receives an execution trace (go tool
	// trace) of the process's lifetime, from StartProfiles to the stop
	// function: every goroutine's scheduling, syscalls, network waits and
	// GC. It grows by megabytes a second under load: for short runs.
	EnvTrace = "TOLLGATE_TRACE"
)

// StartProfiles starts the profiles the environment asks for (getenv is
// os.Getenv outside tests) and returns the function that writes them:
// call it once, on the way out. With no variable set it does nothing.
func StartProfiles(getenv func(string) string) (stop func() error, err error) {
	cpuPath, memPath, tracePath := getenv(EnvCPUProfile), getenv(EnvMemProfile), getenv(EnvTrace)
	var cpu, tr *os.File
	if cpuPath != "" {
		if cpu, err = os.Create(cpuPath); err != nil {
			return nil, fmt.Errorf("%s: %w", EnvCPUProfile, err)
		}
		if err = pprof.StartCPUProfile(cpu); err != nil {
			cpu.Close()
			return nil, fmt.Errorf("%s: %w", EnvCPUProfile, err)
		}
	}
	if tracePath != "" {
		if tr, err = startTrace(tracePath); err != nil {
			if cpu != nil {
				pprof.StopCPUProfile()
				cpu.Close()
			}
			return nil, err
		}
	}
	return func() error {
		var errs []error
		if tr != nil {
			trace.Stop()
			errs = append(errs, tr.Close())
		}
		if cpu != nil {
			pprof.StopCPUProfile()
			errs = append(errs, cpu.Close())
		}
		if memPath != "" {
			errs = append(errs, writeHeapProfile(memPath))
		}
		return errors.Join(errs...)
	}, nil
}

func startTrace(path string) (*os.File, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvTrace, err)
	}
	if err := trace.Start(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", EnvTrace, err)
	}
	return f, nil
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("%s: %w", EnvMemProfile, err)
	}
	runtime.GC() // up-to-date statistics
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", EnvMemProfile, err)
	}
	return f.Close()
}
