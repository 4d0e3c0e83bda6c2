package telemetry

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

// Environment variables that turn profiling on. Both are off by default;
// they are meant for load benchmarks (scripts/bench.sh BENCH_CPUPROFILE)
// and for a one-off look at a server, not for production.
const (
	// EnvCPUProfile names a file that receives a CPU profile covering the
	// process's lifetime, from StartProfiles to the stop function.
	EnvCPUProfile = "TOLLGATE_CPUPROFILE"
	// EnvMemProfile names a file that receives an allocation profile
	// (go tool pprof -sample_index=alloc_space) when the stop function runs.
	EnvMemProfile = "TOLLGATE_MEMPROFILE"
)

// StartProfiles starts the profiles the environment asks for (getenv is
// os.Getenv outside tests) and returns the function that writes them:
// call it once, on the way out. With neither variable set it does nothing.
func StartProfiles(getenv func(string) string) (stop func() error, err error) {
	cpuPath, memPath := getenv(EnvCPUProfile), getenv(EnvMemProfile)
	var cpu *os.File
	if cpuPath != "" {
		if cpu, err = os.Create(cpuPath); err != nil {
			return nil, fmt.Errorf("%s: %w", EnvCPUProfile, err)
		}
		if err = pprof.StartCPUProfile(cpu); err != nil {
			cpu.Close()
			return nil, fmt.Errorf("%s: %w", EnvCPUProfile, err)
		}
	}
	return func() error {
		var errs []error
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
