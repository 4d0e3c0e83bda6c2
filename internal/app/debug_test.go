package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/auth"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// debugServer is a whole Tollgate (admin API and data plane wired as
// tollgate serve wires them) with its access log in logs.
type debugServer struct {
	t      *testing.T
	s      *Server
	logs   *lockedBuffer
	client *http.Client
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func startDebugServer(t *testing.T) *debugServer {
	t.Helper()
	logs := new(lockedBuffer)
	s, err := Start(context.Background(), Config{Listen: "127.0.0.1:0", AdminListen: "127.0.0.1:0", DataDir: t.TempDir(),
		AccessLog: true, Stdout: logs, Zone: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	return &debugServer{t: t, s: s, logs: logs, client: &http.Client{Timeout: 10 * time.Second}}
}

type debugResponse struct {
	status int
	body   map[string]any
	raw    string
}

func (d *debugServer) send(req *http.Request) debugResponse {
	d.t.Helper()
	resp, err := d.client.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := debugResponse{status: resp.StatusCode, raw: string(raw)}
	json.Unmarshal(raw, &r.body)
	return r
}

// admin calls the admin API with the admin token, or signed (AWS4) with
// key when one is given.
func (d *debugServer) admin(key *[2]string, method, path string, body any) debugResponse {
	d.t.Helper()
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
	}
	req, _ := http.NewRequest(method, "http://"+d.s.AdminAddr().String()+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if key == nil {
		req.Header.Set("Authorization", "Bearer "+d.s.AdminToken)
	} else {
		signer, _ := auth.ByName(model.SchemeAWS4)
		if err := signer.(auth.Signer).Sign(req, b, auth.Signing{AccessKey: key[0], Secret: []byte(key[1]), Time: time.Now(),
			Region: "tollgate", Service: "admin"}); err != nil {
			d.t.Fatal(err)
		}
	}
	return d.send(req)
}

func (d *debugServer) must(status int, method, path string, body any) map[string]any {
	d.t.Helper()
	r := d.admin(nil, method, path, body)
	if r.status != status {
		d.t.Fatalf("%s %s: %d %s, want %d", method, path, r.status, r.raw, status)
	}
	return r.body
}

// key makes a key for pin.
func (d *debugServer) key(pin string) *[2]string {
	k := d.must(201, "POST", "/v1/accounts/"+pin+"/keys", nil)
	return &[2]string{k["accessKey"].(string), k["secretKey"].(string)}
}

// call calls the data plane for host, signed (JDCLOUD2) with key.
func (d *debugServer) call(host, path string, key *[2]string) debugResponse {
	d.t.Helper()
	req, _ := http.NewRequest("GET", "http://"+d.s.Addr().String()+path, nil)
	req.Host = host
	signer, _ := auth.ByName(model.SchemeJDCloud2)
	if err := signer.(auth.Signer).Sign(req, nil, auth.Signing{AccessKey: key[0], Secret: []byte(key[1]), Time: time.Now(),
		Region: "cn-north-1", Service: "apigateway"}); err != nil {
		d.t.Fatal(err)
	}
	return d.send(req)
}

// debugLines returns the access log lines marked debug, and the others.
func (d *debugServer) accessLines() (debug, other []map[string]any) {
	for _, line := range strings.Split(d.logs.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil || m["msg"] != "access" {
			continue
		}
		if m["debug"] == true {
			debug = append(debug, m)
		} else {
			other = append(other, m)
		}
	}
	return debug, other
}

// TestDebugCallNeverCharged is the debug call whole, on the server as it
// runs: a market group of the tenant "shop", which sells a pay-per-call
// plan with a daily limit of one call, and to which shop itself
// subscribed. Shop debugs its API three times with its own key: each
// answer is the backend's, wrapped in the market envelope (charge false),
// with every stage's verdict; the backend is reached each time; the
// access log marks the three lines debug; and nothing is charged or
// counted: shop's balance is whole, the usage report is empty, and shop's
// one call of the day is still there for a real call, which is charged,
// and the next refused.
func TestDebugCallNeverCharged(t *testing.T) {
	d := startDebugServer(t)
	var hits atomic.Int64
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Backend-Saw-Pin", r.Header.Get("X-Jdcloud-Pin"))
		w.Write([]byte(`{"temp":3}`))
	}))
	t.Cleanup(backend.Close)

	d.must(201, "POST", "/v1/accounts", map[string]any{"pin": "shop", "realNameVerified": true})
	shop := d.key("shop")
	g := d.must(201, "POST", "/v1/groups", map[string]any{"name": "weather", "owner": "shop", "dialect": "market", "authType": "signature"})["groupId"].(string)
	api := d.must(201, "POST", "/v1/groups/"+g+"/apis", map[string]any{"name": "now", "method": "GET", "path": "/now"})["apiId"].(string)
	d.must(200, "PUT", "/v1/groups/"+g+"/backends/online", map[string]any{"type": "http", "urls": []string{backend.URL}})
	d.must(201, "POST", "/v1/groups/"+g+"/revisions", map[string]any{"revision": "1.0.0"})
	d.must(201, "POST", "/v1/groups/"+g+"/deployments", map[string]any{"revision": "1.0.0", "environment": "online"})
	plan := d.must(201, "POST", "/v1/groups/"+g+"/plans", map[string]any{"name": "metered", "pricePerCall": 2, "dailyLimit": 1})["planId"].(string)
	d.must(201, "POST", "/v1/accounts/shop/recharge", map[string]any{"amount": 10})
	d.must(201, "POST", "/v1/subscriptions", map[string]any{"pin": "shop", "planId": plan})

	for i := range 3 {
		r := d.admin(shop, "POST", "/v1/groups/"+g+"/apis/"+api+"/debug", map[string]any{"environment": "online",
			// A body of its own, so that no two calls share a signature.
			"headers": map[string]any{"X-Attempt": strconv.Itoa(i)}})
		if r.status != 200 || r.body["status"] != 200.0 || r.body["bodyEncoding"] != "utf-8" {
			t.Fatalf("debug %d: %d %s", i, r.status, r.raw)
		}
		body, _ := r.body["body"].(string)
		headers, _ := r.body["headers"].(map[string]any)
		if !strings.Contains(body, `"charge":false`) || !strings.Contains(body, `"result":{"temp":3}`) || headers["X-Backend-Saw-Pin"] == nil {
			t.Errorf("debug %d: answer %s", i, r.raw)
		}
		verdicts := map[string]map[string]any{}
		for _, v := range r.body["stages"].([]any) {
			v := v.(map[string]any)
			verdicts[v["stage"].(string)] = v
		}
		for stage, want := range map[string]string{"resolve": "passed", "match": "passed", "authenticate": "skipped", "market": "skipped",
			"traffic": "skipped", "proxy": "passed", "settle": "passed", "account": "passed"} {
			if verdicts[stage]["verdict"] != want {
				t.Errorf("debug %d: stage %s %v, want %s", i, stage, verdicts[stage], want)
			}
		}
		if !strings.Contains(verdicts["authenticate"]["reason"].(string), "acting as account shop") {
			t.Errorf("authenticate: %v", verdicts["authenticate"])
		}
	}
	if n := hits.Load(); n != 3 {
		t.Errorf("the backend was reached %d times, want 3", n)
	}
	if b := d.must(200, "GET", "/v1/accounts/shop/bills", nil); b["balance"] != 10.0 || b["spent"] != 0.0 {
		t.Errorf("after the debug calls, the bill is %v", b)
	}
	if u := d.must(200, "GET", "/v1/usage?granularity=day&groupId="+g, nil); len(u["usage"].([]any)) != 0 {
		t.Errorf("debug calls counted as usage: %v", u)
	}

	host := g + ".localhost"
	if r := d.call(host, "/now", shop); r.status != 200 || r.body["charge"] != true {
		t.Errorf("shop's real call: %d %s", r.status, r.raw)
	}
	if r := d.call(host, "/now", shop); r.status != 429 {
		t.Errorf("shop's second real call of the day: %d %s, want the daily limit", r.status, r.raw)
	}
	if b := d.must(200, "GET", "/v1/accounts/shop/bills", nil); b["balance"] != 8.0 {
		t.Errorf("after one real call, the balance is %v, want 8", b["balance"])
	}

	// The access log is written asynchronously.
	deadline := time.Now().Add(5 * time.Second)
	debugLines, other := d.accessLines()
	for (len(debugLines) < 3 || len(other) < 2) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		debugLines, other = d.accessLines()
	}
	if len(debugLines) != 3 || len(other) != 2 {
		t.Fatalf("%d debug lines and %d others, want 3 and 2:\n%s", len(debugLines), len(other), d.logs.String())
	}
	for _, l := range debugLines {
		if l["group"] != g || l["pin"] != "shop" || l["status"] != 200.0 {
			t.Errorf("debug line %v", l)
		}
	}
}

