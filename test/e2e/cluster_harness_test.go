package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/pgtest"
	"github.com/tollgate-gw/tollgate/internal/redistest"
	"github.com/tollgate-gw/tollgate/internal/secret"
)

// cluster is n `tollgate serve` processes on one PostgreSQL, reached
// through a relay the test can cut, and one Redis the test can stop: the
// cluster of docs/cluster.md, on loopback. The nodes share a master key
// (TOLLGATE_MASTER_KEY) and the admin token of the first, which
// initialised the store.
type cluster struct {
	t     testing.TB
	bin   string
	env   []string
	pg    *pgtest.Relay
	redis *redistest.Server
	dirs  []string
	procs []*process
	nodes []*server
	token string
}

// startCluster starts a cluster of n nodes running bin.
func startCluster(t testing.TB, bin string, n int) *cluster {
	t.Helper()
	c := &cluster{
		t:     t,
		bin:   bin,
		env:   []string{secret.EnvMasterKey + "=" + secret.NewKey()},
		pg:    pgtest.NewRelay(t, pgtest.Start(t)),
		redis: redistest.StartServer(t),
		procs: make([]*process, n),
		nodes: make([]*server, n),
	}
	root := t.TempDir()
	for i := range n {
		c.dirs = append(c.dirs, filepath.Join(root, string(rune('a'+i))))
	}
	// The first node alone, so that it is the one that keeps the token.
	c.start(0)
	token, err := os.ReadFile(filepath.Join(c.dirs[0], "admin-token"))
	if err != nil {
		t.Fatalf("the first node's admin token: %v", err)
	}
	c.token = strings.TrimSpace(string(token))
	c.nodes[0].token = c.token
	for i := 1; i < n; i++ {
		c.start(i)
	}
	return c
}

// start starts node i on its data directory, a first time or again after
// it died.
func (c *cluster) start(i int) {
	c.t.Helper()
	p := serveWith(c.t, c.bin, c.env,
		"--data", c.dirs[i],
		"--store", c.pg.DSN(),
		"--counters", "redis://"+c.redis.Addr()+"/0",
		"--cluster-nodes", strconv.Itoa(len(c.nodes)),
		"--demo=false", "--access-log=false", "--default-api-qps=0", "--time-zone", "UTC")
	c.procs[i] = p
	c.nodes[i] = &server{t: c.t, token: c.token, admin: "http://" + p.admin, data: p.data, client: newClient(4)}
}

// kill kills node i with SIGKILL and waits for it to be gone.
func (c *cluster) kill(i int) {
	c.procs[i].cmd.Process.Kill()
	<-c.procs[i].done
}

// logs returns every node's log, for a failure message.
func (c *cluster) logs() string {
	var b strings.Builder
	for i, p := range c.procs {
		fmt.Fprintf(&b, "--- node %d:\n%s", i, p.stderr)
	}
	return b.String()
}

// guarded publishes through s a group of calls signed with JDCLOUD2
// (GET /ping, a mock backend, deployed online) that the access key ak may
// call, with a traffic policy of keyLimit calls an hour per key if
// keyLimit > 0 and a daily quota of dailyLimit calls if dailyLimit > 0.
// It returns the group's host.
func guarded(s *server, name, ak string, keyLimit, dailyLimit int) string {
	s.t.Helper()
	g := s.publish(map[string]any{"name": name, "authType": "signature"},
		map[string]any{"name": "ping", "method": "GET", "path": "/ping"}, "online",
		map[string]any{"type": "mock", "status": 200, "body": `{"pong":true}`})
	if keyLimit > 0 {
		pol := s.mustCall(201, "POST", "/v1/policies", map[string]any{
			"name": name, "unit": "hour", "apiLimit": 1_000_000_000, "userLimit": 1_000_000_000, "keyLimit": keyLimit})
		s.mustCall(201, "POST", "/v1/policies/"+pol["policyId"].(string)+"/bindings",
			map[string]any{"groupId": g, "environment": "online"})
	}
	auth := map[string]any{"environment": "online", "accessKey": ak}
	if dailyLimit > 0 {
		auth["dailyLimit"] = dailyLimit
	}
	s.mustCall(201, "POST", "/v1/groups/"+g+"/authorizations", auth)
	return g + ".localhost"
}

// newSigner creates the account pin through s and a key of it.
func newSigner(s *server, pin string) signer {
	s.t.Helper()
	s.mustCall(201, "POST", "/v1/accounts", map[string]any{"pin": pin, "name": pin})
	key := s.mustCall(201, "POST", "/v1/accounts/"+pin+"/keys", nil)
	return signer{key["accessKey"].(string), key["secretKey"].(string)}
}
