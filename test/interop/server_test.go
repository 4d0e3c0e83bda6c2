// Package interop calls a live Tollgate with the cloud vendors' own clients
// — aws-sdk-go-v2, Tencent Cloud's Go and Node.js SDKs, JD Cloud's Node.js
// SDK and curl — one group per signature scheme, and checks what each
// accepts and refuses. TestInterop prints the result as a table, which
// docs/auth.md's "Interop" section must hold verbatim (-update rewrites it).
package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/app"
	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/proxy/proxytest"
)

// region and service are the credential scope every SigV4-family client
// signs with; the groups pin neither, so any would do.
const (
	region  = "cn-north-1"
	service = "tollgate"
	// apiPrefix is the path every JD Cloud and AWS group's one API
	// serves; Tencent's groups serve "/", where Tencent's SDKs post.
	apiPrefix = "/interop"
	// replayWindow is every group's replay window, in seconds.
	replayWindow = 300
)

// gateway is the Tollgate under test: its data plane, the wire between it
// and the clients, and the one access key authorized on every group.
type gateway struct {
	data   string // 127.0.0.1:port of the data plane
	wire   *wire
	ak, sk string
	// skew is added to the gateway's clock: set past the replay window,
	// every signature the clients make is too old.
	skew atomic.Int64
	// groups maps a group's key (groupJD2, …) to its host name.
	groups map[string]groupInfo
}

// groupInfo is one published group.
type groupInfo struct {
	host    string // e.g. g-abc-test.localhost
	dialect errcode.Dialect
	scheme  string
	path    string // the path the clients call
}

// The groups, one per scheme that a real client signs.
const (
	groupJD2    = "JDCLOUD2-HMAC-SHA256"
	groupAWS4   = "AWS4-HMAC-SHA256"
	groupTC3    = "TC3-HMAC-SHA256"
	groupTCv1   = "TENCENT-V1"
	envDeployed = "test"
)

// startGateway starts Tollgate in process on port 0 with an echo backend,
// publishes one group per scheme and authorizes one key on all of them.
func startGateway(t *testing.T) *gateway {
	t.Helper()
	g := &gateway{groups: map[string]groupInfo{}}
	s, err := app.Start(context.Background(), app.Config{
		Listen:      "127.0.0.1:0",
		AdminListen: "127.0.0.1:0",
		DataDir:     t.TempDir(),
		Clock: func() time.Time {
			return time.Now().Add(time.Duration(g.skew.Load()))
		},
	})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	g.data = s.Addr().String()
	g.wire = startWire(t, g.data)
	echo := proxytest.Echo(t, "echo")
	a := &adminClient{t: t, base: "http://" + s.AdminAddr().String(), token: s.AdminToken}

	a.must(201, "POST", "/v1/accounts", map[string]any{"pin": "interop", "name": "Interop"})
	key := a.must(201, "POST", "/v1/accounts/interop/keys", nil)
	g.ak, _ = key["accessKey"].(string)
	g.sk, _ = key["secretKey"].(string)
	if g.ak == "" || g.sk == "" {
		t.Fatalf("key: %v", key)
	}
	for _, grp := range []struct {
		scheme  string
		dialect errcode.Dialect
		path    string
	}{
		{groupJD2, errcode.DialectJDCloud, apiPrefix},
		{groupAWS4, errcode.DialectJDCloud, apiPrefix},
		{groupTC3, errcode.DialectTencent, "/"},
		{groupTCv1, errcode.DialectTencent, "/"},
	} {
		id := a.must(201, "POST", "/v1/groups", map[string]any{
			"name": "interop-" + strings.ToLower(strings.SplitN(grp.scheme, "-", 2)[0]), "authType": "signature", "dialect": grp.dialect,
			"schemes": []string{grp.scheme}, "replayWindowSeconds": replayWindow,
		})["groupId"].(string)
		a.must(201, "POST", "/v1/groups/"+id+"/apis", map[string]any{
			"name": "echo", "method": "ANY", "path": grp.path, "matchType": "prefix",
		})
		a.must(200, "PUT", "/v1/groups/"+id+"/backends/"+envDeployed, map[string]any{"type": "http", "urls": []string{echo.URL}})
		a.must(201, "POST", "/v1/groups/"+id+"/revisions", map[string]any{"revision": "1.0.0"})
		a.must(201, "POST", "/v1/groups/"+id+"/deployments", map[string]any{"revision": "1.0.0", "environment": envDeployed})
		a.must(201, "POST", "/v1/groups/"+id+"/authorizations", map[string]any{"environment": envDeployed, "accessKey": g.ak})
		g.groups[grp.scheme] = groupInfo{host: id + "-" + envDeployed + ".localhost", dialect: grp.dialect, scheme: grp.scheme, path: grp.path}
	}
	return g
}

// hostPort is the Host a client of group names: the group's host name and
// the wire's port, which is where every client connects.
func (g *gateway) hostPort(group string) string {
	return g.groups[group].host + ":" + g.wire.port
}

// adminClient calls the admin API with the admin token.
type adminClient struct {
	t     *testing.T
	base  string
	token string
}

// must sends an admin request and fails the test unless the status is want.
func (a *adminClient) must(want int, method, path string, body any) map[string]any {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, a.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		a.t.Fatalf("%s %s: got %d %s, want %d", method, path, resp.StatusCode, b, want)
	}
	var m map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &m); err != nil {
			a.t.Fatalf("%s %s: %q: %v", method, path, b, err)
		}
	}
	return m
}
