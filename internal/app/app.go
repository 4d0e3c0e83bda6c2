// Package app wires Tollgate together: the store, the compiled snapshot the
// data plane serves from, the data-plane and admin listeners, and graceful
// shutdown. It is the only package that knows every other one.
package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tollgate-gw/tollgate/internal/admin"
	"github.com/tollgate-gw/tollgate/internal/dnsverify"
	"github.com/tollgate-gw/tollgate/internal/egress"
	"github.com/tollgate-gw/tollgate/internal/gateway"
	"github.com/tollgate-gw/tollgate/internal/loader"
	"github.com/tollgate-gw/tollgate/internal/proxy"
	"github.com/tollgate-gw/tollgate/internal/reload"
	"github.com/tollgate-gw/tollgate/internal/secret"
	"github.com/tollgate-gw/tollgate/internal/snapshot"
	"github.com/tollgate-gw/tollgate/internal/store"
	"github.com/tollgate-gw/tollgate/internal/telemetry"
)

// Limits of a data-plane request.
const (
	maxHeaderBytes = 32 << 10
	maxBodyBytes   = 10 << 20
)

// Timeouts of the admin listener, whose requests are small and whose
// callers are few: a request (headers and body) must arrive within
// adminReadTimeout, its answer be written within adminWriteTimeout of its
// headers, and a kept-alive connection is closed after adminIdleTimeout.
const (
	adminReadTimeout  = 30 * time.Second
	adminWriteTimeout = 2 * time.Minute
	adminIdleTimeout  = 2 * time.Minute
)

// Config is what `tollgate serve` is told.
type Config struct {
	Listen          string
	AdminListen     string
	DataDir         string
	BaseDomain      string
	TLSCert, TLSKey string
	MaxInFlight     int
	// DefaultAPIQPS limits each API of a group environment with no
	// traffic policy to this many calls per second from every caller
	// together; 0 sets no default limit (tollgate serve passes
	// gateway.DefaultAPIQPS unless --default-api-qps says otherwise).
	DefaultAPIQPS   int64
	ShutdownTimeout time.Duration
	Demo            bool
	AccessLog       bool
	// UpstreamClient sends calls to plain-http backends: "h1" Tollgate's
	// own HTTP/1.1 client, "std" net/http's Transport; "" keeps the
	// process's default (h1, or TOLLGATE_UPSTREAM_CLIENT).
	UpstreamClient string
	// Counters, when set, is the URL of the Redis every node counts in
	// (redis://HOST:PORT/DB); empty keeps the journaled in-memory counter
	// in DataDir. ClusterNodes is the number of nodes expected to share it:
	// while Redis is down each admits 1/ClusterNodes of a rate limit.
	Counters     string
	ClusterNodes int
	// Zone is the time zone whose midnight resets daily quotas and
	// delimits the days of usage reports and bills; nil is time.Local,
	// as tollgate serve's --time-zone defaults to.
	Zone *time.Location
	// BackendAllow lists the loopback and private ranges that backends
	// saved by tenants may reach (--backend-allow); see package egress.
	BackendAllow []netip.Prefix
	// Clock is the data plane's clock, which signing times and expiries
	// are judged by; nil is time.Now. The interop suite (test/interop)
	// sets it ahead to see signatures fall out of the replay window.
	Clock func() time.Time

	// BodyTimeout bounds the time a data-plane request's body may take,
	// from its headers to its end; MinBodyRate (bytes per second) is the
	// average rate below which it is cut after a grace period. 0 sets no
	// limit (tollgate serve passes gateway.DefaultBodyTimeout and
	// gateway.DefaultMinBodyRate unless told otherwise).
	BodyTimeout time.Duration
	MinBodyRate int64
	// H2C serves cleartext HTTP/2 (prior knowledge) on a data listener
	// without TLS, beside HTTP/1.1; with TLS, HTTP/2 is always offered.
	H2C bool
	// WebSocketIdleTimeout and WebSocketMaxDuration bound a WebSocket
	// tunnel (see gateway.Config); 0 takes the gateway's defaults.
	WebSocketIdleTimeout time.Duration
	WebSocketMaxDuration time.Duration

	// Store names the configuration store: "" for SQLite in DataDir, or
	// the postgres:// URL of a database the nodes of a cluster share
	// (docs/cluster.md).
	Store string
	// ReloadEvery is how often the node reloads without being asked, to
	// take up what other nodes changed in a shared store: each such reload
	// reads the change log and patches what it names, usually nothing.
	// 0 is DefaultSharedReloadEvery with a shared Store and never with
	// SQLite (no other node writes it); negative is never.
	ReloadEvery time.Duration

	// DNSResolver is the host:port of the DNS server that custom domains'
	// verification records are looked up with; "" is the system's
	// resolver. RequireDomainRecord makes a verified custom domain serve
	// only once the operator recorded its filing (docs/domains.md).
	DNSResolver         string
	RequireDomainRecord bool

	// Stdout receives the access log and the one-time admin token notice;
	// Stderr the operational log. Nil means discard.
	Stdout, Stderr io.Writer
}

