// Package gateway is Tollgate's data plane: one ordered pipeline of stages
// (see pipeline.go) that every request goes through, and one edge that
// turns the first stage error into the error envelope of the group's
// dialect.
package gateway

import (
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/limit"
	"github.com/tollgate-gw/tollgate/internal/snapshot"
	"github.com/tollgate-gw/tollgate/internal/telemetry"
)

// Config is what a gateway serves from and reports to.
type Config struct {
	// Snapshots holds the compiled configuration; a request reads it once.
	Snapshots *snapshot.Holder
	// Metrics records every call; nil turns metrics off.
	Metrics *telemetry.Metrics
	// AccessLog gets one entry per call; nil turns the access log off.
	AccessLog *telemetry.AccessLog
	// MaxInFlight is how many requests are served at once; past it a
	// request is refused at once with errcode.Busy. 0 is unlimited.
	MaxInFlight int
	// MaxHeaderBytes bounds the request line and headers, and MaxBodyBytes
	// the body; past either the answer is errcode.RequestTooLarge. 0 is
	// unlimited. The http.Server's own MaxHeaderBytes should sit above
	// MaxHeaderBytes, as a backstop that answers without an envelope.
	MaxHeaderBytes int
	MaxBodyBytes   int64
	// Counter remembers nonces and counts rates, quotas, balance holds
	// and usage. Nil gives the gateway an in-memory counter of its own,
	// which a restart forgets; a server should pass one that keeps a
	// journal, or charges and usage are lost with the process.
	Counter limit.Counter
	// Clock tells the time that signing times, expiries and key rotation
	// grace periods are judged by. Nil is time.Now.
	Clock func() time.Time
	// TrustedProxies are the networks of the proxies in front of the
	// gateway. When the connection comes from one of them, the client's
	// address is taken from X-Forwarded-For, walking it from the right
	// past every trusted address. Empty (the default): X-Forwarded-For is
	// not believed, and the client is the connection's peer, since any
	// client can write the header.
	TrustedProxies []netip.Prefix
	// DefaultAPIQPS limits each API of a group environment that has no
	// traffic policy bound to this many calls per second from every
	// caller together. 0 sets no default limit; the server passes
	// DefaultAPIQPS unless told otherwise.
	DefaultAPIQPS int64
	// MaxWrappedBytes bounds the 2xx answers of a market-dialect group,
	// which are held in memory to be wrapped in the market envelope: a
	// longer one is answered with errcode.BadGateway. 0 is
	// DefaultMaxWrappedBytes (8 MiB).
	MaxWrappedBytes int64
	// BodyTimeout bounds the time from a request's arrival (its headers
	// read) to the end of its body; MinBodyRate (bytes per second) is the
	// average rate below which a body is cut once BodyRateGrace has
	// passed since then. A body past either is answered with
	// errcode.RequestTooLarge and its connection closed (requestbody.go).
	// 0 sets no limit (the server passes DefaultBodyTimeout and
	// DefaultMinBodyRate unless told otherwise); a BodyRateGrace of 0 is
	// DefaultBodyRateGrace.
	BodyTimeout   time.Duration
	MinBodyRate   int64
	BodyRateGrace time.Duration
	// Logger gets what an operator must see that the access log does not
	// say: a stage that panicked, with its stack. Nil is slog.Default().
	Logger *slog.Logger
	// WebSocketIdleTimeout closes a WebSocket tunnel once no byte went
	// either way for this long, and WebSocketMaxDuration once it has been
	// open this long; 0 takes DefaultWebSocketIdleTimeout and
	// DefaultWebSocketMaxDuration. They bound what a tenant's callers can
	// hold open, whatever the backend does.
	WebSocketIdleTimeout time.Duration
	WebSocketMaxDuration time.Duration
	// StageSampleEvery is how many calls share one whose stages are
	// timed into tollgate_stage_duration_seconds: one in every
	// StageSampleEvery, rounded up to a power of two. 0 is
	// DefaultStageSampleEvery (16); a negative value times none. With no
	// Metrics, none is timed.
	StageSampleEvery int
}

// Gateway is the data plane's http.Handler.
type Gateway struct {
	cfg      Config
	stages   []stage
	inflight *atomic.Int64
	calls    sync.Pool
	// defaultRate is the limit of an API with no policy; zero: none.
	defaultRate limit.Rate
	// maxWrapped is Config.MaxWrappedBytes, defaulted.
	maxWrapped int64
	// bodyTimeout and bodyRateGrace are Config's, defaulted.
	bodyTimeout, bodyRateGrace time.Duration
	// wsIdle and wsMax are the WebSocket limits, defaulted; closing is
	// closed by CloseTunnels.
	wsIdle, wsMax time.Duration
	closing       chan struct{}
	closeOnce     sync.Once
	// sampler picks the calls whose stages are timed; nil: none.
	sampler *stageSampler
}

