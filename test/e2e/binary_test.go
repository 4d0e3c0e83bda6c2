package e2e

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/proxy/proxytest"
)

// build is cmd/tollgate built once per test run in one mode.
type build struct {
	once sync.Once
	path string
	err  error
}

// builds holds the race-detector build (true), which tests run, and the
// plain one (false), which benchmarks measure since operators run it.
var builds = map[bool]*build{true: {}, false: {}}

// binary builds cmd/tollgate with the race detector once per test run.
func binary(t testing.TB) string {
	t.Helper()
	return binaryOf(t, true)
}

// binaryOf builds cmd/tollgate once per test run, with the race detector
// if race.
func binaryOf(t testing.TB, race bool) string {
	t.Helper()
	b := builds[race]
	b.once.Do(func() {
		dir, err := os.MkdirTemp("", "tollgate-e2e-")
		if err != nil {
			b.err = err
			return
		}
		b.path = filepath.Join(dir, "tollgate")
		args := []string{"build", "-o", b.path}
		if race {
			args = append(args, "-race")
		}
		out, err := exec.Command("go", append(args, "../../cmd/tollgate")...).CombinedOutput()
		if err != nil {
			b.err = err
			t.Logf("go build: %s", out)
		}
	})
	if b.err != nil {
		t.Fatalf("build tollgate: %v", b.err)
	}
	return b.path
}

// process is a running `tollgate serve`.
type process struct {
	cmd         *exec.Cmd
	stdout      *syncBuf
	stderr      *syncBuf // its log
	data, admin string
	done        chan struct{}
	waitErr     error
}

var servingLine = regexp.MustCompile(`serving on (\S+) \(admin (\S+)\)`)

// serve starts `tollgate serve` (the race build) with args, on loopback
// ports of its own, and waits until it serves. It is killed when t ends.
func serve(t testing.TB, args ...string) *process {
	t.Helper()
	return serveWith(t, binary(t), nil, args...)
}

// serveWith is serve of the binary bin with env added to the test's
// environment.
func serveWith(t testing.TB, bin string, env []string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"}, args...)...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	p := &process{cmd: cmd, stdout: new(syncBuf), stderr: new(syncBuf), done: make(chan struct{})}
	cmd.Stdout = p.stdout
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
	})
	found := make(chan []string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.stderr.Write(append(sc.Bytes(), '\n'))
			if m := servingLine.FindStringSubmatch(sc.Text()); m != nil {
				found <- m
			}
		}
	}()
	go func() { p.waitErr = cmd.Wait(); close(p.done) }()
	select {
	case m := <-found:
		p.data, p.admin = m[1], m[2]
	case <-p.done:
		t.Fatalf("tollgate exited before serving: %v; stdout %s; stderr %s", p.waitErr, p.stdout, p.stderr)
	case <-time.After(60 * time.Second):
		t.Fatalf("tollgate did not report its addresses within 60s; stderr %s", p.stderr)
	}
	return p
}

type syncBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestBinaryTokenAndGracefulShutdown runs the real binary: the first start
// prints the admin token once and keeps it with mode 0600; SIGTERM lets an
// in-flight request finish and exits 0.
func TestBinaryTokenAndGracefulShutdown(t *testing.T) {
	dir := t.TempDir()
	p := serve(t, "--data", dir)
	token, err := os.ReadFile(filepath.Join(dir, "admin-token"))
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "admin-token")); fi.Mode().Perm() != 0o600 {
		t.Errorf("admin-token mode %v, want 0600", fi.Mode().Perm())
	}
	if !strings.Contains(p.stdout.String(), strings.TrimSpace(string(token))) {
		t.Errorf("first start did not print the token; stdout: %s", p.stdout)
	}

	// Admin API refuses without the token.
	resp, err := http.Get("http://" + p.admin + "/v1/groups")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("admin without token: got %d, want 401", resp.StatusCode)
	}

	// Point the demo group's test environment at a slow backend and start
	// a call that is in flight when SIGTERM arrives.
	slow := proxytest.Slow(t, 700*time.Millisecond)
	req, _ := http.NewRequest("PUT", "http://"+p.admin+"/v1/groups/demo/backends/test",
		strings.NewReader(`{"type":"http","urls":["`+slow.URL+`"],"timeoutMs":5000}`))
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("PUT backend: %v %v", resp, err)
	}
	result := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("GET", "http://"+p.data+"/hello", nil)
		req.Host = "demo-test.localhost"
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			result <- -1
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		result <- resp.StatusCode
	}()
	time.Sleep(200 * time.Millisecond) // let the call reach the slow backend
	p.cmd.Process.Signal(syscall.SIGTERM)
	if got := <-result; got != 200 {
		t.Errorf("in-flight call across SIGTERM: got %d, want 200", got)
	}
	select {
	case <-p.done:
		if p.waitErr != nil {
			t.Errorf("exit after SIGTERM: %v, want status 0", p.waitErr)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("tollgate did not exit within 20s of SIGTERM")
	}

	// A second start keeps the token and does not print it.
	p2 := serve(t, "--data", dir)
	if strings.Contains(p2.stdout.String(), strings.TrimSpace(string(token))) {
		t.Errorf("second start printed the token again")
	}
}

// TestBinaryTLS serves the data plane over TLS with keep-alive.
func TestBinaryTLS(t *testing.T) {
	dir := t.TempDir()
	cert, key := selfSigned(t, dir)
	p := serve(t, "--data", dir, "--tls-cert", cert, "--tls-key", key)
	pool := x509.NewCertPool()
	pem, _ := os.ReadFile(cert)
	pool.AppendCertsFromPEM(pem)
	client := &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "demo.localhost"},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, p.data)
		},
	}}
	reused := 0
	for i := 0; i < 3; i++ {
		req, _ := http.NewRequest("GET", "https://demo.localhost/hello", nil)
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
			GotConn: func(info httptrace.GotConnInfo) {
				if info.Reused {
					reused++
				}
			},
		}))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("https call: %v", err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.TLS == nil || !strings.Contains(string(body), "Hello") {
			t.Fatalf("https call: got %d %s", resp.StatusCode, body)
		}
	}
	if reused != 2 {
		t.Errorf("keep-alive: %d of 3 calls reused the connection, want 2", reused)
	}
}

func selfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "tollgate test"},
		DNSNames:              []string{"localhost", "*.localhost"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(k)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return certFile, keyFile
}

// TestBinaryErrorsCommand checks `tollgate errors` output formats.
func TestBinaryErrorsCommand(t *testing.T) {
	out, err := exec.Command(binary(t), "errors", "--format", "json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var entries []struct {
		Code     string            `json:"code"`
		Family   string            `json:"family"`
		HTTP     int               `json:"http"`
		Message  map[string]string `json:"message"`
		Solution map[string]string `json:"solution"`
	}
	if err := json.Unmarshal(out, &entries); err != nil {
		t.Fatalf("errors --format json: %v", err)
	}
	if len(entries) != 191 {
		t.Errorf("errors --format json: %d entries, want 191", len(entries))
	}
	for _, e := range entries {
		if e.Code == "" || e.Family == "" || e.HTTP == 0 || e.Message["en"] == "" || e.Message["zh"] == "" {
			t.Errorf("incomplete entry %+v", e)
		}
	}
	out, err = exec.Command(binary(t), "errors", "--lang", "zh", "--family", "sdk", "--format", "markdown").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "| APIGW_NONCE_CONFLICT |") || !strings.Contains(string(out), "重复访问") {
		t.Errorf("errors --lang zh --family sdk --format markdown: %s", out)
	}
	if err := exec.Command(binary(t), "errors", "--format", "xml").Run(); err == nil {
		t.Errorf("errors --format xml: exit 0, want a usage error")
	} else if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
		t.Errorf("errors --format xml: %v, want exit status 2", err)
	}
}
