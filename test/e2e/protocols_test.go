package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/tollgate-gw/tollgate/internal/app"
	"github.com/tollgate-gw/tollgate/internal/proxy/proxytest"
)

// grpcHealthBackend starts a real grpc-go server with the standard health
// service on a loopback port (gRPC servers speak h2c without TLS) and
// returns its http:// URL and the health server to set statuses on.
func grpcHealthBackend(t *testing.T) (string, *health.Server) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	hs := health.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	go srv.Serve(ln)
	t.Cleanup(srv.Stop)
	return "http://" + ln.Addr().String(), hs
}

// tlsServer starts Tollgate with a self-signed certificate on its data
// listener; it returns the server, a pool that trusts the certificate and
// the certificate's file.
func tlsServer(t *testing.T, cfg app.Config) (*server, *x509.CertPool, string) {
	t.Helper()
	dir := t.TempDir()
	cfg.TLSCert, cfg.TLSKey = selfSigned(t, dir)
	pool := x509.NewCertPool()
	pemBytes, err := os.ReadFile(cfg.TLSCert)
	if err != nil {
		t.Fatal(err)
	}
	pool.AppendCertsFromPEM(pemBytes)
	return start(t, cfg), pool, cfg.TLSCert
}

// publishGRPC publishes, on s, a group whose one API passes the health
// service's calls (POST /grpc.health.v1.Health/...) to backend over gRPC.
// It returns the group's online host.
func publishGRPC(t *testing.T, s *server, backend string) string {
	t.Helper()
	g := s.publish(
		map[string]any{"name": "health"},
		map[string]any{"name": "health", "method": "POST", "path": "/grpc.health.v1.Health", "matchType": "prefix", "grpc": true},
		"online",
		map[string]any{"type": "http", "urls": []string{backend}},
	)
	return g + ".localhost"
}

// checkHealth runs the gRPC health checks a user would through conn: the
// server's overall status, a service the backend reports as not serving,
// and one it does not know, whose NotFound comes back in the trailers.
func checkHealth(t *testing.T, conn *grpc.ClientConn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client := healthpb.NewHealthClient(conn)
	resp, err := client.Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("Check(\"\"): %v, %v; want SERVING", resp, err)
	}
	resp, err = client.Check(ctx, &healthpb.HealthCheckRequest{Service: "billing"})
	if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Fatalf("Check(billing): %v, %v; want NOT_SERVING", resp, err)
	}
	_, err = client.Check(ctx, &healthpb.HealthCheckRequest{Service: "nosuch"})
	if status.Code(err) != codes.NotFound {
		t.Fatalf("Check(nosuch): %v; want the backend's NotFound, carried by the trailers", err)
	}
}

// TestGRPCHealthH2C: a real gRPC health client calls a real grpc-go
// health server through Tollgate, cleartext (h2c) on both sides.
func TestGRPCHealthH2C(t *testing.T) {
	backend, hs := grpcHealthBackend(t)
	hs.SetServingStatus("billing", healthpb.HealthCheckResponse_NOT_SERVING)
	s := start(t, app.Config{H2C: true})
	host := publishGRPC(t, s, backend)
	conn, err := grpc.NewClient(s.data, grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithAuthority(host))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	checkHealth(t, conn)
}

// TestGRPCHealthTLS: the same health checks with TLS between the client
// and Tollgate, which grpc-go admits only when the server negotiates h2
// by ALPN.
func TestGRPCHealthTLS(t *testing.T) {
	backend, hs := grpcHealthBackend(t)
	hs.SetServingStatus("billing", healthpb.HealthCheckResponse_NOT_SERVING)
	s, pool, _ := tlsServer(t, app.Config{})
	host := publishGRPC(t, s, backend)
	creds := credentials.NewTLS(&tls.Config{RootCAs: pool, ServerName: host})
	conn, err := grpc.NewClient(s.data, grpc.WithTransportCredentials(creds), grpc.WithAuthority(host))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	checkHealth(t, conn)
}

// TestGRPCRefusedBeforeBackend: a gRPC call that Tollgate refuses before
// the backend answers gets the dialect's JSON envelope with its HTTP
// status, which a gRPC client reads as the status's code (here 404 →
// Unimplemented); and a backend that is down is Unavailable.
func TestGRPCRefusedBeforeBackend(t *testing.T) {
	backend, _ := grpcHealthBackend(t)
	s := start(t, app.Config{H2C: true})
	host := publishGRPC(t, s, backend)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	unknown, err := grpc.NewClient(s.data, grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithAuthority("nosuchgroup.localhost"))
	if err != nil {
		t.Fatal(err)
	}
	defer unknown.Close()
	_, err = healthpb.NewHealthClient(unknown).Check(ctx, &healthpb.HealthCheckRequest{})
	if status.Code(err) != codes.Unimplemented || !strings.Contains(err.Error(), "404") {
		t.Errorf("unknown group: %v; want Unimplemented from a 404", err)
	}

	s.mustCall(200, "PUT", "/v1/groups/"+strings.TrimSuffix(host, ".localhost")+"/backends/online",
		map[string]any{"type": "http", "urls": []string{proxytest.RefusingURL(t)}})
	conn, err := grpc.NewClient(s.data, grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithAuthority(host))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, err = healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	if status.Code(err) != codes.Unavailable {
		t.Errorf("backend down: %v; want Unavailable", err)
	}
}

// publishEcho publishes, on s, a group whose GET /hello goes to the echo
// backend; it returns the group's online host.
func publishEcho(t *testing.T, s *server) string {
	t.Helper()
	echo := proxytest.Echo(t, "echo")
	g := s.publish(map[string]any{"name": "web"},
		map[string]any{"name": "hello", "method": "GET", "path": "/hello"},
		"online", map[string]any{"type": "http", "urls": []string{echo.URL}})
	return g + ".localhost"
}

