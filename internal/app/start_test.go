package app

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"testing"
)

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TestFailedStartFreesListeners: a start that fails after opening a
// listener closes it: the address can be listened on again at once (the
// data listener used to stay open until the process exited). It fails
// once on the admin address, taken by someone else, and once on the TLS
// files, after both listeners were opened.
func TestFailedStartFreesListeners(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	for _, tc := range []struct {
		name  string
		cfg   func(data, admin string) Config
		fails string
	}{
		{"admin address taken", func(data, _ string) Config {
			return Config{Listen: data, AdminListen: taken.Addr().String()}
		}, "admin listener"},
		{"bad TLS files", func(data, admin string) Config {
			return Config{Listen: data, AdminListen: admin, TLSCert: "/nonexistent/cert.pem", TLSKey: "/nonexistent/key.pem"}
		}, "tls"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, admin := freeAddr(t), freeAddr(t)
			cfg := tc.cfg(data, admin)
			cfg.DataDir = filepath.Join(t.TempDir(), "data")
			s, err := Start(context.Background(), cfg)
			if err == nil {
				s.Shutdown(context.Background())
				t.Fatal("Start succeeded")
			}
			if !strings.Contains(err.Error(), tc.fails) {
				t.Fatalf("Start: %v, want a %s failure", err, tc.fails)
			}
			for _, addr := range []string{data, cfg.AdminListen} {
				if addr == taken.Addr().String() {
					continue
				}
				l, err := net.Listen("tcp", addr)
				if err != nil {
					t.Errorf("%s still held after the failed start: %v", addr, err)
					continue
				}
				l.Close()
			}
		})
	}
}

// TestAdminListenerTimeouts: the admin listener bounds how long a request
// may take to arrive, its answer to leave, and a connection to idle, so
// that slow or idle callers cannot hold it.
func TestAdminListenerTimeouts(t *testing.T) {
	s, err := Start(context.Background(), Config{Listen: "127.0.0.1:0", AdminListen: "127.0.0.1:0", DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(context.Background())
	a := s.admin
	if a.ReadHeaderTimeout <= 0 || a.ReadTimeout <= 0 || a.WriteTimeout <= 0 || a.IdleTimeout <= 0 {
		t.Errorf("admin timeouts: header %v, read %v, write %v, idle %v; want all set",
			a.ReadHeaderTimeout, a.ReadTimeout, a.WriteTimeout, a.IdleTimeout)
	}
}