// New returns the data plane handler for cfg. The pipeline is built here,
// once.
func New(cfg Config) http.Handler {
	g := &Gateway{cfg: cfg}
	if cfg.Snapshots == nil {
		g.cfg.Snapshots = new(snapshot.Holder)
	}
	if cfg.Clock == nil {
		g.cfg.Clock = time.Now
	}
	if cfg.Counter == nil {
		g.cfg.Counter = limit.NewMemory(limit.Options{Clock: clockFunc(g.cfg.Clock)})
	}
	if cfg.Metrics != nil {
		g.inflight = cfg.Metrics.InFlight()
	} else {
		g.inflight = new(atomic.Int64)
	}
	if cfg.DefaultAPIQPS > 0 {
		g.defaultRate = limit.PerSecond(min(cfg.DefaultAPIQPS, 1<<32-1))
	}
	g.maxWrapped = cfg.MaxWrappedBytes
	if g.maxWrapped <= 0 {
		g.maxWrapped = DefaultMaxWrappedBytes
	}
	g.cfg.MinBodyRate = max(cfg.MinBodyRate, 0)
	g.bodyTimeout = max(cfg.BodyTimeout, 0)
	g.bodyRateGrace = cfg.BodyRateGrace
	if g.bodyRateGrace <= 0 {
		g.bodyRateGrace = DefaultBodyRateGrace
	}
	if cfg.Logger == nil {
		g.cfg.Logger = slog.Default()
	}
	g.wsIdle, g.wsMax = cfg.WebSocketIdleTimeout, cfg.WebSocketMaxDuration
	if g.wsIdle <= 0 {
		g.wsIdle = DefaultWebSocketIdleTimeout
	}
	if g.wsMax <= 0 {
		g.wsMax = DefaultWebSocketMaxDuration
	}
	g.closing = make(chan struct{})
	g.calls.New = func() any { return &Call{pathBuf: make([]byte, 0, 256)} }
	g.stages = g.pipeline()
	if g.sampler = newStageSampler(cfg.Metrics, cfg.StageSampleEvery); g.sampler != nil {
		for i := range g.stages {
			g.stages[i].timer = cfg.Metrics.StageTimer(g.stages[i].name)
		}
	}
	return g
}

// ServeHTTP runs the pipeline. Each stage runs in order until one fails;
// the edge renders that error once, and the stages marked always (the
// accounting) run whatever happened, a panic included (see runStages).
// One call in Config.StageSampleEvery is timed, stage by stage.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := g.calls.Get().(*Call)
	c.begin(w, r)
	if g.sampler.sample() {
		c.clock = g.sampler.start(c.Start, len(g.stages))
	}
	for i := 0; i < len(g.stages); {
		i = g.runStages(c, i)
	}
	if c.body != nil {
		c.body.end()
	}
	abort, clock := c.abort, c.clock
	c.end()
	g.calls.Put(c)
	if clock != nil {
		g.sampler.finish(clock, g.stages)
	}
	if abort {
		// The status was sent and the body was cut: make the server drop
		// the connection, so that the client cannot take what it got for
		// a whole answer.
		panic(http.ErrAbortHandler)
	}
}

// fail is the edge: it records err as the call's outcome and writes it as
// the envelope of the group's dialect (jdcloud when the host names no
// group) in the caller's language. A client that went away gets nothing; a
// response already under way can only be cut.
func (g *Gateway) fail(c *Call, err error) {
	e := errcode.From(err)
	bodyCut := false
	be := c.body.failed()
	if be == nil && e.Cond == errcode.Cancelled {
		be = c.body.overdue(time.Now())
	}
	if be != nil {
		// The request's body was cut (too slow, malformed): that is what
		// went wrong, whatever the stage that read it made of it.
		e, bodyCut = be, true
	}
	c.Err = e
	c.Status = e.Status()
	switch {
	case c.Result.Started:
		// Only cutting the answer can tell the client; the call is
		// recorded as what went wrong (a backend that broke off: 502),
		// not as the status that had gone out.
		c.abort = true
		return
	case e.Cond == errcode.Cancelled:
		// Nobody to answer; dropping the connection keeps net/http from
		// saying 200 on the handler's behalf.
		c.abort = true
		return
	}
	dialect, lang := errcode.DialectJDCloud, errcode.English
	env := c.Env
	if env == nil {
		// Refused before resolve (shed, too large): still said in the
		// group's dialect (10020 for busy in market), which one map
		// lookup finds.
		env, _ = g.cfg.Snapshots.Load().Resolve(c.R.Host)
	}
	if env != nil {
		dialect, lang = env.Group.Dialect, env.Group.Language
	}
	lang = errcode.ParseLang(c.R.Header.Get("Accept-Language"), lang)
	// Rendered here rather than by errcode.Write so that the bytes sent
	// are known to the accounting.
	status, body := e.Render(dialect, lang, c.RequestID)
	h := c.W.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Content-Type-Options", "nosniff")
	if bodyCut {
		// What is left of the body on the wire cannot be read as the
		// next request.
		h.Set("Connection", "close")
		if n, ok := lingerAnswer(c.W, status, body); ok {
			c.Result.Status, c.Result.BytesOut, c.Result.Started = status, int64(n), true
			return
		}
	}
	c.W.WriteHeader(status)
	n, _ := c.W.Write(body)
	c.Result.Status, c.Result.BytesOut, c.Result.Started = status, int64(n), true
}

// clockFunc makes a clock function a limit.Clock.
type clockFunc func() time.Time

func (f clockFunc) Now() time.Time { return f() }
