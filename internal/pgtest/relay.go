package pgtest

import (
	"bytes"
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
	// atCommit arms the relay to break the next connection that commits
	// (CutAtCommit); downAtCommit takes the relay down then too.
	atCommit, downAtCommit bool
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
		go func() { defer wg.Done(); r.toServer(up, c) }()
		go func() { defer wg.Done(); io.Copy(c, up); c.Close(); up.Close() }()
		go func() {
			wg.Wait()
			r.mu.Lock()
			delete(r.conns, c)
			delete(r.conns, up)
			r.mu.Unlock()
		}()
	}
}

// CutAtCommit arms the relay: the next COMMIT a client sends (pgx sends
// it alone, in a simple Query message) reaches the database, and the
// client's end of that connection is closed at once, so that it never
// learns whether its transaction committed; the database's answer is
// dropped. With down, the relay is taken down at the same instant: every
// other connection is cut and new ones are refused, as if the database
// went away just as the COMMIT arrived. The relay then acts once.
func (r *Relay) CutAtCommit(down bool) {
	r.mu.Lock()
	r.atCommit, r.downAtCommit = true, down
	r.mu.Unlock()
}

// commitMessage is a simple Query message of "commit": 'Q', its length
// (4 + 7 bytes) and the statement with its NUL.
var commitMessage = []byte("Q\x00\x00\x00\x0bcommit\x00")

// toServer copies what client sends to up until either end closes, then
// closes up; or until the relay, armed by CutAtCommit, has passed on a
// COMMIT, when it closes client and leaves up open for the database's
// answer, which the other direction drops when it cannot pass it on.
func (r *Relay) toServer(up, client net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := client.Read(buf)
		if n > 0 {
			// Decided before the COMMIT is passed on: once it is, its
			// answer may be back before an arming that comes after.
			cut := r.committing(buf[:n], up)
			if _, werr := up.Write(buf[:n]); werr != nil {
				break
			}
			if cut {
				client.Close()
				return
			}
		}
		if err != nil {
			break
		}
	}
	up.Close()
}

// committing reports whether the relay is armed and data holds a COMMIT,
// and disarms it then; taking it down if asked, it cuts every connection
// but up, which must live until the database has read the COMMIT.
func (r *Relay) committing(data []byte, up net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.atCommit || !bytes.Contains(data, commitMessage) {
		return false
	}
	r.atCommit = false
	if r.downAtCommit {
		r.down = true
		for c := range r.conns {
			if c != up {
				c.Close()
			}
		}
	}
	return true
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
