// Package rediscounter is a limit.Counter on Redis, for gateways of many
// nodes that count as one: every node runs the same atomic Lua scripts
// against one Redis, which reads the time with TIME, so a limit of L per
// window admits exactly L calls whichever nodes they arrive at, and a
// quota of Q grants exactly Q holds.
//
// It makes the decisions limit.Memory makes — the same sliding window of
// limit.WindowSlots slots, the same quota periods, holds, Decision and
// Reservation fields — as the conformance suite (limit/countertest) checks
// by running one set of tests against both.
//
// Keys are hash-tagged by counter ({scope:id}), so that every key a script
// touches lives in one Redis Cluster slot and the scripts run unchanged on
// a cluster: see keys.go.
//
// When Redis cannot be reached the counter says so (limit.ErrUnavailable)
// for quotas, holds and reports, and answers rate limits and nonces from a
// local fallback until a probe finds Redis again: see health.go.
package rediscounter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/tollgate-gw/tollgate/internal/limit"
)

// Options configure a Counter. The zero value is ready to use.
type Options struct {
	// Prefix starts every key the counter writes ("tollgate:" when
	// empty), so that gateways can share a Redis with others. It must
	// not contain a brace, which would move the hash tag.
	Prefix string
	// Nodes is the number of gateway nodes expected to share the
	// counters (at least 1). While Redis is down each node admits
	// Limit/Nodes calls of a rate limit on its own (at least one), so
	// that together they stay near Limit.
	Nodes int
	// UsageRetention is how long hourly usage is kept; 35 days when
	// zero, as limit.Memory.
	UsageRetention time.Duration
	// Clock, when set, replaces Redis TIME in every script and the node's
	// clock everywhere else: for tests that move time by hand. Nonces
	// still expire on Redis's clock (SET PX).
	Clock limit.Clock
	// Logger receives one line per change of Redis's reachability.
	Logger *slog.Logger
	// Registerer, when set, receives the counter's metrics (health.go).
	Registerer prometheus.Registerer
	// AutoPipeline sends the commands of concurrent calls together, in
	// one write and one read, through go-redis's autopipeliner: fewer
	// system calls per call on both sides (2.6 times the calls per second
	// in BenchmarkAllow), at the price of an API go-redis calls
	// experimental. A client of one Redis only. serve turns it on.
	AutoPipeline bool
	// ProbeEvery is how often Redis is probed while it is down (200ms
	// when zero), and ProbeUpEvery while it is up (1s when zero).
	ProbeEvery, ProbeUpEvery time.Duration
	// Ledger, when set, is the record of balances (ledger.go): every
	// charge committed on a balance is written to it, Sync waits for
	// that, and a balance Redis lost is seeded from it.
	Ledger limit.Ledger
	// SweepEvery is how often this node looks for pending charges older
	// than SweepAfter and writes them to the ledger (2s and 5s when
	// zero); SyncTimeout how long Sync waits for the ledger before it
	// fails (5s when zero).
	SweepEvery, SweepAfter, SyncTimeout time.Duration
}

// Counter is a limit.Counter on Redis. It is safe for concurrent use.
type Counter struct {
	rdb redis.UniversalClient
	// hot sends the commands of the data plane's calls: rdb, or its
	// autopipeliner (Options.AutoPipeline).
	hot hotClient
	// batch: rdb is a client of one Redis, where a script may touch keys
	// of any hash tag (limit.Batcher).
	batch     bool
	prefix    string
	nodes     int64
	retention int64 // hours of usage kept
	clock     limit.Clock
	manual    bool // clock replaces Redis TIME
	log       *slog.Logger

	health health
	// local answers rate limits and nonces while Redis is down.
	local *limit.Memory
	// pending holds what was counted locally while Redis was down, to
	// be written to Redis when it is back.
	pending pending

	days daysCache
	// steps combines the nonces, admissions and settlements of
	// concurrent calls (Once, Admit, Settle) into step.lua's.
	steps combiner[waiting]

	// ledger is nil without Options.Ledger.
	ledger *ledgerState

	closeOnce sync.Once
	closed    atomic.Bool
	quit      chan struct{}
	done      chan struct{}
	// ledgerQuit stops the ledger's writer and sweeper, which close
	// ledgerDone's channels.
	ledgerQuit chan struct{}
	ledgerDone [2]chan struct{}
}

var _ limit.Counter = (*Counter)(nil)

