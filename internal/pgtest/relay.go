package pgtest

import (
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
)

// Relay stands between a test's clients and a database: it forwards a
// loopback port of its own to the database's server and can be taken
// down, which cuts every connection it carries and closes each new one
// as soon as it arrives, as a database that went away does, and brought
// up again. The server itself, shared by the test binary, never stops.
type Relay struct {
	ln     net.Listener
	target string
	dsn    string

	mu    sync.Mutex
	conns map[net.Conn]struct{} // both ends of every relayed connection
	down  bool
}

// NewRelay starts a relay to the server of dsn (a URL from Start) for t,
// up. It stops, closing what it carries, when t ends.
func NewRelay(t testing.TB, dsn string) *Relay {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("pgtest: relay: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("pgtest: relay: %v", err)
	}
	r := &Relay{ln: ln, target: u.Host, conns: map[net.Conn]struct{}{}}
	u.Host = ln.Addr().String()
	r.dsn = u.String()
	t.Cleanup(func() { ln.Close(); r.cut() })
	go r.accept()
	return r
}

// DSN returns the database's URL through the relay.
func (r *Relay) DSN() string { return r.dsn }

// SetDown takes the relay down (true), cutting every connection and
// refusing new ones, or brings it up (false).
func (r *Relay) SetDown(down bool) {
	r.mu.Lock()
	r.down = down
	r.mu.Unlock()
	if down {
		r.cut()
	}
}

func (r *Relay) accept() {
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return
		}
		r.mu.Lock()
		down := r.down
		r.mu.Unlock()
		if down {
			c.Close()
			continue
		}
		up, err := net.Dial("tcp", r.target)
		if err != nil {
			c.Close()
			continue
		}
		r.mu.Lock()
		if r.down {
			// Taken down while dialling: cut already ran.
			r.mu.Unlock()
			c.Close()
			up.Close()
			continue
		}
		r.conns[c], r.conns[up] = struct{}{}, struct{}{}
		r.mu.Unlock()
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); io.Copy(up, c); up.Close() }()
		go func() { defer wg.Done(); io.Copy(c, up); c.Close() }()
		go func() {
			wg.Wait()
			r.mu.Lock()
			delete(r.conns, c)
			delete(r.conns, up)
			r.mu.Unlock()
		}()
	}
}

// cut closes every relayed connection.
func (r *Relay) cut() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for c := range r.conns {
		c.Close()
	}
	clear(r.conns)
}
