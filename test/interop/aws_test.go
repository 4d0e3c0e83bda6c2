package interop

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const awsModule = "github.com/aws/aws-sdk-go-v2"

// awsRequest builds r as an *http.Request to grp, its query as written.
func awsRequest(g *gateway, grp groupInfo, r request) (*http.Request, []byte) {
	u := "http://" + g.hostPort(grp.scheme) + callPath(grp)
	if r.raw != "" {
		u += "?" + r.raw
	}
	var body []byte
	if r.body != nil {
		body, _ = json.Marshal(r.body)
	}
	req, _ := http.NewRequest(r.method, u, bytes.NewReader(body))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, body
}

// awsSigner signs with aws-sdk-go-v2's v4.Signer.SignHTTP, as the SDK's
// own middleware does for every AWS call. A new signer each time: the SDK
// caches derived keys per access key and day.
func awsSigner() *client {
	return &client{
		name:    "aws-sdk-go-v2 v4.Signer",
		version: moduleVersion(awsModule),
		scheme:  groupAWS4,
		signs:   "host (with port), x-amz-date and the headers set before signing; query sorted; path encoded twice",
		send: func(g *gateway, grp groupInfo, r request) (string, error) {
			req, body := awsRequest(g, grp, r)
			sum := sha256.Sum256(body)
			creds := aws.Credentials{AccessKeyID: g.ak, SecretAccessKey: g.sk}
			if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, region, time.Now()); err != nil {
				return "", err
			}
			return doHTTP(g, req)
		},
	}
}

// awsPresign makes a presigned URL with aws-sdk-go-v2's
// v4.Signer.PresignHTTP, valid 300 s, with an unsigned payload as S3's
// presigned URLs have, then sends the request to it.
func awsPresign() *client {
	return &client{
		name:            "aws-sdk-go-v2 v4.Signer.PresignHTTP",
		version:         moduleVersion(awsModule),
		scheme:          groupAWS4,
		signs:           "credentials in the query (X-Amz-*, re-encoded and sorted), host only, UNSIGNED-PAYLOAD",
		unsignedPayload: true,
		send: func(g *gateway, grp groupInfo, r request) (string, error) {
			req, body := awsRequest(g, grp, r)
			if req.URL.RawQuery != "" {
				req.URL.RawQuery += "&"
			}
			req.URL.RawQuery += "X-Amz-Expires=300"
			creds := aws.Credentials{AccessKeyID: g.ak, SecretAccessKey: g.sk}
			signed, header, err := v4.NewSigner().PresignHTTP(context.Background(), creds, req, "UNSIGNED-PAYLOAD", service, region, time.Now())
			if err != nil {
				return "", err
			}
			out, _ := http.NewRequest(r.method, signed, bytes.NewReader(body))
			for k, vs := range header {
				if strings.EqualFold(k, "Host") {
					out.Host = vs[0]
					continue
				}
				out.Header[k] = vs
			}
			if body != nil {
				out.Header.Set("Content-Type", "application/json")
			}
			return doHTTP(g, out)
		},
	}
}

// doHTTP sends req through the wire and returns the status line.
func doHTTP(g *gateway, req *http.Request) (string, error) {
	resp, err := wireClient(g).Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.Status, nil
}

// curlVersion is the first line of `curl --version`, or "" without curl.
func curlVersion() string {
	out, err := exec.Command("curl", "--version").Output()
	if err != nil {
		return ""
	}
	f := strings.Fields(string(out))
	if len(f) < 2 {
		return "?"
	}
	return f[1]
}

// curlSigV4 is curl's --aws-sigv4, connecting to the wire with --resolve
// so that the Host header it signs is the group's.
func curlSigV4() *client {
	return &client{
		name:    "curl --aws-sigv4",
		version: curlVersion(),
		scheme:  groupAWS4,
		signs:   "host, x-amz-date; query and path exactly as sent (unsorted, never encoded again)",
		send: func(g *gateway, grp groupInfo, r request) (string, error) {
			host := g.groups[grp.scheme].host
			u := "http://" + g.hostPort(grp.scheme) + callPath(grp)
			if r.raw != "" {
				u += "?" + r.raw
			}
			args := []string{"-sS", "--noproxy", "*", "--max-time", "20", "-o", "/dev/null", "-w", "%{http_code}",
				"--aws-sigv4", "aws:amz:" + region + ":" + service, "--user", g.ak + ":" + g.sk,
				"--resolve", net.JoinHostPort(host, g.wire.port) + ":127.0.0.1", "-X", r.method}
			if r.body != nil {
				body, _ := json.Marshal(r.body)
				args = append(args, "-H", "Content-Type: application/json", "--data-binary", string(body))
			}
			args = append(args, u)
			out, err := exec.Command("curl", args...).CombinedOutput()
			if err != nil {
				return string(out), fmt.Errorf("curl: %v: %s", err, out)
			}
			return string(out), nil
		},
	}
}
