package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/auth"
)

// keyring is an auth.Keys of fixed keys.
type keyring map[string][]byte

func (k keyring) Key(accessKey string) (auth.Key, bool) {
	s, ok := k[accessKey]
	return auth.Key{AccessKey: accessKey, Secrets: [][]byte{s}}, ok
}

// readFramed parses a file of framed requests, as bench/signed.lua does.
func readFramed(t *testing.T, data []byte) []*http.Request {
	t.Helper()
	var reqs []*http.Request
	for len(data) > 0 {
		line, rest, ok := bytes.Cut(data, []byte("\n"))
		if !ok {
			t.Fatalf("request %d: no length line", len(reqs))
		}
		n, err := strconv.Atoi(string(line))
		if err != nil || n > len(rest) {
			t.Fatalf("request %d: bad length %q", len(reqs), line)
		}
		r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(rest[:n])))
		if err != nil {
			t.Fatalf("request %d: %v", len(reqs), err)
		}
		reqs = append(reqs, r)
		data = rest[n:]
	}
	return reqs
}

// readVegeta parses a file of vegeta JSON targets and sends each through
// what vegeta does with a target (lib.Target.Request: the URL, the headers
// copied, the Host header made the request's Host) and then through the
// wire, so that each request is what the gateway would read. It fails when
// a target does not ask to connect to 127.0.0.1:8080, the test's URL.
func readVegeta(t *testing.T, data []byte) []*http.Request {
	t.Helper()
	var reqs []*http.Request
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var tg struct {
			Method string
			URL    string
			Body   []byte
			Header http.Header
		}
		if err := json.Unmarshal(sc.Bytes(), &tg); err != nil {
			t.Fatalf("target %d: %v in %s", len(reqs), err, sc.Bytes())
		}
		r, err := http.NewRequest(tg.Method, tg.URL, bytes.NewReader(tg.Body))
		if err != nil {
			t.Fatalf("target %d: %v", len(reqs), err)
		}
		if r.URL.Host != "127.0.0.1:8080" {
			t.Fatalf("target %d: connects to %s, want 127.0.0.1:8080", len(reqs), r.URL.Host)
		}
		for k, vs := range tg.Header {
			r.Header[k] = vs
		}
		if h := r.Header.Get("Host"); h != "" {
			r.Host = h
		}
		var wire bytes.Buffer
		if err := r.Write(&wire); err != nil {
			t.Fatalf("target %d: %v", len(reqs), err)
		}
		sent, err := http.ReadRequest(bufio.NewReader(&wire))
		if err != nil {
			t.Fatalf("target %d: %v", len(reqs), err)
		}
		reqs = append(reqs, sent)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return reqs
}

// TestRunWritesVerifiableRequests checks, for every scheme that signs a
// GET and for each file format, that what signreqs writes parses as
// HTTP/1.1 as the load generator sends it, carries the Host it was given,
// verifies with the gateway's own verifier, and, for the schemes with a
// nonce, that no nonce repeats.
func TestRunWritesVerifiableRequests(t *testing.T) {
	keys := keyring{"AKBENCH": []byte("bench-secret")}
	formats := []struct {
		name string
		read func(*testing.T, []byte) []*http.Request
	}{
		{"wrk", readFramed},
		{"vegeta", readVegeta},
	}
	for _, f := range formats {
		for _, name := range auth.Names() {
			t.Run(f.name+"/"+name, func(t *testing.T) {
				testWritesVerifiable(t, keys, name, f.name, f.read)
			})
		}
	}
}

// testWritesVerifiable is one case of TestRunWritesVerifiableRequests.
func testWritesVerifiable(t *testing.T, keys keyring, name, format string, read func(*testing.T, []byte) []*http.Request) {
	out := filepath.Join(t.TempDir(), "reqs")
	args := []string{"-n", "200", "-o", out, "-host", "g-abc-test.localhost", "-key", "AKBENCH", "-secret", "bench-secret",
		"-scheme", name, "-format", format, "http://127.0.0.1:8080/hello?a=1"}
	if err := run(args, io.Discard); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	reqs := read(t, data)
	if len(reqs) != 200 {
		t.Fatalf("%d requests, want 200", len(reqs))
	}
	s, _ := auth.ByName(name)
	nonces := map[string]int{}
	for i, r := range reqs {
		if r.Host != "g-abc-test.localhost" || r.URL.Path != "/hello" || r.URL.Query().Get("a") != "1" || r.Method != "GET" {
			t.Fatalf("request %d: %s %s Host %s", i, r.Method, r.URL, r.Host)
		}
		if ua := r.Header.Get("User-Agent"); ua != "" {
			t.Errorf("request %d: User-Agent %q, want none", i, ua)
		}
		res, err := s.Verify(r, nil, keys)
		if err != nil {
			t.Fatalf("request %d does not verify: %v", i, err)
		}
		if d := time.Since(res.SignedAt); !res.SignedAt.IsZero() && (d < -time.Second || d > time.Minute) {
			t.Errorf("request %d: signed at %v, not now", i, res.SignedAt)
		}
		if res.Nonce == "" {
			continue
		}
		if j, ok := nonces[res.Nonce]; ok {
			t.Fatalf("requests %d and %d share the nonce %q", j, i, res.Nonce)
		}
		nonces[res.Nonce] = i
	}
	if name == "JDCLOUD2-HMAC-SHA256" && len(nonces) != len(reqs) {
		t.Errorf("%d distinct nonces for %d requests", len(nonces), len(reqs))
	}
}

// TestRunNoncesDifferAcrossFiles checks that two files, as written before
// two rounds, share no nonce: the gateway remembers nonces for twice the
// replay window, longer than a benchmark.
func TestRunNoncesDifferAcrossFiles(t *testing.T) {
	dir := t.TempDir()
	seen := map[string]bool{}
	for _, f := range []string{"a", "b"} {
		out := filepath.Join(dir, f)
		if err := run([]string{"-n", "50", "-o", out, "-key", "AK", "-secret", "SK", "http://127.0.0.1:1/x"}, io.Discard); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range readFramed(t, data) {
			n := r.Header.Get("X-Jdcloud-Nonce")
			if n == "" || seen[n] {
				t.Fatalf("nonce %q missing or repeated", n)
			}
			seen[n] = true
		}
	}
}

// TestRunRefuses checks the arguments signreqs refuses.
func TestRunRefuses(t *testing.T) {
	out := filepath.Join(t.TempDir(), "reqs")
	for _, args := range [][]string{
		{"-o", out, "-key", "AK", "-secret", "SK"},
		{"-key", "AK", "-secret", "SK", "http://127.0.0.1:1/x"},
		{"-o", out, "-key", "AK", "-secret", "SK", "-n", "0", "http://127.0.0.1:1/x"},
		{"-o", out, "-key", "AK", "-secret", "", "http://127.0.0.1:1/x"},
		{"-o", out, "-key", "AK", "-secret", "SK", "-scheme", "NOPE", "http://127.0.0.1:1/x"},
		{"-o", out, "-key", "AK", "-secret", "SK", "https://127.0.0.1:1/x"},
		{"-o", out, "-key", "AK", "-secret", "SK", "-format", "ab", "http://127.0.0.1:1/x"},
	} {
		if err := run(args, io.Discard); err == nil {
			t.Errorf("run(%s) succeeded", strings.Join(args, " "))
		}
	}
}