// TestHTTP2Clients: Go's HTTP/2 client (net/http with Protocols) and curl
// (--http2 over TLS, --http2-prior-knowledge over cleartext) are answered
// over HTTP/2; without --h2c, a prior-knowledge client is not.
func TestHTTP2Clients(t *testing.T) {
	h2c := start(t, app.Config{H2C: true})
	tlsSrv, pool, certFile := tlsServer(t, app.Config{})
	plain := start(t, app.Config{})
	h2cHost, tlsHost, plainHost := publishEcho(t, h2c), publishEcho(t, tlsSrv), publishEcho(t, plain)

	var onlyH2C, onlyH2 http.Protocols
	onlyH2C.SetUnencryptedHTTP2(true)
	onlyH2.SetHTTP2(true)
	for _, c := range []struct {
		name   string
		client *http.Client
		url    string
	}{
		{"h2c", &http.Client{Transport: &http.Transport{Protocols: &onlyH2C}}, "http://" + h2c.data},
		{"h2 over TLS", &http.Client{Transport: &http.Transport{Protocols: &onlyH2,
			TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: tlsHost}}}, "https://" + tlsSrv.data},
	} {
		host := h2cHost
		if c.name != "h2c" {
			host = tlsHost
		}
		req, _ := http.NewRequest("GET", c.url+"/hello", nil)
		req.Host = host
		resp, err := c.client.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.ProtoMajor != 2 || resp.StatusCode != 200 || !strings.Contains(string(body), `"server":"echo"`) {
			t.Errorf("%s: %s %d %s", c.name, resp.Proto, resp.StatusCode, body)
		}
	}

	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("no curl")
	}
	version := func(args ...string) string {
		out, _ := exec.Command("curl", append([]string{"-sS", "-o", "/dev/null", "--max-time", "10", "-w", "%{http_version} %{http_code}"}, args...)...).CombinedOutput()
		return strings.TrimSpace(string(out))
	}
	_, port, _ := net.SplitHostPort(tlsSrv.data)
	// curl takes no wildcard certificate for *.localhost: it checks the
	// certificate against localhost and sends the group's host as
	// :authority.
	if got := version("--http2", "--cacert", certFile, "-H", "Host: "+tlsHost, "--resolve", "localhost:"+port+":127.0.0.1", "https://localhost:"+port+"/hello"); got != "2 200" {
		t.Errorf("curl --http2 over TLS: %q, want 2 200", got)
	}
	if got := version("--http2-prior-knowledge", "-H", "Host: "+h2cHost, "http://"+h2c.data+"/hello"); got != "2 200" {
		t.Errorf("curl --http2-prior-knowledge with --h2c: %q, want 2 200", got)
	}
	// Upgrade: h2c is not offered: the call goes on over HTTP/1.1.
	if got := version("--http2", "-H", "Host: "+h2cHost, "http://"+h2c.data+"/hello"); got != "1.1 200" {
		t.Errorf("curl --http2 over cleartext: %q, want 1.1 200", got)
	}
	if got := version("--http2-prior-knowledge", "-H", "Host: "+plainHost, "http://"+plain.data+"/hello"); strings.HasSuffix(got, " 200") {
		t.Errorf("curl --http2-prior-knowledge without --h2c: %q, want no answer", got)
	}
}

// TestWebSocketThroughAdmin: an API saved through the admin API with
// "websocket": true tunnels a real WebSocket client to a real echo
// backend; the same path on an API saved without it does not switch.
func TestWebSocketThroughAdmin(t *testing.T) {
	backend := httptestWebSocketEcho(t)
	s := start(t, app.Config{})
	g := s.publish(map[string]any{"name": "live"},
		map[string]any{"name": "chat", "method": "GET", "path": "/chat", "websocket": true},
		"online", map[string]any{"type": "http", "urls": []string{backend}})
	host := g + ".localhost"
	if got := s.mustCall(200, "GET", "/v1/groups/"+g+"/apis", nil); !strings.Contains(fmt.Sprint(got), "websocket:true") {
		t.Errorf("GET apis: %v; want websocket true", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws://"+s.data+"/chat", &websocket.DialOptions{Host: host})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.CloseNow()
	if err := c.Write(ctx, websocket.MessageText, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	if _, got, err := c.Read(ctx); err != nil || string(got) != "hi" {
		t.Fatalf("echo: %q, %v", got, err)
	}
	c.Close(websocket.StatusNormalClosure, "")

	api := s.mustCall(200, "GET", "/v1/groups/"+g+"/apis", nil)["apis"].([]any)[0].(map[string]any)["apiId"].(string)
	s.mustCall(200, "PATCH", "/v1/groups/"+g+"/apis/"+api, map[string]any{"websocket": false})
	s.mustCall(201, "POST", "/v1/groups/"+g+"/revisions", map[string]any{"revision": "1.0.1"})
	s.mustCall(201, "POST", "/v1/groups/"+g+"/deployments", map[string]any{"revision": "1.0.1", "environment": "online"})
	if _, resp, err := websocket.Dial(ctx, "ws://"+s.data+"/chat", &websocket.DialOptions{Host: host}); err == nil || resp == nil || resp.StatusCode == http.StatusSwitchingProtocols {
		t.Fatalf("dial after websocket was turned off: %v; want no switch", err)
	}
	s.mustCall(400, "PATCH", "/v1/groups/"+g+"/apis/"+api, map[string]any{"websocket": true, "method": "POST"})
}

// httptestWebSocketEcho starts a real WebSocket echo server and returns
// its URL.
func httptestWebSocketEcho(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			typ, msg, err := c.Read(r.Context())
			if err != nil {
				return
			}
			if err := c.Write(r.Context(), typ, msg); err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
