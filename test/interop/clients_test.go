package interop

import (
	"context"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"time"
)

// client is one real client: how it sends a request, and what it can and
// cannot express.
type client struct {
	name    string // as the table shows it
	version string
	scheme  string // the scheme it signs, which is also its group
	// signs says what this client signs that the others do not, for the
	// table in docs/auth.md.
	signs string
	// cannot maps a case name to why the client cannot send it; such a
	// case is not run for the client, and the table says so.
	cannot map[string]string
	// noPostQuery: the client's POST carries its parameters in the body
	// only, never a query.
	noPostQuery bool
	// formBody: the client sends a body as a form, not as JSON.
	formBody bool
	// nonce: the scheme carries one, so a replay is refused.
	nonce bool
	// unsignedPayload: the client leaves the body unsigned.
	unsignedPayload bool
	// send sends r to grp through the wire and returns what the client
	// itself reported, for the log.
	send func(g *gateway, grp groupInfo, r request) (string, error)
}

// callPath is the path the clients call on grp: under the JD Cloud and AWS
// groups' API prefix, and Tencent's "/".
func callPath(grp groupInfo) string {
	if grp.path == "/" {
		return "/"
	}
	return grp.path + "/echo"
}

// sentPairs is the part of r's query that cl sends.
func (cl *client) sentPairs(r request) [][2]string {
	if r.method == "POST" && cl.noPostQuery {
		return nil
	}
	return r.pairs
}

// wireClient is an HTTP client that dials the wire whatever the URL's host,
// keeping the Host header, which is signed, as the group's name; it uses
// no proxy.
func wireClient(g *gateway) *http.Client {
	addr := net.JoinHostPort("127.0.0.1", g.wire.port)
	return &http.Client{
		Timeout: 20 * time.Second,
		Transport: &http.Transport{
			Proxy: nil,
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, network, addr)
			},
			DisableKeepAlives: true,
		},
	}
}

// moduleVersion is the version of a Go module this module requires, as
// `go list -m` tells it (a test binary's build information lists no
// dependencies).
func moduleVersion(path string) string {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Version}}", path).Output()
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(out))
}
