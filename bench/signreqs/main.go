// Command signreqs writes pre-signed HTTP/1.1 requests for the load
// benchmark's signed target (scripts/bench.sh, bench/signed.lua).
//
// wrk cannot sign: a Lua signer would cost wrk more CPU than the gateway
// spends verifying, and would measure wrk. So the requests are signed
// beforehand, each with its own nonce, by the signers of internal/auth that
// tollgate call uses, and wrk replays each of them once. The gateway
// accepts a nonce once per key, so a request sent twice is refused; and it
// refuses a signing time more than the group's replay window (5 minutes by
// default) from its own, so a file is written right before the run that
// uses it.
//
// Usage:
//
//	signreqs -n N -o FILE -host HOST [-key AK -secret SK] [-scheme S] [-format F] URL
//
// URL gives the method's target (its path and query); HOST is the Host
// header, signed, which the gateway routes by. The key and the secret
// default to $TOLLGATE_ACCESS_KEY and $TOLLGATE_SECRET_KEY, as for
// tollgate call.
//
// With -format wrk (the default) the file holds N requests, each framed as
// its length in bytes in decimal, a newline, and the raw request (request
// line, headers, blank line, body), for bench/signed.lua. With -format
// vegeta it holds N lines of vegeta's JSON target format (method, url,
// header, body in base64), for the open-loop run: vegeta connects to URL's
// host and sends the Host header of the line.
package main

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-gw/tollgate/internal/auth"
)

// batch is what every request of a file shares; only the nonce differs.
type batch struct {
	Method    string
	URL       *url.URL
	Host      string
	Scheme    auth.Signer
	AccessKey string
	Secret    []byte
	Region    string
	Service   string
	// Time is the signing time of every request.
	Time time.Time
	// NoncePrefix starts every nonce; the request's index ends it, so that
	// the nonces of a file are distinct by construction, and those of two
	// files as distinct as their random prefixes.
	NoncePrefix string
}

// nonce returns the nonce of the i-th request.
func (b *batch) nonce(i int) string {
	return b.NoncePrefix + "-" + strconv.Itoa(i)
}

// request returns the i-th request, signed.
func (b *batch) request(i int) (*http.Request, error) {
	// The query-signed schemes add their parameters to the URL: each
	// request gets its own copy.
	u := *b.URL
	r := &http.Request{
		Method:     b.Method,
		URL:        &u,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     http.Header{},
		Host:       b.Host,
		Body:       http.NoBody,
	}
	// wrk's own requests carry no User-Agent; an empty one keeps
	// Request.Write from adding Go's, so that the signed target is sent
	// the same bytes as the others plus the credentials.
	r.Header.Set("User-Agent", "")
	err := b.Scheme.Sign(r, nil, auth.Signing{
		AccessKey: b.AccessKey,
		Secret:    b.Secret,
		Time:      b.Time,
		Expires:   b.Time.Add(time.Minute),
		Region:    b.Region,
		Service:   b.Service,
		Nonce:     b.nonce(i),
	})
	return r, err
}

// write writes n requests to w, each encoded by enc.
func (b *batch) write(w io.Writer, n int, enc func(*bufio.Writer, *http.Request) error) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	for i := range n {
		r, err := b.request(i)
		if err != nil {
			return err
		}
		if err := enc(bw, r); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// writeFramed writes r as bench/signed.lua reads it: its length, a
// newline, and r on the wire.
func writeFramed(w *bufio.Writer, r *http.Request) error {
	var raw strings.Builder
	if err := r.Write(&raw); err != nil {
		return err
	}
	fmt.Fprintf(w, "%d\n", raw.Len())
	_, err := w.WriteString(raw.String())
	return err
}

// vegetaTarget is one line of vegeta's JSON target format
// (github.com/tsenart/vegeta/v12/lib.Target), spelled out here so that
// vegeta stays out of the product's go.mod.
type vegetaTarget struct {
	Method string      `json:"method"`
	URL    string      `json:"url"`
	Body   []byte      `json:"body,omitempty"`
	Header http.Header `json:"header,omitempty"`
}

// writeVegeta writes r as one line of vegeta's JSON target format. The
// Host travels as a header, which vegeta makes the request's Host; the
// empty User-Agent stays, which keeps Go's client from adding its own, as
// in the framed format.
func writeVegeta(w *bufio.Writer, r *http.Request) error {
	h := r.Header.Clone()
	h["Host"] = []string{r.Host}
	line, err := json.Marshal(vegetaTarget{Method: r.Method, URL: r.URL.String(), Header: h})
	if err != nil {
		return err
	}
	w.Write(line)
	return w.WriteByte('\n')
}

// encoders are the file formats of -format.
var encoders = map[string]func(*bufio.Writer, *http.Request) error{
	"wrk":    writeFramed,
	"vegeta": writeVegeta,
}

// randomPrefix returns 64 random bits in hex.
func randomPrefix() string {
	var p [8]byte
	rand.Read(p[:])
	return hex.EncodeToString(p[:])
}

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "signreqs:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("signreqs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 1000, "number of requests")
	out := fs.String("o", "", "output `file` (required)")
	host := fs.String("host", "", "Host header, signed (default: the URL's host)")
	method := fs.String("method", "GET", "request method")
	key := fs.String("key", os.Getenv("TOLLGATE_ACCESS_KEY"), "access key (default $TOLLGATE_ACCESS_KEY)")
	secret := fs.String("secret", os.Getenv("TOLLGATE_SECRET_KEY"), "secret key (default $TOLLGATE_SECRET_KEY)")
	scheme := fs.String("scheme", "JDCLOUD2-HMAC-SHA256", "signature scheme: "+strings.Join(auth.Names(), ", "))
	region := fs.String("region", "cn-north-1", "credential scope region")
	service := fs.String("service", "tollgate", "credential scope service")
	format := fs.String("format", "wrk", "file format: wrk (framed, for bench/signed.lua) or vegeta (JSON targets)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("want one URL")
	}
	u, err := url.Parse(fs.Arg(0))
	if err != nil || u.Host == "" || u.Scheme != "http" {
		return fmt.Errorf("%q is not an http URL", fs.Arg(0))
	}
	switch {
	case *out == "":
		return errors.New("-o is required")
	case *n < 1:
		return errors.New("-n must be at least 1")
	case *key == "" || *secret == "":
		return errors.New("a key and a secret are required (-key, -secret)")
	}
	enc, ok := encoders[*format]
	if !ok {
		return fmt.Errorf("unknown -format %s; one of wrk, vegeta", *format)
	}
	s, ok := auth.ByName(*scheme)
	if !ok {
		return fmt.Errorf("unknown -scheme %s; one of %s", *scheme, strings.Join(auth.Names(), ", "))
	}
	if *host == "" {
		*host = u.Host
	}
	b := &batch{
		Method:      strings.ToUpper(*method),
		URL:         u,
		Host:        *host,
		Scheme:      s.(auth.Signer),
		AccessKey:   *key,
		Secret:      []byte(*secret),
		Region:      *region,
		Service:     *service,
		Time:        time.Now(),
		NoncePrefix: randomPrefix(),
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	if err := b.write(f, *n, enc); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
