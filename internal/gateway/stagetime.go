package gateway

import (
	"math/bits"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tollgate-gw/tollgate/internal/telemetry"
)

// DefaultStageSampleEvery is Config.StageSampleEvery's default: one call
// in 16 has its stages timed.
const DefaultStageSampleEvery = 16

// stageSampler picks the calls whose stages are timed, into
// tollgate_stage_duration_seconds: one in every mask+1, by a counter of
// the gateway's calls. The other calls pay one atomic add and a branch.
// A timed call reads the monotonic clock at its first stage's start, at
// each stage's end and at its own end (its arrival is its Start), and
// only then, once its work is done, records into histogram children bound
// at New: a histogram's cost is not counted in the next stage's time.
type stageSampler struct {
	// calls is written by every call: kept off the cache lines of the
	// gateway's read-mostly fields, and of the fields below.
	_     [64]byte
	calls atomic.Uint64
	_     [56]byte
	mask  uint64
	rest  telemetry.StageTimer
	// clocks holds the stageClocks of timed calls in flight.
	clocks sync.Pool
}

// newStageSampler returns the sampler of 1 in every calls (rounded up to
// a power of two), or nil when every is negative or there are no metrics.
func newStageSampler(m *telemetry.Metrics, every int) *stageSampler {
	if m == nil || every < 0 {
		return nil
	}
	if every == 0 {
		every = DefaultStageSampleEvery
	}
	n := uint64(1) << bits.Len64(uint64(every)-1) // the next power of two
	return &stageSampler{mask: n - 1, rest: m.StageTimer(telemetry.RestStage)}
}

// sample reports whether the next call is timed. A nil sampler times none.
func (s *stageSampler) sample() bool {
	return s != nil && s.calls.Add(1)&s.mask == 0
}

// epoch is where the monotonic readings of stage timing count from:
// time.Since of a time that carries a monotonic reading reads only the
// monotonic clock, which time.Now would read besides the wall clock.
var epoch = time.Now()

func monotonic() time.Duration { return time.Since(epoch) }

// stageClock holds the readings of one timed call: its arrival, its
// first stage's start, and each stage's end (zero for a stage skipped).
// A stage's time runs from the end of the last one that ran, so that it
// includes the check that skipped those between them.
type stageClock struct {
	arrived, begun time.Duration
	ends           []time.Duration
}

// start returns the clock of a call of n stages that arrived at arrived
// (its Start, whose monotonic reading is used), its first stage starting
// now.
func (s *stageSampler) start(arrived time.Time, n int) *stageClock {
	k, _ := s.clocks.Get().(*stageClock)
	if k == nil || cap(k.ends) < n {
		k = &stageClock{ends: make([]time.Duration, n)}
	}
	k.ends = k.ends[:n]
	clear(k.ends)
	k.arrived = arrived.Sub(epoch)
	k.begun = monotonic()
	return k
}

// lap records that stage i ended now.
func (k *stageClock) lap(i int) {
	if i < len(k.ends) {
		k.ends[i] = monotonic()
	}
}

// finish records the times of k's call, which ended now, into the stages'
// timers, and the time outside them into the rest's; then k is reused.
func (s *stageSampler) finish(k *stageClock, stages []stage) {
	end := monotonic()
	last := k.begun
	for i, t := range k.ends {
		if t != 0 && i < len(stages) {
			stages[i].timer.Observe(t - last)
			last = t
		}
	}
	s.rest.Observe(k.begun - k.arrived + end - last)
	s.clocks.Put(k)
}
