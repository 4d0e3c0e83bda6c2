package redistest

import (
	"strconv"
	"strings"
	"time"
)

// CPU returns the CPU time, user and system, that the redis-server at addr
// has used (INFO cpu, to the microsecond): what a benchmark reads before
// and after its calls to tell what they cost Redis, which the clock of a
// shared machine cannot.
func CPU(addr string) (time.Duration, error) {
	info, err := command(addr, "INFO", "cpu")
	if err != nil {
		return 0, err
	}
	var total time.Duration
	for _, line := range strings.Split(info, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || (k != "used_cpu_sys" && k != "used_cpu_user") {
			continue
		}
		s, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return 0, err
		}
		total += time.Duration(s * float64(time.Second))
	}
	return total, nil
}
