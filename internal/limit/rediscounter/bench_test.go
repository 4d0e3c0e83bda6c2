package rediscounter

import (
	"context"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-gw/tollgate/internal/limit"
	"github.com/tollgate-gw/tollgate/internal/redistest"
)

// The benchmarks put the Redis engine beside limit.Memory on the calls a
// metered request makes: Allow (every call), Reserve+Commit (a quota or a
// balance), Once (a nonce) and Add (usage). Each reports roundtrips/op,
// the commands sent to Redis per call. Run them with
//
//	go test -run '^$' -bench . -benchtime 2s ./internal/limit/rediscounter/
//
// on a machine whose Redis is local: a network adds its round-trip time to
// every call of the Redis engine, and nothing to Memory's.

// roundTrips counts the writes a client makes to Redis (n: a command, or
// a pipeline of them) and the commands it sends (cmds).
type roundTrips struct{ n, cmds atomic.Int64 }

// report reports both per op, since before.
func (r *roundTrips) report(b *testing.B, before [2]int64) {
	b.ReportMetric(float64(r.n.Load()-before[0])/float64(b.N), "roundtrips/op")
	b.ReportMetric(float64(r.cmds.Load()-before[1])/float64(b.N), "commands/op")
}

func (r *roundTrips) mark() [2]int64 { return [2]int64{r.n.Load(), r.cmds.Load()} }

func (r *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

func (r *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		r.n.Add(1)
		r.cmds.Add(1)
		return next(ctx, cmd)
	}
}

func (r *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		r.n.Add(1)
		r.cmds.Add(int64(len(cmds)))
		return next(ctx, cmds)
	}
}

// engine is one engine to compare: new returns a counter and its round
// trip count (nil for Memory).
type engine struct {
	name string
	new  func(b *testing.B) (limit.Counter, *roundTrips)
}

// measure runs f as the benchmark's timed part with many callers at once
// (as a gateway's requests are) and reports round trips per op.
func measure(b *testing.B, rt *roundTrips, f func(pb *testing.PB)) {
	b.SetParallelism(32)
	b.ReportAllocs()
	b.ResetTimer()
	var before [2]int64
	if rt != nil {
		before = rt.mark()
	}
	b.RunParallel(f)
	if rt != nil {
		rt.report(b, before)
	}
}

// engines returns Memory and Redis, on a redis-server of the benchmark's.
func engines(b *testing.B) []engine {
	addr := redistest.Start(b)
	var n atomic.Int64
	return []engine{
		{"memory", func(b *testing.B) (limit.Counter, *roundTrips) {
			m := limit.NewMemory(limit.Options{})
			b.Cleanup(func() { m.Close() })
			return m, nil
		}},
		{"redis", func(b *testing.B) (limit.Counter, *roundTrips) {
			rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, PoolSize: 64})
			rt := new(roundTrips)
			rdb.AddHook(rt)
			c, err := New(rdb, Options{Prefix: "bench" + strconv.FormatInt(n.Add(1), 10) + ":"})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { c.Close() })
			return c, rt
		}},
		{"redis-autopipeline", func(b *testing.B) (limit.Counter, *roundTrips) {
			rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, PoolSize: 64})
			rt := new(roundTrips)
			rdb.AddHook(rt)
			c, err := New(rdb, Options{Prefix: "bench" + strconv.FormatInt(n.Add(1), 10) + ":", AutoPipeline: true})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { c.Close() })
			return c, rt
		}},
	}
}

// keys are the counters the benchmarks spread over.
var keys = func() []limit.Key {
	k := make([]limit.Key, 1024)
	for i := range k {
		k[i] = limit.Key{Scope: "key", ID: "AKID" + strconv.Itoa(1_000_000+i)}
	}
	return k
}()

var worker atomic.Int64

func BenchmarkAllow(b *testing.B) {
	ctx := context.Background()
	r := limit.PerSecond(1 << 31)
	for _, e := range engines(b) {
		b.Run(e.name, func(b *testing.B) {
			c, rt := e.new(b)
			for _, k := range keys {
				c.Allow(ctx, k, r, 1) // scripts loaded, keys made
			}
			measure(b, rt, func(pb *testing.PB) {
				i := int(worker.Add(1)) * 97
				for pb.Next() {
					if d, err := c.Allow(ctx, keys[i%len(keys)], r, 1); err != nil || !d.Allowed {
						b.Errorf("%+v, %v", d, err)
						return
					}
					i++
				}
			})
		})
	}
}

func BenchmarkReserveCommit(b *testing.B) {
	ctx := context.Background()
	for _, e := range engines(b) {
		b.Run(e.name, func(b *testing.B) {
			c, rt := e.new(b)
			c.Reserve(ctx, limit.Quota{Key: keys[0], Limit: 1, Period: limit.Total}, 0, 0)
			measure(b, rt, func(pb *testing.PB) {
				i := int(worker.Add(1)) * 97
				for pb.Next() {
					q := limit.Quota{Key: keys[i%len(keys)], Limit: 1 << 50, Period: limit.Total}
					h, err := c.Reserve(ctx, q, 1, time.Minute)
					if err != nil || !h.Granted {
						b.Errorf("%+v, %v", h, err)
						return
					}
					if err := c.Commit(ctx, h); err != nil {
						b.Error(err)
						return
					}
					i++
				}
			})
		})
	}
}

