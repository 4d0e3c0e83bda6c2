// Package dnstest runs an authoritative DNS server in the test's process,
// on a free loopback port, over UDP and TCP, answering TXT queries from
// records the test sets. Point a resolver (dnsverify.New, tollgate serve
// --dns-resolver) at its Addr.
package dnstest

import (
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"
)

// Server is a running DNS server.
type Server struct {
	// Addr is the host:port it listens on, for UDP and TCP alike.
	Addr string

	mu       sync.Mutex
	txt      map[string][]string // lower-case FQDN → values
	failing  map[string]bool
	queries  int
	udp, tcp *dns.Server
}

// Start starts a server that knows no record; the test's cleanup stops
// it.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{txt: map[string][]string{}, failing: map[string]bool{}}
	// One port for both: take a UDP port, then the same for TCP, trying
	// again in the rare case another process holds the TCP one.
	var pc net.PacketConn
	var ln net.Listener
	for range 20 {
		var err error
		if pc, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		if ln, err = net.Listen("tcp", pc.LocalAddr().String()); err == nil {
			break
		}
		pc.Close()
		pc = nil
	}
	if pc == nil {
		t.Fatal("dnstest: no port free for both UDP and TCP")
	}
	s.Addr = pc.LocalAddr().String()
	h := dns.HandlerFunc(s.serve)
	s.udp = &dns.Server{PacketConn: pc, Handler: h}
	s.tcp = &dns.Server{Listener: ln, Handler: h}
	started := make(chan struct{}, 2)
	s.udp.NotifyStartedFunc = func() { started <- struct{}{} }
	s.tcp.NotifyStartedFunc = func() { started <- struct{}{} }
	go s.udp.ActivateAndServe()
	go s.tcp.ActivateAndServe()
	<-started
	<-started
	t.Cleanup(func() {
		s.udp.Shutdown()
		s.tcp.Shutdown()
	})
	return s
}

// SetTXT makes name (with or without its final dot, any case) answer
// values, one TXT record each; no values removes the name.
func (s *Server) SetTXT(name string, values ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key(name)
	if len(values) == 0 {
		delete(s.txt, k)
		return
	}
	s.txt[k] = values
}

// Fail makes queries for name answer SERVFAIL, as a broken zone does.
func (s *Server) Fail(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failing[key(name)] = true
}

// Queries returns how many queries the server answered.
func (s *Server) Queries() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queries
}

func key(name string) string { return strings.ToLower(dns.Fqdn(name)) }

func (s *Server) serve(w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	s.mu.Lock()
	s.queries++
	for _, q := range req.Question {
		k := key(q.Name)
		if s.failing[k] {
			m.Rcode = dns.RcodeServerFailure
			continue
		}
		values, ok := s.txt[k]
		if !ok {
			m.Rcode = dns.RcodeNameError
			continue
		}
		if q.Qtype != dns.TypeTXT {
			continue // the name exists, with no record of that type
		}
		for _, v := range values {
			m.Answer = append(m.Answer, &dns.TXT{
				Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 60},
				Txt: split(v),
			})
		}
	}
	s.mu.Unlock()
	w.WriteMsg(m)
}

// split cuts a value into character strings of at most 255 bytes, as a
// TXT record holds them.
func split(v string) []string {
	var out []string
	for len(v) > 255 {
		out = append(out, v[:255])
		v = v[255:]
	}
	return append(out, v)
}
