package proxy

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// Defaults of a PoolConfig.
const (
	DefaultTimeout       = 30 * time.Second
	DefaultFailThreshold = 3
	DefaultCooldown      = 10 * time.Second
)

// PoolConfig describes an upstream pool.
type PoolConfig struct {
	// URLs are the targets, http or https, each with an optional base path
	// that every call's path is appended to.
	URLs []string
	// Timeout bounds the wait for response headers, from the start of the
	// call (DefaultTimeout if 0). A body that streams after the headers is
	// bounded only by the client staying.
	Timeout time.Duration
	// Headers are added to every upstream request, replacing the caller's.
	Headers map[string]string
	// FailThreshold is the number of consecutive connection failures after
	// which a target is skipped (DefaultFailThreshold if 0), for Cooldown
	// (DefaultCooldown if 0). After the cooldown the target is tried again;
	// one more failure sends it back, one success restores it.
	FailThreshold int
	Cooldown      time.Duration
	// Clock returns the current time (time.Now if nil); tests move it.
	Clock func() time.Time
	// Transport sends the requests. If nil: H1 for http targets and
	// Transport for https ones, or Transport for both when the upstream
	// client is "std" (SetUpstreamClient). An *H1Transport given here
	// sends http calls, and Transport the https ones.
	Transport http.RoundTripper
	// Clients, when Transport is nil, send the calls instead of H1 and
	// Transport: the clients of the origin that saved the backend, which
	// dial through the egress policy (Upstream.For).
	Clients *Clients
	// Name names the pool in logs: its group and environment.
	Name string
	// Logger receives a WARN for each dial the egress policy refuses
	// (slog.Default() if nil).
	Logger *slog.Logger
}

// Pool is the upstream of one backend: its targets, balanced round robin
// and skipped while cooling down after connection failures. It is safe for
// concurrent use and holds no goroutine: dropping it is enough.
type Pool struct {
	targets   []*target
	next      atomic.Uint64
	timeout   time.Duration
	headers   http.Header
	threshold int32
	cooldown  time.Duration
	now       func() time.Time
	transport http.RoundTripper // nil: clients, or the default clients
	clients   *Clients
	name      string
	log       *slog.Logger
	h2        http.RoundTripper // nil: clients' H2, or H2
}

// target is one backend URL and its passive health.
type target struct {
	scheme, host string
	addr         string // host:port
	base         string // path prefix without a trailing "/"; "" for none
	fails        atomic.Int32
	downUntil    atomic.Int64 // unix nanoseconds; 0 while healthy
}

// NewPool checks c and returns its pool. A pool with no URL is valid: every
// call through it fails with errcode.Unavailable. A malformed URL is an
// error of errcode.ParamValueInvalid.
func NewPool(c PoolConfig) (*Pool, error) {
	p := &Pool{
		timeout:   c.Timeout,
		threshold: int32(c.FailThreshold),
		cooldown:  c.Cooldown,
		now:       c.Clock,
		transport: c.Transport,
		clients:   c.Clients,
		name:      c.Name,
		log:       c.Logger,
		headers:   make(http.Header, len(c.Headers)),
	}
	if p.timeout <= 0 {
		p.timeout = DefaultTimeout
	}
	if p.threshold <= 0 {
		p.threshold = DefaultFailThreshold
	}
	if p.cooldown <= 0 {
		p.cooldown = DefaultCooldown
	}
	if p.now == nil {
		p.now = time.Now
	}
	if t, ok := c.Transport.(*http.Transport); ok {
		// HTTP/2 calls keep the given transport's dialer and TLS
		// settings (its trusted roots).
		p.h2 = NewH2Transport(t)
	}
	for k, v := range c.Headers {
		p.headers.Set(k, v)
	}
	for _, raw := range c.URLs {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return nil, &errcode.Error{Cond: errcode.ParamValueInvalid, Subject: "urls",
				Detail: fmt.Sprintf("%q is not an http(s) URL without query", raw)}
		}
		p.targets = append(p.targets, &target{
			scheme: u.Scheme,
			host:   u.Host,
			addr:   hostPort(u.Host),
			base:   strings.TrimSuffix(u.EscapedPath(), "/"),
		})
	}
	return p, nil
}

// h1 returns the H1Transport that sends calls to t, or nil when they go
// through an http.RoundTripper.
func (p *Pool) h1(t *target) *H1Transport {
	if t.scheme != "http" {
		return nil
	}
	switch tr := p.transport.(type) {
	case nil:
		if useStd.Load() {
			return nil
		}
		if p.clients != nil {
			return p.clients.H1
		}
		return H1
	case *H1Transport:
		return tr
	}
	return nil
}

// roundTripper returns the http.RoundTripper that sends calls to t when h1
// does not.
func (p *Pool) roundTripper() http.RoundTripper {
	if p.transport == nil {
		if p.clients != nil {
			return p.clients.Std
		}
		return Transport
	}
	if _, ok := p.transport.(*H1Transport); ok {
		return Transport // an https target of a pool given an H1Transport
	}
	return p.transport
}

// Timeout returns the pool's response header timeout.
func (p *Pool) Timeout() time.Duration { return p.timeout }

// pick returns the next target in round robin order that is not cooling
// down, or nil when there is none.
func (p *Pool) pick() *target {
	n := uint64(len(p.targets))
	if n == 0 {
		return nil
	}
	start := p.next.Add(1) - 1
	var now int64
	for i := range n {
		t := p.targets[(start+i)%n]
		until := t.downUntil.Load()
		if until == 0 {
			return t
		}
		if now == 0 {
			now = p.now().UnixNano()
		}
		if now >= until {
			return t // cooled down: give it another chance
		}
		// Move the shared position past the skipped target too, so that
		// its turn goes to the next healthy target in order rather than
		// always to its neighbour.
		p.next.Add(1)
	}
	return nil
}

// failed records a connection failure of t.
func (p *Pool) failed(t *target) {
	if t.fails.Add(1) >= p.threshold {
		t.downUntil.Store(p.now().Add(p.cooldown).UnixNano())
	}
}

// succeeded records that t answered.
func (p *Pool) succeeded(t *target) {
	if t.fails.Load() != 0 {
		t.fails.Store(0)
	}
	if t.downUntil.Load() != 0 {
		t.downUntil.Store(0)
	}
}

// Healthy returns how many targets are not cooling down.
func (p *Pool) Healthy() int {
	now := p.now().UnixNano()
	n := 0
	for _, t := range p.targets {
		if u := t.downUntil.Load(); u == 0 || now >= u {
			n++
		}
	}
	return n
}
