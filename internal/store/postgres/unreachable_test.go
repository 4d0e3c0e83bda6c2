package postgres

import (
	"context"
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/pgtest"
)

// relay forwards a loopback port to PostgreSQL, and can cut every
// connection and refuse new ones, as a database that goes down does.
type relay struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
	down   bool
}

func newRelay(t *testing.T, target string) *relay {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{ln: ln, target: target}
	t.Cleanup(func() { ln.Close(); r.cut() })
	go func() {
		for {
			c, err := ln.Accept()
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
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			r.mu.Lock()
			r.conns = append(r.conns, c, up)
			r.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
	return r
}

// cut closes every relayed connection; setDown refuses new ones too.
func (r *relay) cut() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.conns {
		c.Close()
	}
	r.conns = nil
}

func (r *relay) setDown(down bool) {
	r.mu.Lock()
	r.down = down
	r.mu.Unlock()
	if down {
		r.cut()
	}
}

// TestUnreachableDatabaseIsUnavailable: while the database cannot be
// reached, a write and a read are refused with errcode.Unavailable (503,
// try again), not OperationFailed (a 500); once it is back, the same write
// succeeds.
func TestUnreachableDatabaseIsUnavailable(t *testing.T) {
	dsn := pgtest.Start(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	r := newRelay(t, u.Host)
	u.Host = r.ln.Addr().String()
	s, err := Open(context.Background(), u.String(), testSealer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	r.setDown(true)
	_, err = s.CreateGroup(ctx, model.Group{Name: "while-down", Dialect: errcode.DialectJDCloud, Language: errcode.English})
	if !errcode.Has(err, errcode.Unavailable) {
		t.Errorf("CreateGroup with the database down: %v, want %s", err, errcode.Unavailable.Name)
	}
	if _, err := s.Group(ctx, "g-nothing"); !errcode.Has(err, errcode.Unavailable) {
		t.Errorf("Group with the database down: %v, want %s", err, errcode.Unavailable.Name)
	}

	r.setDown(false)
	var g model.Group
	for try := 0; ; try++ {
		// The pool may first hand out a connection the cut broke.
		g, err = s.CreateGroup(ctx, model.Group{Name: "after", Dialect: errcode.DialectJDCloud, Language: errcode.English})
		if err == nil || try == 5 {
			break
		}
	}
	if err != nil || g.ID == "" {
		t.Errorf("CreateGroup once the database is back: %+v, %v", g, err)
	}
}
