// Package redistest runs a private redis-server for a test: on a free
// loopback port, in a temporary directory, with no persistence, stopped
// when the test ends. Tests never touch the machine's own Redis on 6379.
//
// The redis-server binary must be on PATH (Debian: apt-get install
// redis-server; scripts/test.sh installs it when missing). Without it the
// test fails, saying so: a test of the Redis engine that skipped would
// pass on a machine that never ran it.
package redistest

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is a redis-server started for one test.
type Server struct {
	t       testing.TB
	bin     string
	dir     string
	port    int
	cluster bool

	mu     sync.Mutex
	proc   *os.Process // nil when stopped
	exited chan error  // receives the process's exit
}

// Start runs a redis-server for t and returns its address (127.0.0.1:port).
// It is stopped when t ends.
func Start(t testing.TB) string {
	t.Helper()
	return StartServer(t).Addr()
}

// StartCluster runs a Redis Cluster of one redis-server holding every
// slot, for t, and returns its address. A cluster refuses a script whose
// keys are not all in one slot (CROSSSLOT), so a test on it checks a key
// layout's hash tags. It is stopped when t ends.
func StartCluster(t testing.TB) string {
	t.Helper()
	return start(t, true).Addr()
}

// StartServer runs a redis-server for t and returns it, to be stopped and
// restarted on the same port by a test of what happens meanwhile. It is
// stopped when t ends.
func StartServer(t testing.TB) *Server {
	t.Helper()
	return start(t, false)
}

func start(t testing.TB, cluster bool) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redistest: redis-server is not on PATH (%v): install it (Debian: apt-get install redis-server; scripts/test.sh does it when run as root)", err)
	}
	s := &Server{t: t, bin: bin, dir: t.TempDir(), cluster: cluster}
	t.Cleanup(s.Stop)
	// A free port can be taken by someone else between the probe and
	// the server's bind: try a few.
	for range 5 {
		if s.port, err = freePort(); err != nil {
			t.Fatalf("redistest: %v", err)
		}
		if err = s.run(); err == nil {
			return s
		}
	}
	t.Fatalf("redistest: %v", err)
	return nil
}

// Addr returns the server's address, the same across restarts.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// Stop kills the server and waits for it to exit. Its data is gone: it
// keeps none.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return
	}
	s.proc.Kill()
	<-s.exited
	s.proc = nil
}

// Restart starts the server again on the same port, empty, after Stop.
func (s *Server) Restart() {
	s.t.Helper()
	// The port was just released; a few tries cover a slow release.
	var err error
	for range 5 {
		if err = s.run(); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("redistest: restart: %v", err)
}

// run starts redis-server on s.port and waits until it answers PING.
func (s *Server) run() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		return fmt.Errorf("already running")
	}
	args := []string{
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--dir", s.dir,
		"--logfile", "redis.log",
	}
	if s.cluster {
		os.Remove(s.dir + "/nodes.conf")
		args = append(args, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf")
	}
	cmd := exec.Command(s.bin, args...)
	cmd.Dir = s.dir
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", s.bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if ping(s.Addr()) == nil {
			select {
			case err := <-exited:
				// Someone else answers on the port: ours could not bind.
				return fmt.Errorf("redis-server on port %d exited (%v): %s", s.port, err, s.logTail())
			case <-time.After(50 * time.Millisecond):
			}
			s.proc, s.exited = cmd.Process, exited
			if s.cluster {
				return s.claimSlots()
			}
			return nil
		}
		select {
		case err := <-exited:
			return fmt.Errorf("redis-server on port %d exited (%v): %s", s.port, err, s.logTail())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			<-exited
			return fmt.Errorf("redis-server on port %d did not answer PING within 10s: %s", s.port, s.logTail())
		}
	}
}

// claimSlots gives the one node of a cluster every slot and waits until
// the cluster says it is ok.
func (s *Server) claimSlots() error {
	if _, err := command(s.Addr(), "CLUSTER", "ADDSLOTSRANGE", "0", "16383"); err != nil {
		return err
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		info, err := command(s.Addr(), "CLUSTER", "INFO")
		if err == nil && strings.Contains(info, "cluster_state:ok") {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the cluster on port %d is not ok within 10s: %v %q", s.port, err, info)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// logTail returns the end of the server's log, for an error message.
func (s *Server) logTail() string {
	b, _ := os.ReadFile(s.dir + "/redis.log")
	const max = 2000
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return strings.TrimSpace(string(b))
}

// ping sends PING and waits for PONG.
func ping(addr string) error {
	got, err := command(addr, "PING")
	if err == nil && got != "PONG" {
		err = fmt.Errorf("PING answered %q", got)
	}
	return err
}

// command sends one command over RESP and returns its answer: a simple
// string, or a bulk string whole. An error answer is an error.
func command(addr string, args ...string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	req := "*" + strconv.Itoa(len(args)) + "\r\n"
	for _, a := range args {
		req += "$" + strconv.Itoa(len(a)) + "\r\n" + a + "\r\n"
	}
	if _, err := c.Write([]byte(req)); err != nil {
		return "", err
	}
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimSuffix(line, "\r\n")
	switch {
	case strings.HasPrefix(line, "+"):
		return line[1:], nil
	case strings.HasPrefix(line, "-"):
		return "", fmt.Errorf("redis: %s", line[1:])
	case strings.HasPrefix(line, "$"):
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return "", err
		}
		b := make([]byte, n+2)
		if _, err := io.ReadFull(r, b); err != nil {
			return "", err
		}
		return string(b[:n]), nil
	}
	return line, nil
}

// freePort returns a loopback port nobody listens on now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