// Server is a running Tollgate.
type Server struct {
	cfg       Config
	log       *slog.Logger
	store     store.Store
	snapshots *snapshot.Holder
	loader    *loader.Loader
	accessLog *telemetry.AccessLog
	counter   counters
	egress    *egress.Policy
	upstream  *proxy.Upstream

	data, admin     *http.Server
	dataLn, adminLn net.Listener
	reloads         *reload.Reloader
	// stopWatch stops the watch of a shared store, if any; watched is
	// closed when it has stopped.
	stopWatch     func()
	watched       chan struct{}
	reloadMetrics *telemetry.ReloadMetrics
	serveErr      chan error
	AdminToken    string

	// serving: the servers own the listeners (a failed start closes them
	// itself).
	serving bool
}

// Start opens the store, compiles the first snapshot and starts both
// listeners. The caller must call Shutdown.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Stdout == nil {
		cfg.Stdout = io.Discard
	}
	if cfg.Stderr == nil {
		cfg.Stderr = io.Discard
	}
	if cfg.BaseDomain == "" {
		cfg.BaseDomain = "localhost"
	}
	if cfg.Zone == nil {
		cfg.Zone = time.Local
	}
	if cfg.UpstreamClient != "" {
		if err := proxy.SetUpstreamClient(cfg.UpstreamClient); err != nil {
			return nil, err
		}
	}
	s := &Server{
		cfg:       cfg,
		log:       slog.New(slog.NewJSONHandler(cfg.Stderr, nil)),
		snapshots: new(snapshot.Holder),
		serveErr:  make(chan error, 2),
		egress:    egress.New(cfg.BackendAllow),
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(telemetry.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics, err := telemetry.NewMetrics(reg)
	if err != nil {
		return nil, err
	}
	s.upstream = proxy.NewUpstream(s.egress)
	s.upstream.ObserveConns(metrics.UpstreamConns())
	ok := false
	defer func() {
		if !ok {
			s.close()
		}
	}()

	sealer, err := secret.Load(cfg.DataDir, os.Getenv)
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	st, err := openStore(ctx, cfg, sealer)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	s.store = st
	token, tokenHash, err := s.adminToken(ctx, st)
	if err != nil {
		return nil, err
	}
	s.AdminToken = token
	// One counter for both planes, journaled in the data directory: a
	// nonce used on the admin API is refused on the data plane and the
	// other way round, and a restart forgets none.
	// Damaged or mismatched counters refuse the start (state.go). With
	// --counters, they are in Redis instead, shared by every node
	// (counters.go).
	if cfg.Counters != "" {
		c, err := openRedisCounters(ctx, cfg, st, s.log, reg)
		if err != nil {
			return nil, fmt.Errorf("open counters: %w", err)
		}
		s.counter = c
	} else {
		m, err := openCounters(ctx, cfg.DataDir, st, cfg.Store != "", s.log)
		if err != nil {
			return nil, fmt.Errorf("open counters: %w", err)
		}
		s.counter = m
	}
	if err := s.reconcilePurchases(ctx); err != nil {
		return nil, err
	}
	verifier, err := dnsverify.New(cfg.DNSResolver)
	if err != nil {
		return nil, err
	}
	s.loader = loader.New(st, s.snapshots, snapshot.Options{Base: cfg.BaseDomain, Zone: cfg.Zone,
		Upstream: s.upstream, Logger: s.log, RequireDomainRecord: cfg.RequireDomainRecord}, nil)
	if err := s.reload(ctx); err != nil {
		return nil, err
	}

	if s.reloadMetrics, err = telemetry.NewReloadMetrics(reg); err != nil {
		return nil, err
	}
	// Every later reload goes through one Reloader: admin writes that
	// arrive together share a reload, and a failed one is retried and
	// reported (/readyz, the metrics) while the last snapshot serves.
	s.reloads = reload.New(s.reload, reload.Options{Observe: s.reloadMetrics.Observe, Every: reloadEvery(cfg)})
	if w, ok := st.(store.Watcher); ok {
		// A store other nodes write tells this one of their writes: each
		// asks for a reload, which patches what the change log names.
		watchCtx, stop := context.WithCancel(context.Background())
		s.stopWatch, s.watched = stop, make(chan struct{})
		go func() {
			defer close(s.watched)
			w.Watch(watchCtx, func() { s.reloads.Trigger() })
		}()
	}
	if err := watchJournal(metrics, s.counter); err != nil {
		return nil, err
	}
	if err := watchDomainCertificates(reg, s.snapshots); err != nil {
		return nil, err
	}
	if cfg.AccessLog {
		s.accessLog = telemetry.NewAccessLog(cfg.Stdout, 0)
		if err := metrics.WatchAccessLog(s.accessLog); err != nil {
			return nil, err
		}
	}
	dataHandler := gateway.New(gateway.Config{
		Snapshots:      s.snapshots,
		Metrics:        metrics,
		AccessLog:      s.accessLog,
		MaxInFlight:    cfg.MaxInFlight,
		MaxHeaderBytes: maxHeaderBytes,
		MaxBodyBytes:   maxBodyBytes,
		Counter:        s.counter,
		DefaultAPIQPS:  cfg.DefaultAPIQPS,
		BodyTimeout:    cfg.BodyTimeout,
		MinBodyRate:    cfg.MinBodyRate,
		Logger:         s.log,

		WebSocketIdleTimeout: cfg.WebSocketIdleTimeout,
		WebSocketMaxDuration: cfg.WebSocketMaxDuration,
		Clock:                cfg.Clock,
	})
	adminHandler := admin.New(admin.Config{
		Store:   st,
		Token:   token,
		Reloads: s.reloads,
		Logger:  s.log,
		Counter: s.counter,
		Zone:    cfg.Zone,
		Egress:  s.egress,
		// The servers of an exported OpenAPI document.
		BaseDomain:   cfg.BaseDomain,
		DataEndpoint: s.dataEndpoint,
		Debugger:     debuggerOf(dataHandler),
		// What a node that did not make the token knows of it.
		TokenHash: tokenHash,
		// Custom domains: no tenant may claim the admin API's host.
		Verifier:            verifier,
		RequireDomainRecord: cfg.RequireDomainRecord,
		ReservedDomains:     []string{listenHost(cfg.AdminListen)},
	})

	mux := http.NewServeMux()
	mux.Handle("/v1/", adminHandler)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /readyz", s.ready)

	s.data = &http.Server{
		Handler:           dataHandler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		// Above the gateway's own limit, so that the gateway answers
		// oversized headers with an envelope; net/http's is a backstop.
		MaxHeaderBytes: 2 * maxHeaderBytes,
		ErrorLog:       slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		Protocols:      dataProtocols(cfg.H2C),
	}
	if t, ok := dataHandler.(interface{ CloseTunnels() }); ok {
		s.data.RegisterOnShutdown(t.CloseTunnels)
	}
	s.admin = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       adminReadTimeout,
		WriteTimeout:      adminWriteTimeout,
		IdleTimeout:       adminIdleTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	if s.dataLn, err = net.Listen("tcp", cfg.Listen); err != nil {
		return nil, fmt.Errorf("data listener: %w", err)
	}
	if s.adminLn, err = net.Listen("tcp", cfg.AdminListen); err != nil {
		return nil, fmt.Errorf("admin listener: %w", err)
	}
	// No backend may reach the gateway's own listeners.
	s.egress.AddListener(s.dataLn.Addr())
	s.egress.AddListener(s.adminLn.Addr())
	if cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("tls: %w", err)
		}
		s.data.TLSConfig = dataTLSConfig(cert, s.snapshots.GetCertificate)
		s.dataLn = tls.NewListener(s.dataLn, s.data.TLSConfig)
	}
	s.serving = true
	go s.serve(s.data, s.dataLn)
	go s.serve(s.admin, s.adminLn)
	s.log.Info("tollgate started", "listen", s.dataLn.Addr().String(), "admin", s.adminLn.Addr().String(),
		"data", cfg.DataDir, "store", storeName(cfg.Store), "baseDomain", cfg.BaseDomain, "tls", cfg.TLSCert != "", "h2c", cfg.H2C)
	ok = true
	return s, nil
}

