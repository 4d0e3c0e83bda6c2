package proxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// trailerBackend answers over HTTP/2 as a gRPC server does: a body, then
// trailers it did not announce. It tells, in headers, which protocol the
// call came over and the TE it carried.
func trailerBackend(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/grpc")
	w.Header().Set("X-Proto", r.Proto)
	w.Header().Set("X-Te", r.Header.Get("Te"))
	w.WriteHeader(http.StatusOK)
	w.Write(append([]byte("echo:"), body...))
	w.Header().Set(http.TrailerPrefix+"Grpc-Status", "0")
	w.Header().Set(http.TrailerPrefix+"Grpc-Message", "fine")
}

// h2Only returns protocols of HTTP/2 and h2c alone, so that a server or a
// client that fell back to HTTP/1.1 fails instead.
func h2Only() *http.Protocols {
	p := new(http.Protocols)
	p.SetHTTP2(true)
	p.SetUnencryptedHTTP2(true)
	return p
}

// TestForwardHTTP2 sends a call with Outbound.HTTP2 through a real
// gateway-side server to an h2c backend and to an h2-over-TLS one, from an
// HTTP/2 client and from an HTTP/1.1 one: the backend gets HTTP/2 with
// "TE: trailers", and the client gets the body and the trailers.
func TestForwardHTTP2(t *testing.T) {
	h2c := httptest.NewUnstartedServer(http.HandlerFunc(trailerBackend))
	h2c.Config.Protocols = h2Only()
	h2c.Start()
	defer h2c.Close()
	tlsBackend := httptest.NewUnstartedServer(http.HandlerFunc(trailerBackend))
	tlsBackend.EnableHTTP2 = true
	tlsBackend.StartTLS()
	defer tlsBackend.Close()

	backends := []struct {
		name string
		pool *Pool
	}{
		{"h2c", newPool(t, PoolConfig{URLs: []string{h2c.URL}})},
		// The TLS backend's client transport trusts its certificate.
		{"h2", newPool(t, PoolConfig{URLs: []string{tlsBackend.URL}, Transport: tlsBackend.Client().Transport})},
	}
	for _, b := range backends {
		front := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := b.pool.Forward(w, r, Outbound{Path: "/pkg.Svc/Call", HTTP2: true}); err != nil {
				t.Errorf("%s: Forward: %v", b.name, err)
			}
		}))
		front.Config.Protocols = new(http.Protocols)
		front.Config.Protocols.SetHTTP1(true)
		front.Config.Protocols.SetUnencryptedHTTP2(true)
		front.Start()
		for _, client := range []struct {
			name      string
			protocols *http.Protocols
			proto     string
		}{
			{"h2c client", h2Only(), "HTTP/2.0"},
			{"http/1.1 client", nil, "HTTP/1.1"},
		} {
			c := &http.Client{Transport: &http.Transport{Protocols: client.protocols}}
			req, _ := http.NewRequest("POST", front.URL+"/x", strings.NewReader("ping"))
			req.Header.Set("Te", "trailers")
			resp, err := c.Do(req)
			if err != nil {
				t.Fatalf("%s, %s: %v", b.name, client.name, err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			checks := []struct{ what, got, want string }{
				{"client protocol", resp.Proto, client.proto},
				{"backend protocol", resp.Header.Get("X-Proto"), "HTTP/2.0"},
				{"backend TE", resp.Header.Get("X-Te"), "trailers"},
				{"body", string(body), "echo:ping"},
				{"grpc-status trailer", resp.Trailer.Get("Grpc-Status"), "0"},
				{"grpc-message trailer", resp.Trailer.Get("Grpc-Message"), "fine"},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s, %s: %s = %q, want %q", b.name, client.name, c.what, c.got, c.want)
				}
			}
			c.CloseIdleConnections()
		}
		front.Close()
	}
}

// TestForwardHTTP2RefusedByHTTP1Backend shows that a gRPC call is never
// downgraded: a backend that speaks HTTP/1.1 only is a bad gateway, not a
// silent HTTP/1.1 call without trailers.
func TestForwardHTTP2RefusedByHTTP1Backend(t *testing.T) {
	h1 := httptest.NewServer(http.HandlerFunc(trailerBackend))
	defer h1.Close()
	p := newPool(t, PoolConfig{URLs: []string{h1.URL}})
	req := httptest.NewRequest("POST", "http://g.localhost/x", strings.NewReader("ping"))
	w := httptest.NewRecorder()
	res, err := p.Forward(w, req, Outbound{HTTP2: true})
	if !errcode.Has(err, errcode.BadGateway) || res.Started {
		t.Fatalf("Forward to an HTTP/1.1 backend: got %+v, %v; want BadGateway before any answer", res, err)
	}
}