// TestDebugCallCodes: on the server as it runs, an API that the revision
// deployed to the environment does not have is
// APIGATEWAY_NOT_EXIST_METHOD_ERROR, and a sample body that breaks the
// API's JSON Schema APIGATEWAY_API_BODY_ERROR, neither reaching the
// backend; a good sample does. Tenant B, with its own key, can debug
// neither A's API nor A's API through its own group, and A's backend is
// never reached by B.
func TestDebugCallCodes(t *testing.T) {
	d := startDebugServer(t)
	var hits atomic.Int64
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.Copy(w, r.Body)
	}))
	t.Cleanup(backend.Close)
	var keys [2]*[2]string
	var groups, apis [2]string
	for i, pin := range []string{"tenant-a", "tenant-b"} {
		d.must(201, "POST", "/v1/accounts", map[string]any{"pin": pin})
		keys[i] = d.key(pin)
		groups[i] = d.must(201, "POST", "/v1/groups", map[string]any{"name": pin + "-shop", "owner": pin, "authType": "signature"})["groupId"].(string)
		apis[i] = d.must(201, "POST", "/v1/groups/"+groups[i]+"/apis", map[string]any{"name": "echo", "method": "POST", "path": "/echo"})["apiId"].(string)
		// The store, since the admin API of this branch has no body rules
		// to write yet.
		if _, err := d.s.store.UpdateAPI(context.Background(), groups[i], apis[i], func(a *model.API) error {
			a.Body = &model.BodyRules{ContentTypes: []string{"application/json"},
				Schema: json.RawMessage(`{"type":"object","required":["n"],"properties":{"n":{"type":"integer"}}}`)}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		d.must(200, "PUT", "/v1/groups/"+groups[i]+"/backends/test", map[string]any{"type": "http", "urls": []string{backend.URL}})
		d.must(201, "POST", "/v1/groups/"+groups[i]+"/revisions", map[string]any{"revision": "1.0.0"})
		d.must(201, "POST", "/v1/groups/"+groups[i]+"/deployments", map[string]any{"revision": "1.0.0", "environment": "test"})
	}
	a, b := keys[0], keys[1]
	debugA := "/v1/groups/" + groups[0] + "/apis/" + apis[0] + "/debug"

	for _, tc := range []struct {
		name   string
		key    *[2]string
		path   string
		body   map[string]any
		status int
		code   string
	}{
		{"nothing deployed", a, debugA, map[string]any{"environment": "online", "body": map[string]any{"n": 1}}, 404, "APIGATEWAY_NOT_EXIST_METHOD_ERROR"},
		{"a body that breaks the schema", a, debugA, map[string]any{"environment": "test", "body": map[string]any{"n": "one"}}, 500, "APIGATEWAY_API_BODY_ERROR"},
		{"B on A's API", b, debugA, map[string]any{"environment": "test", "body": map[string]any{"n": 1}}, 403, "APIGATEWAY_HTTP_FORBIDDEN"},
		{"B on A's API through B's group", b, "/v1/groups/" + groups[1] + "/apis/" + apis[0] + "/debug",
			map[string]any{"environment": "test", "body": map[string]any{"n": 1}}, 404, "APIGATEWAY_NOT_EXIST_METHOD_ERROR"},
	} {
		r := d.admin(tc.key, "POST", tc.path, tc.body)
		e, _ := r.body["error"].(map[string]any)
		if r.status != tc.status || e["status"] != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.name, r.status, r.raw, tc.status, tc.code)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the backend was reached %d times by refused debug calls", n)
	}
	r := d.admin(a, "POST", debugA, map[string]any{"environment": "test", "body": map[string]any{"n": 1}})
	if r.status != 200 || r.body["status"] != 200.0 || r.body["body"] != `{"n":1}` || hits.Load() != 1 {
		t.Errorf("a good sample: %d %s", r.status, r.raw)
	}
}