func BenchmarkOnce(b *testing.B) {
	ctx := context.Background()
	for _, e := range engines(b) {
		b.Run(e.name, func(b *testing.B) {
			c, rt := e.new(b)
			var seq atomic.Int64
			measure(b, rt, func(pb *testing.PB) {
				for pb.Next() {
					n := seq.Add(1)
					if fresh, err := c.Once(ctx, limit.Key{Scope: keys[n%1024].ID, ID: "nonce-" + strconv.FormatInt(n, 10)}, time.Minute); err != nil || !fresh {
						b.Errorf("%v, %v", fresh, err)
						return
					}
				}
			})
		})
	}
}

func BenchmarkAdd(b *testing.B) {
	ctx := context.Background()
	for _, e := range engines(b) {
		b.Run(e.name, func(b *testing.B) {
			c, rt := e.new(b)
			measure(b, rt, func(pb *testing.PB) {
				i := int(worker.Add(1)) * 97
				for pb.Next() {
					k := limit.UsageKey{AccessKey: keys[i%len(keys)].ID, Pin: "pin" + strconv.Itoa(i%64), Group: "g1", API: "getUser", Env: "online"}
					if err := c.Add(ctx, k, limit.Usage{Calls: 1, OK: 1}); err != nil {
						b.Error(err)
						return
					}
					i++
				}
			})
		})
	}
}

// BenchmarkAllowOneCaller is the latency of one call: one caller at a
// time, so one round trip per Allow on the Redis engines.
func BenchmarkAllowOneCaller(b *testing.B) {
	ctx := context.Background()
	r := limit.PerSecond(1 << 31)
	for _, e := range engines(b) {
		b.Run(e.name, func(b *testing.B) {
			c, rt := e.new(b)
			c.Allow(ctx, keys[0], r, 1)
			var before [2]int64
			if rt != nil {
				before = rt.mark()
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if d, err := c.Allow(ctx, keys[i%len(keys)], r, 1); err != nil || !d.Allowed {
					b.Fatalf("%+v, %v", d, err)
				}
			}
			if rt != nil {
				rt.report(b, before)
			}
		})
	}
}

// BenchmarkCallSteps is what each request to Redis a metered call makes
// costs, 50 callers at once through the autopipeliner as serve runs it:
// the nonce (Once), an admission of three rate limits (limit.Admit), an
// admission of a daily hold and its settlement with the call's usage
// (limit.Admit, then limit.Settle: two requests), and a settlement of
// usage alone.
// Beside ns/op it reports redis-µs/op, redis-server's CPU time per call
// (INFO cpu), and cpu-µs/op, this process's: the client's side. Run it on
// one core, as make bench runs the gateway:
//
//	go test -run '^$' -bench CallSteps -benchtime 20000x -cpu 1 ./internal/limit/rediscounter/
func BenchmarkCallSteps(b *testing.B) {
	addr := redistest.Start(b)
	ctx := context.Background()
	rate := limit.PerSecond(1 << 31)
	daily := limit.Quota{Key: limit.Key{Scope: "authz daily", ID: "a1"}, Limit: 1 << 40, Period: limit.Daily(time.UTC)}
	uk := limit.UsageKey{AccessKey: "AK", Pin: "acme", Group: "g", API: "getUser", Env: "online"}
	var n atomic.Int64
	counter := func(b *testing.B) *Counter {
		rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
		c, err := New(rdb, Options{Prefix: "steps" + strconv.FormatInt(n.Add(1), 10) + ":", AutoPipeline: true})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.Close() })
		return c
	}
	for _, step := range []struct {
		name string
		call func(c *Counter, i int)
	}{
		{"once", func(c *Counter, i int) {
			c.Once(ctx, limit.Key{Scope: "AK", ID: "n" + strconv.Itoa(i)}, time.Minute)
		}},
		{"admit-limits", func(c *Counter, i int) {
			ops := [3]limit.Op{limit.AllowOp(limit.Key{Scope: "key", ID: "AK"}, rate, 1),
				limit.AllowOp(limit.Key{Scope: "user", ID: "acme"}, rate, 1), limit.AllowOp(limit.Key{Scope: "api", ID: "g/getUser"}, rate, 1)}
			c.Admit(ctx, ops[:])
		}},
		{"admit-hold-settle", func(c *Counter, i int) {
			ops := [1]limit.Op{limit.ReserveOp(daily, 1, 0)}
			c.Admit(ctx, ops[:])
			s := limit.Settlement{Holds: []limit.Reservation{ops[0].Reservation}, Commit: true, Count: true,
				UsageKey: uk, Usage: limit.Usage{Calls: 1, OK: 1}, Charge: -1}
			c.Settle(ctx, &s)
		}},
		{"settle-usage", func(c *Counter, i int) {
			s := limit.Settlement{Count: true, UsageKey: uk, Usage: limit.Usage{Calls: 1, OK: 1}, Charge: -1}
			c.Settle(ctx, &s)
		}},
	} {
		b.Run(step.name, func(b *testing.B) {
			c := counter(b)
			var next atomic.Int64
			b.SetParallelism(50)
			redisBefore, _ := redistest.CPU(addr)
			before := processCPU()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					step.call(c, int(next.Add(1)-1))
				}
			})
			b.StopTimer()
			self := processCPU() - before
			redisAfter, _ := redistest.CPU(addr)
			b.ReportMetric(float64(redisAfter-redisBefore)/float64(time.Microsecond)/float64(b.N), "redis-µs/op")
			b.ReportMetric(float64(self)/float64(time.Microsecond)/float64(b.N), "cpu-µs/op")
		})
	}
}

// processCPU returns this process's CPU time, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
