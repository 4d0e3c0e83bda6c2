package interop

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite docs/auth.md's interop table with the one this run prints")

// outcome is one case run with one client.
type outcome struct {
	client *client
	name   string
	passed bool
	skip   string // why the client cannot send the case
}

// TestInterop runs every case with every client against one live
// Tollgate, prints the table of what was accepted and checks that
// docs/auth.md holds the same table. The cases run one at a time: the
// expiry case moves the gateway's clock, and the wire keeps one exchange
// at a time.
func TestInterop(t *testing.T) {
	g := startGateway(t)

	// partial: a client could not be tried here, so the table cannot be
	// docs/auth.md's.
	partial := false
	clients := []*client{awsSigner(), awsPresign()}
	if _, err := exec.LookPath("curl"); err == nil {
		clients = append(clients, curlSigV4())
	} else {
		fmt.Fprintln(os.Stderr, "WARNING: test/interop: curl is not on PATH: curl --aws-sigv4 is NOT tried")
		partial = true
	}
	clients = append(clients,
		tencentGo("TC3-HMAC-SHA256", groupTC3),
		tencentGo("HmacSHA256", groupTCv1),
		tencentGo("HmacSHA1", groupTCv1))
	if setupNode(t) {
		t.Logf("Node.js %s", nodeVersions["node"])
		clients = append(clients,
			jdcloudJS(),
			tencentNode("TC3-HMAC-SHA256", groupTC3),
			tencentNode("HmacSHA256", groupTCv1),
			tencentNode("HmacSHA1", groupTCv1))
	} else {
		partial = true
	}

	var results []outcome
	for _, cl := range clients {
		passed := map[string]bool{}
		for _, c := range cases {
			o := outcome{client: cl, name: c.name}
			if why, ok := cl.cannot[c.name]; ok {
				o.skip = why
				results = append(results, o)
				continue
			}
			t.Run(cl.name+"/"+c.name, func(t *testing.T) {
				err := runCase(t, g, cl, c, passed)
				if err != nil {
					t.Error(err)
					return
				}
				o.passed = true
				passed[c.name] = true
			})
			results = append(results, o)
		}
	}
	table := renderTable(results)
	t.Logf("interop table:\n%s", table)
	if partial {
		t.Skip("some clients are missing here: docs/auth.md's table is not checked")
	}
	if f := flag.Lookup("test.run"); f != nil && strings.Contains(f.Value.String(), "/") {
		t.Skip("-run selects some cases only: docs/auth.md's table is not checked")
	}
	checkDoc(t, table)
}

// runCase sends c's request with cl and checks the answer. A refusal case
// whose base case was not accepted fails: its refusal would prove nothing.
func runCase(t *testing.T, g *gateway, cl *client, c interopCase, passed map[string]bool) error {
	grp := g.groups[cl.scheme]
	if c.base != "" && !passed[c.base] {
		return fmt.Errorf("%q was not accepted, so its refusal proves nothing", c.base)
	}
	if c.expire {
		// Past the window: the request was signed that long ago.
		g.skew.Store(int64((replayWindow + 120) * time.Second))
		defer g.skew.Store(0)
	}
	g.wire.reset(c.tamper)
	defer g.wire.reset("")
	out, err := cl.send(g, grp, c.req)
	if err != nil {
		return fmt.Errorf("client: %v", err)
	}
	exs := g.wire.recorded()
	if len(exs) != 1 {
		return fmt.Errorf("the client sent %d requests, want 1 (it said %q)", len(exs), out)
	}
	ex := exs[0]
	if c.name == caseGET {
		// What each client puts on the wire, for whoever reads -v.
		head, _, _ := bytes.Cut(ex.raw, []byte("\r\n\r\n"))
		t.Logf("sent:\n%s", head)
	}
	if ex.tamperErr != nil {
		return fmt.Errorf("tamper %s: %v", c.tamper, ex.tamperErr)
	}
	if c.replay {
		if err := checkServed(ex, c.req, cl, grp); err != nil {
			return fmt.Errorf("first send: %v", err)
		}
		ex = g.wire.replay(ex)
	}
	cond, note := c.expected(cl)
	if cond == nil {
		want := c.req
		if c.tamper == tamperBody {
			// Served with its body unsigned: the backend gets the
			// changed byte.
			want.body = map[string]any{}
			for k, v := range c.req.body {
				want.body[k] = v
			}
			want.body["t"] = tamperMark[:len(tamperMark)-1] + strings.ToUpper(tamperMark[len(tamperMark)-1:])
		}
		if err := checkServed(ex, want, cl, grp); err != nil {
			if note != "" {
				return fmt.Errorf("%v (expected served: %s)", err, note)
			}
			return err
		}
		return nil
	}
	return checkRefusal(ex, cond, grp.dialect)
}
