// Command scale measures Tollgate at the size of issue 12 §5: it builds a
// configuration of many groups, APIs and keys through the store (SQLite in
// a temporary directory), starts `tollgate serve` on it as a process of
// its own, and prints the latency of admin writes of four kinds, the time
// of a full and an incremental configuration load, the server's RSS and,
// with -load, the data plane's throughput and p99 idle and under one admin
// write every 100 ms.
//
//	go build -o bin/tollgate ./cmd/tollgate
//	go run ./bench/scale -bin bin/tollgate
//
// `make bench-scale` does both. Every address is on 127.0.0.1.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"
)

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "bin/tollgate", "the tollgate `binary` to measure")
	flag.IntVar(&o.groups, "groups", 1000, "groups of -apis deployed APIs each, beside the hot group of 30")
	flag.IntVar(&o.apis, "apis", 10, "deployed APIs per group")
	flag.IntVar(&o.accounts, "accounts", 4000, "accounts of -keys keys each")
	flag.IntVar(&o.keys, "keys", 25, "keys per account (at most 30, the store's limit, less the ones the benchmark creates)")
	flag.IntVar(&o.writes, "writes", 100, "admin writes of each kind")
	flag.DurationVar(&o.load, "load", 0, "data-plane load per phase (idle, then one write every 100 ms) with wrk; 0 skips it")
	flag.StringVar(&o.dir, "dir", "", "data `directory` to build in and keep, or to measure again if it holds one (default: a temporary one, removed)")
	flag.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the in-process loads to `file`")
	flag.StringVar(&memprofile, "memprofile", "", "write a heap profile after the in-process full loads to `file`")
	flag.Parse()
	log.SetFlags(0)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		log.Fatal(err)
	}
}

type options struct {
	bin                                  string
	groups, apis, accounts, keys, writes int
	load                                 time.Duration
	dir, cpuprofile                      string
}

func run(ctx context.Context, o options) error {
	dir := o.dir
	if dir == "" {
		d, err := os.MkdirTemp("", "tollgate-scale-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	fmt.Printf("# scale: %d groups × %d APIs + 30, %d accounts × %d keys (%s, %d CPUs)\n",
		o.groups, o.apis, o.accounts, o.keys, runtime.Version(), runtime.NumCPU())
	start := time.Now()
	var cfg *config
	var err error
	if _, serr := os.Stat(filepath.Join(dir, "tollgate.db")); serr == nil {
		// A directory an earlier run built and kept (-dir): measure it
		// again as it is.
		if cfg, err = reopen(ctx, dir); err != nil {
			return fmt.Errorf("reuse %s: %w", dir, err)
		}
		fmt.Printf("reusing the configuration in %s\n", dir)
	} else {
		if cfg, err = build(ctx, dir, o); err != nil {
			return fmt.Errorf("build: %w", err)
		}
		fmt.Printf("build through the store: %d APIs deployed, %d keys, %d authorizations in %s (%.0f key writes/s)\n",
			cfg.apis, cfg.keys, cfg.authorizations, time.Since(start).Round(time.Millisecond), cfg.keyRate)
	}

	if o.cpuprofile != "" {
		f, err := os.Create(o.cpuprofile)
		if err != nil {
			return err
		}
		pprof.StartCPUProfile(f)
	}
	err = measureLoads(ctx, dir, cfg, o.writes)
	if o.cpuprofile != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return err
	}

	srv, err := startServer(ctx, o.bin, dir)
	if err != nil {
		return err
	}
	defer srv.stop()
	fmt.Printf("server start (first full load, listeners): %s, RSS %s\n", srv.started.Round(time.Millisecond), srv.rss())
	a := &admin{base: "http://" + srv.admin, token: srv.token}
	if err := measureWrites(a, cfg, o.writes); err != nil {
		return err
	}
	fmt.Printf("server RSS after the writes: %s (peak %s)\n", srv.rss(), srv.hwm())
	if o.load > 0 {
		if err := measureLoad(a, srv, cfg, o.load); err != nil {
			return err
		}
		fmt.Printf("server RSS after the load: %s (peak %s)\n", srv.rss(), srv.hwm())
	}
	return nil
}

// server is a running `tollgate serve`.
type server struct {
	cmd         *exec.Cmd
	data, admin string
	token       string
	started     time.Duration
}

var (
	tokenLine   = regexp.MustCompile(`Admin token \(shown once; kept in [^)]*\): (\S+)`)
	servingLine = regexp.MustCompile(`serving on (\S+) \(admin (\S+)\)`)
)

func startServer(ctx context.Context, bin, dir string) (*server, error) {
	cmd := exec.CommandContext(ctx, bin, "serve", "--data", dir, "--listen", "127.0.0.1:0",
		"--admin-listen", "127.0.0.1:0", "--demo=false", "--access-log=false", "--default-api-qps=0")
	// The server dies with the benchmark, however the benchmark ends.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd}
	tok := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := tokenLine.FindStringSubmatch(sc.Text()); m != nil {
				tok <- m[1]
			}
		}
	}()
	addrs := make(chan [2]string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if m := servingLine.FindStringSubmatch(sc.Text()); m != nil {
				addrs <- [2]string{m[1], m[2]}
			}
		}
	}()
	timeout := time.After(2 * time.Minute)
	for s.data == "" || s.token == "" {
		select {
		case t := <-tok:
			s.token = t
		case a := <-addrs:
			s.data, s.admin = a[0], a[1]
			s.started = time.Since(t0)
			if s.token == "" {
				// A directory used before: the token is in its file,
				// and shown no more.
				if b, err := os.ReadFile(filepath.Join(dir, "admin-token")); err == nil {
					s.token = strings.TrimSpace(string(b))
				}
			}
		case <-timeout:
			s.stop()
			return nil, fmt.Errorf("%s did not start within 2 minutes", bin)
		}
	}
	return s, nil
}

func (s *server) stop() {
	if s.cmd.Process != nil {
		s.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			s.cmd.Process.Kill()
			<-done
		}
	}
}

// rss and hwm read the server's resident and peak resident memory.
func (s *server) rss() string { return s.status("VmRSS") }
func (s *server) hwm() string { return s.status("VmHWM") }

func (s *server) status(field string) string {
	f, err := os.Open(filepath.Join("/proc", fmt.Sprint(s.cmd.Process.Pid), "status"))
	if err != nil {
		return "?"
	}
	defer f.Close()
	b, _ := io.ReadAll(f)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			var kb int64
			fmt.Sscan(strings.TrimSpace(v), &kb)
			return fmt.Sprintf("%d MB", kb/1024)
		}
	}
	return "?"
}
