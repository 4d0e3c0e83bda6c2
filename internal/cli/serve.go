package cli

import (
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/tollgate-gw/tollgate/internal/app"
	"github.com/tollgate-gw/tollgate/internal/egress"
	"github.com/tollgate-gw/tollgate/internal/gateway"
	"github.com/tollgate-gw/tollgate/internal/proxy"
	"github.com/tollgate-gw/tollgate/internal/telemetry"
)

func runServe(args []string, stdout, stderr io.Writer) error {
	var cfg app.Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Listen, "listen", ":8080", "data-plane `address`")
	fs.StringVar(&cfg.AdminListen, "admin-listen", "127.0.0.1:9080", "admin API, metrics and health `address`")
	fs.StringVar(&cfg.DataDir, "data", "./tollgate-data", "data `directory`: SQLite store and admin token")
	fs.StringVar(&cfg.Store, "store", os.Getenv("TOLLGATE_STORE"), "configuration store: a postgres://USER@HOST:PORT/DB `URL` that the nodes of a cluster share (docs/cluster.md); the default is $TOLLGATE_STORE, else SQLite in --data")
	fs.StringVar(&cfg.BaseDomain, "base-domain", "localhost", "groups are served at {groupId}[-test|-preview].`domain`")
	fs.StringVar(&cfg.TLSCert, "tls-cert", "", "certificate `file` for TLS on the data listener")
	fs.StringVar(&cfg.TLSKey, "tls-key", "", "private key `file` for TLS on the data listener")
	fs.IntVar(&cfg.MaxInFlight, "max-in-flight", 10000, "requests in flight past which the data plane answers busy at once (0: no limit)")
	fs.Int64Var(&cfg.DefaultAPIQPS, "default-api-qps", gateway.DefaultAPIQPS, "calls per second to each API of a group with no traffic policy, from every caller together (0: no default limit)")
	fs.DurationVar(&cfg.BodyTimeout, "body-timeout", gateway.DefaultBodyTimeout, "time a data-plane request's body may take, from its headers to its end, before it is cut and its connection closed (0: no limit)")
	fs.Int64Var(&cfg.MinBodyRate, "min-body-rate", gateway.DefaultMinBodyRate, "bytes per second below which a data-plane request's body, averaged since its headers, is cut once 5 s have passed (0: no minimum)")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", 15*time.Second, "how long to wait for in-flight requests at shutdown")
	fs.DurationVar(&cfg.ReloadEvery, "reload-every", 0, "reload the configuration this often without being asked, to serve what other nodes changed in a shared --store; 0: every second with --store, never with SQLite; negative: never")
	fs.BoolVar(&cfg.Demo, "demo", true, "create the demo group on a first start with an empty store")
	fs.BoolVar(&cfg.AccessLog, "access-log", true, "write one JSON access-log line per call to standard output")
	fs.StringVar(&cfg.UpstreamClient, "upstream-client", proxy.UpstreamClient(), "client for http:// backends: h1 (Tollgate's own HTTP/1.1 client) or std (net/http's Transport, which https:// backends always use); the default is $TOLLGATE_UPSTREAM_CLIENT, else h1")
	backendAllow := fs.String("backend-allow", "", "loopback and private `CIDR`s (comma-separated) that backends saved by tenants may reach; the operator's may reach any (docs/security.md, Egress policy)")
	fs.BoolVar(&cfg.H2C, "h2c", false, "serve cleartext HTTP/2 (prior knowledge, as gRPC clients speak it) beside HTTP/1.1 on a data listener without TLS; with TLS, HTTP/2 is always offered")
	fs.DurationVar(&cfg.WebSocketIdleTimeout, "websocket-idle-timeout", gateway.DefaultWebSocketIdleTimeout, "close a WebSocket tunnel once no byte went either way for this `duration`")
	fs.DurationVar(&cfg.WebSocketMaxDuration, "websocket-max-duration", gateway.DefaultWebSocketMaxDuration, "close a WebSocket tunnel once it has been open this `duration`")
	fs.StringVar(&cfg.Counters, "counters", "", "count rate limits, nonces, quotas, balances and usage in the Redis at this `URL` (redis://HOST:PORT/DB), shared by every node; empty: the journaled in-memory counter in --data (docs/cluster.md)")
	fs.IntVar(&cfg.ClusterNodes, "cluster-nodes", 1, "nodes expected to share --counters: while Redis is down each node admits 1/`N` of every rate limit on its own")
	fs.StringVar(&cfg.DNSResolver, "dns-resolver", "", "DNS server (`host:port`) that custom domains' verification records (TXT _tollgate.<domain>) are looked up with; empty: the system's resolver")
	fs.BoolVar(&cfg.RequireDomainRecord, "require-domain-record", false, "serve a verified custom domain only once the operator recorded its filing number (PUT /v1/groups/{groupId}/domains/{domain}/record)")
	zone := fs.String("time-zone", "Local", "IANA time `zone` (Asia/Shanghai, UTC) whose midnight resets daily quotas and delimits the days of usage and bills; Local is the machine's")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return exitUsage{err.Error()}
	}
	if fs.NArg() > 0 {
		return exitUsage{"unexpected argument " + fs.Arg(0)}
	}
	if cfg.DefaultAPIQPS < 0 {
		return exitUsage{"--default-api-qps cannot be negative"}
	}
	if cfg.ClusterNodes < 1 {
		return exitUsage{"--cluster-nodes must be at least 1"}
	}
	if cfg.BodyTimeout < 0 || cfg.MinBodyRate < 0 {
		return exitUsage{"--body-timeout and --min-body-rate cannot be negative"}
	}
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return exitUsage{"--tls-cert and --tls-key go together"}
	}
	allow, err := egress.ParseAllow(*backendAllow)
	if err != nil {
		return exitUsage{"--backend-allow: " + err.Error()}
	}
	cfg.BackendAllow = allow
	if cfg.WebSocketIdleTimeout <= 0 || cfg.WebSocketMaxDuration <= 0 {
		return exitUsage{"--websocket-idle-timeout and --websocket-max-duration must be positive"}
	}
	loc, err := time.LoadLocation(*zone)
	if err != nil {
		return exitUsage{"--time-zone: " + err.Error()}
	}
	cfg.Zone = loc
	cfg.Stdout, cfg.Stderr = stdout, stderr

	// Off unless TOLLGATE_CPUPROFILE, TOLLGATE_MEMPROFILE or
	// TOLLGATE_TRACE names a file (docs/benchmarks.md, "Profiling a
	// server").
	stopProfiles, err := telemetry.StartProfiles(os.Getenv)
	if err != nil {
		return err
	}
	defer stopProfiles()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	return app.Run(ctx, cfg)
}
