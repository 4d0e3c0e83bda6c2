package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/tollgate-gw/tollgate/internal/auth"
)

// defaultCallScheme is the scheme tollgate call signs with unless told:
// JD Cloud's own, which, unlike AWS4 and TC3, carries a nonce, so that the
// gateway can refuse a replay of the call.
const defaultCallScheme = "JDCLOUD2-HMAC-SHA256"

// zenithLife is how long a Zenith signature made by tollgate call lives.
// The gateway refuses an expiry further ahead than the group's replay
// window (5 minutes unless the group says otherwise), so it is short.
const zenithLife = time.Minute

// getenv reads the environment; tests replace it.
var getenv = os.Getenv

// callFlags are tollgate call's options.
type callFlags struct {
	nonce           string
	key, secret     string
	scheme          string
	region, service string
	headers         []string
	data            string
	timeout         time.Duration
	fail            bool
}

func runCall(args []string, stdout, stderr io.Writer) error {
	var f callFlags
	fs := flag.NewFlagSet("call", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: tollgate call [flags] METHOD URL\n\n"+
			"Signs a request with an access key, sends it and prints the status line,\n"+
			"the headers and the body. Hosts under .localhost are dialled on the\n"+
			"loopback address, with the Host header as written.\n\nFlags:")
		fs.PrintDefaults()
	}
	fs.StringVar(&f.key, "key", getenv("TOLLGATE_ACCESS_KEY"), "access key or app key (default $TOLLGATE_ACCESS_KEY); none sends the request unsigned")
	fs.StringVar(&f.secret, "secret", getenv("TOLLGATE_SECRET_KEY"), "secret key (default $TOLLGATE_SECRET_KEY)")
	fs.StringVar(&f.scheme, "scheme", defaultCallScheme, "signature scheme: "+strings.Join(auth.Names(), ", "))
	fs.StringVar(&f.region, "region", "cn-north-1", "credential scope region (SigV4 family; Tencent's Region)")
	fs.StringVar(&f.service, "service", "tollgate", "credential scope service (SigV4 family)")
	fs.Func("H", "request header `'Name: value'` (repeatable)", func(v string) error {
		if !strings.Contains(v, ":") {
			return errors.New("a header is 'Name: value'")
		}
		f.headers = append(f.headers, v)
		return nil
	})
	fs.StringVar(&f.data, "d", "", "request `body`; @file reads it from a file")
	fs.StringVar(&f.nonce, "nonce", "", "the nonce to sign with, for schemes that carry one (default: a fresh random one; give the same twice to see a replay refused)")
	fs.DurationVar(&f.timeout, "timeout", 30*time.Second, "give up after this long")
	fs.BoolVar(&f.fail, "fail", false, "exit with status 1 when the answer's status is 400 or more")

	pos, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return exitUsage{err.Error()}
	}
	if len(pos) != 2 {
		return exitUsage{"want METHOD URL, got " + strings.Join(pos, " ")}
	}
	if _, ok := auth.ByName(f.scheme); !ok {
		return exitUsage{"unknown --scheme " + f.scheme + "; one of " + strings.Join(auth.Names(), ", ")}
	}
	if f.key != "" && f.secret == "" {
		return exitUsage{"--key needs --secret (or $TOLLGATE_SECRET_KEY)"}
	}
	req, body, err := f.request(strings.ToUpper(pos[0]), pos[1])
	if err != nil {
		return exitUsage{err.Error()}
	}
	if f.key == "" {
		fmt.Fprintln(stderr, "tollgate call: no --key: sending the request unsigned")
	} else if err := f.sign(req, body); err != nil {
		return err
	}

	ctx, cancel := context.WithTimeout(context.Background(), f.timeout)
	defer cancel()
	resp, err := callClient().Do(req.WithContext(ctx))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := printResponse(stdout, resp); err != nil {
		return err
	}
	if f.fail && resp.StatusCode >= 400 {
		return fmt.Errorf("the answer's status is %s", resp.Status)
	}
	return nil
}

// parseInterspersed parses flags that may come before, between or after
// the positional arguments, and returns the positional ones. "--" ends
// the flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// request builds the request, without credentials.
func (f *callFlags) request(method, rawURL string) (*http.Request, []byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || u.Scheme != "http" && u.Scheme != "https" {
		return nil, nil, fmt.Errorf("%q is not an http or https URL", rawURL)
	}
	var body []byte
	switch {
	case strings.HasPrefix(f.data, "@"):
		if body, err = os.ReadFile(f.data[1:]); err != nil {
			return nil, nil, err
		}
	case f.data != "":
		body = []byte(f.data)
	}
	req, err := http.NewRequest(method, u.String(), strings.NewReader(string(body)))
	if err != nil {
		return nil, nil, err
	}
	if len(body) == 0 {
		req.Body, req.GetBody, req.ContentLength = http.NoBody, nil, 0
	}
	for _, h := range f.headers {
		name, value, _ := strings.Cut(h, ":")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if strings.EqualFold(name, "Host") {
			req.Host = value
			continue
		}
		req.Header.Add(name, value)
	}
	if len(body) > 0 && req.Header.Get("Content-Type") == "" {
		// As curl -d does, but JSON is said to be JSON.
		ct := "application/x-www-form-urlencoded"
		if b := strings.TrimSpace(string(body)); strings.HasPrefix(b, "{") || strings.HasPrefix(b, "[") {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	return req, body, nil
}

// sign signs req with the chosen scheme; the signer adds a fresh nonce
// where the scheme carries one.
func (f *callFlags) sign(req *http.Request, body []byte) error {
	s, _ := auth.ByName(f.scheme)
	now := time.Now()
	err := s.(auth.Signer).Sign(req, body, auth.Signing{
		AccessKey: f.key,
		Secret:    []byte(f.secret),
		Time:      now,
		Expires:   now.Add(zenithLife),
		Region:    f.region,
		Service:   f.service,
		Nonce:     f.nonce,
	})
	if err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	return nil
}

// callClient returns the client that sends the call. It does not follow
// redirects (the answer is shown as it is), and it dials every host under
// .localhost on the loopback address: Go's resolver, unlike browsers and
// curl, does not resolve *.localhost by itself, and the gateway's default
// host names (g1-test.localhost) live there. The Host header stays the
// one in the URL, which is what the gateway routes by and what is signed.
func callClient() *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err == nil && isLocalhost(host) {
			c, err := d.DialContext(ctx, network, net.JoinHostPort("127.0.0.1", port))
			if err == nil {
				return c, nil
			}
			return d.DialContext(ctx, network, net.JoinHostPort("::1", port))
		}
		return d.DialContext(ctx, network, addr)
	}
	return &http.Client{
		Transport:     t,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// isLocalhost reports whether host is localhost or a name under it (RFC
// 6761 reserves them all for the loopback).
func isLocalhost(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	return host == "localhost" || strings.HasSuffix(host, ".localhost")
}

// printResponse writes the status line, the headers sorted by name, a
// blank line and the body.
func printResponse(w io.Writer, resp *http.Response) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", resp.Proto, resp.Status)
	names := make([]string, 0, len(resp.Header))
	for k := range resp.Header {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		for _, v := range resp.Header[k] {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	b.WriteByte('\n')
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	_, err := io.Copy(w, resp.Body)
	return err
}