// hotClient is what the data plane's calls are sent through.
type hotClient interface {
	redis.Scripter
	Process(ctx context.Context, cmd redis.Cmder) error
}

// Open connects to the Redis a URL names (redis://[user:password@]host:port/db,
// rediss:// for TLS; go-redis's query options such as dial_timeout are
// honoured, and autopipeline=false or true overrides o.AutoPipeline) and
// checks that it answers. The counter owns the client.
func Open(ctx context.Context, rawURL string, o Options) (*Counter, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("counters: %w", err)
	}
	q := u.Query()
	if v := q.Get("autopipeline"); v != "" {
		if o.AutoPipeline, err = strconv.ParseBool(v); err != nil {
			return nil, fmt.Errorf("counters: autopipeline=%s: %w", v, err)
		}
		q.Del("autopipeline")
		u.RawQuery = q.Encode()
	}
	opt, err := redis.ParseURL(u.String())
	if err != nil {
		return nil, fmt.Errorf("counters: %w", err)
	}
	tune(opt, u.RawQuery)
	rdb := redis.NewClient(opt)
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("counters: redis at %s: %w", opt.Addr, err)
	}
	c, err := New(rdb, o)
	if err != nil {
		rdb.Close()
		return nil, err
	}
	return c, nil
}

// tune sets the client's timeouts and retries for a gateway, unless the
// URL sets them: a counter that does not answer within a second is down,
// and a command is never retried, since a retry after a lost answer could
// count a call twice.
func tune(opt *redis.Options, query string) {
	has := func(name string) bool { return strings.Contains(query, name+"=") }
	if !has("dial_timeout") {
		opt.DialTimeout = time.Second
	}
	if !has("read_timeout") {
		opt.ReadTimeout = time.Second
	}
	if !has("write_timeout") {
		opt.WriteTimeout = time.Second
	}
	if !has("pool_timeout") {
		opt.PoolTimeout = time.Second
	}
	if !has("max_retries") {
		opt.MaxRetries = -1
	}
	// One dial per attempt: go-redis's default of five, 100ms apart,
	// would hold every call half a second when Redis is down.
	opt.DialerRetries = 1
}

// quiet discards go-redis's own log: it writes a line per failed dial,
// and the counter logs one line per change of Redis's reachability
// instead (health.go).
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

func init() {
	// Set once, before any client runs: the logger is a global that
	// go-redis reads unsynchronized.
	redis.SetLogger(quiet{})
}