func (s *Server) serve(srv *http.Server, ln net.Listener) {
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		s.serveErr <- err
	}
}

// Addr returns the data listener's address.
func (s *Server) Addr() net.Addr { return s.dataLn.Addr() }

// AdminAddr returns the admin listener's address.
func (s *Server) AdminAddr() net.Addr { return s.adminLn.Addr() }

// Err returns a channel that receives a listener's fatal error.
func (s *Server) Err() <-chan error { return s.serveErr }

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	if s.snapshots.Load() == nil {
		http.Error(w, "no snapshot", http.StatusServiceUnavailable)
		return
	}
	if st := s.reloads.Status(); st.Err != nil {
		// Still serving, from the last snapshot that loaded: not ready
		// for traffic that expects the store's configuration.
		http.Error(w, "the last configuration reload failed: "+st.Err.Error(), http.StatusServiceUnavailable)
		return
	}
	io.WriteString(w, "ok\n")
}

// DefaultSharedReloadEvery is how often a node of a cluster (a shared
// Store) reloads by itself unless told otherwise: the delay within which
// it serves what another node changed.
const DefaultSharedReloadEvery = time.Second

// reloadEvery is cfg's ReloadEvery with its default applied; 0 is never.
func reloadEvery(cfg Config) time.Duration {
	switch {
	case cfg.ReloadEvery < 0:
		return 0
	case cfg.ReloadEvery == 0 && cfg.Store != "":
		return DefaultSharedReloadEvery
	}
	return cfg.ReloadEvery
}