// New returns a Counter on rdb, a client of one Redis or of a Redis
// Cluster, and starts its health probe. The counter owns rdb: Close
// closes it.
func New(rdb redis.UniversalClient, o Options) (*Counter, error) {
	if o.Prefix == "" {
		o.Prefix = "tollgate:"
	}
	if strings.ContainsAny(o.Prefix, "{}") {
		return nil, fmt.Errorf("counters: key prefix %q contains a brace", o.Prefix)
	}
	if o.Nodes < 1 {
		o.Nodes = 1
	}
	if o.UsageRetention <= 0 {
		o.UsageRetention = 35 * 24 * time.Hour
	}
	if o.ProbeEvery <= 0 {
		o.ProbeEvery = 200 * time.Millisecond
	}
	if o.ProbeUpEvery <= 0 {
		o.ProbeUpEvery = time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	c := &Counter{
		rdb:       rdb,
		prefix:    o.Prefix,
		nodes:     int64(o.Nodes),
		retention: int64((o.UsageRetention + time.Hour - 1) / time.Hour),
		clock:     o.Clock,
		manual:    o.Clock != nil,
		log:       o.Logger,
		local:     limit.NewMemory(limit.Options{Clock: o.Clock}),
		quit:      make(chan struct{}),
		done:      make(chan struct{}),
	}
	if c.clock == nil {
		c.clock = limit.SystemClock{}
	}
	c.hot = rdb
	_, c.batch = rdb.(*redis.Client)
	if o.AutoPipeline {
		one, ok := rdb.(*redis.Client)
		if !ok {
			return nil, fmt.Errorf("counters: autopipelining needs a client of one Redis, not %T", rdb)
		}
		ap, err := one.AutoPipeline()
		if err != nil {
			return nil, fmt.Errorf("counters: %w", err)
		}
		c.hot = ap
	}
	if err := c.health.init(o.Registerer, c.pending.size); err != nil {
		return nil, err
	}
	go c.probe(o.ProbeEvery, o.ProbeUpEvery)
	if o.Ledger != nil {
		c.startLedger(o)
	}
	return c, nil
}

// startLedger starts the ledger's writer and sweeper.
func (c *Counter) startLedger(o Options) {
	if o.SweepEvery <= 0 {
		o.SweepEvery = 2 * time.Second
	}
	if o.SweepAfter <= 0 {
		o.SweepAfter = 5 * time.Second
	}
	if o.SyncTimeout <= 0 {
		o.SyncTimeout = 5 * time.Second
	}
	c.ledger = newLedgerState(o.Ledger, o.SyncTimeout)
	c.ledgerQuit = make(chan struct{})
	c.ledgerDone = [2]chan struct{}{make(chan struct{}), make(chan struct{})}
	go c.writeLedger(c.ledgerQuit, c.ledgerDone[0])
	go c.sweepLoop(o.SweepEvery, o.SweepAfter, c.ledgerQuit, c.ledgerDone[1])
}

// Close stops the probe and closes the client. Usage counted while Redis
// was down and not yet written is lost.
func (c *Counter) Close() error {
	var err error
	c.closeOnce.Do(func() {
		if c.ledger != nil {
			// The writer writes what is queued before the client
			// closes.
			close(c.ledgerQuit)
			<-c.ledgerDone[0]
			<-c.ledgerDone[1]
		}
		c.closed.Store(true)
		close(c.quit)
		<-c.done
		c.local.Close()
		err = c.rdb.Close()
	})
	return err
}

// Up reports whether Redis was reachable at the last call or probe.
func (c *Counter) Up() bool { return c.health.up.Load() }

// Flush implements limit.Counter. Every write returned only once Redis
// acknowledged it, so a crash of this process loses nothing: there is
// nothing to wait for. (While Redis is down, usage waits in this process
// for Redis to return: see health.go.)
func (c *Counter) Flush(context.Context) error {
	if c.closed.Load() {
		return limit.ErrClosed
	}
	return nil
}

// Sync implements limit.Counter. With a ledger, it returns once every
// charge this node committed before it is a row of the ledger, which is
// what makes a charge survive any crash: of this node, of Redis's machine
// whatever its appendfsync, of every node. Without one it is Flush: what
// Redis acknowledged survives a crash of Redis's machine as far as its
// append-only file says — with appendfsync always, every acknowledged
// write; with everysec, all but the last second or so (docs/cluster.md).
func (c *Counter) Sync(ctx context.Context) error {
	if err := c.Flush(ctx); err != nil || c.ledger == nil {
		return err
	}
	return c.ledger.wait(ctx)
}

// scriptNow returns the time for a script's ARGV: "" lets the script read Redis
// TIME; with a manual clock, its microseconds.
func (c *Counter) scriptNow() string {
	if !c.manual {
		return ""
	}
	return fmt.Sprint(c.clock.Now().UnixNano() / 1000)
}

// micros converts d to whole microseconds, rounding up.
func micros(d time.Duration) int64 {
	return int64((d + time.Microsecond - 1) / time.Microsecond)
}

// maxExact is the largest integer a Lua number holds exactly. Limits
// above it are treated as it: 9·10^15 minor units is unlimited money.
const maxExact = 1 << 53

func clampLimit(n int64) int64 { return min(n, maxExact) }

// check turns a failed call's error into what the caller gets: an
// unreachable Redis becomes limit.ErrUnavailable, and marks the counter
// down.
func (c *Counter) check(err error) error {
	if err == nil {
		return nil
	}
	if c.closed.Load() {
		return limit.ErrClosed
	}
	if unreachable(err) {
		c.down(err)
		return fmt.Errorf("%w: %w", limit.ErrUnavailable, err)
	}
	return err
}

// unreachable reports whether err means that Redis could not be used,
// rather than that it refused the command or the caller gave up.
func unreachable(err error) bool {
	switch {
	case errors.Is(err, context.Canceled):
		return false
	case errors.Is(err, redis.ErrClosed):
		return true
	}
	var rerr redis.Error
	if errors.As(err, &rerr) && !errors.Is(err, context.DeadlineExceeded) {
		// Redis answered; some answers mean it cannot serve now.
		msg := rerr.Error()
		for _, p := range []string{"LOADING", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "READONLY", "BUSY"} {
			if strings.HasPrefix(msg, p) {
				return true
			}
		}
		return false
	}
	return true
}