// reload brings the snapshot up to date with the store and swaps it in:
// the first time, and whenever the change log cannot say what changed, by
// compiling everything; otherwise by patching what the writes since the
// last reload changed (package loader). It runs once at the start, then
// only from s.reloads, one at a time, so that an older configuration never
// replaces a newer one.
func (s *Server) reload(ctx context.Context) error {
	st, err := s.loader.Load(ctx)
	if err != nil {
		return err
	}
	if st.PatchFallback != nil {
		s.log.Warn("a configuration patch was refused; the full reload that replaced it succeeded",
			"err", st.PatchFallback)
	}
	return nil
}

// Shutdown stops accepting, waits for in-flight requests until ctx is done,
// then closes the store and flushes the access log.
func (s *Server) Shutdown(ctx context.Context) error {
	var errs []error
	if s.data != nil {
		errs = append(errs, s.data.Shutdown(ctx))
	}
	if s.admin != nil {
		errs = append(errs, s.admin.Shutdown(ctx))
	}
	s.close()
	return errors.Join(errs...)
}

func (s *Server) close() {
	if !s.serving {
		// A start that failed: every listener it opened is closed, so
		// that its address is free again.
		if s.dataLn != nil {
			s.dataLn.Close()
		}
		if s.adminLn != nil {
			s.adminLn.Close()
		}
	}
	if s.accessLog != nil {
		s.accessLog.Close()
	}
	if s.stopWatch != nil {
		s.stopWatch()
		<-s.watched
	}
	if s.reloads != nil {
		s.reloads.Close()
	}
	if s.counter != nil {
		s.counter.Close()
	}
	if s.store != nil {
		s.store.Close()
	}
}

// Run starts Tollgate and serves until ctx is cancelled (SIGINT, SIGTERM),
// then shuts down gracefully within cfg.ShutdownTimeout.
func Run(ctx context.Context, cfg Config) error {
	s, err := Start(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(cfg.Stderr, "tollgate: serving on %s (admin %s)\n", s.Addr(), s.AdminAddr())
	select {
	case <-ctx.Done():
	case err := <-s.Err():
		s.Shutdown(context.Background())
		return err
	}
	s.log.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := s.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}
