package e2e

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/auth"
)

// newClient returns a client of its own connections, up to conns kept
// alive, that gives up on a call after 10 s.
func newClient(conns int) *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: conns}}
}

// signer signs data-plane calls with an access key (JDCLOUD2-HMAC-SHA256),
// each with a nonce of its own.
type signer struct{ ak, sk string }

// get sends a signed GET of path to host on the data plane at data.
func (k signer) get(client *http.Client, data, host, path string) (int, []byte, error) {
	req, _ := http.NewRequest("GET", "http://"+data+path, nil)
	req.Host = host
	if err := (auth.JDCloud2{}).Sign(req, nil, auth.Signing{AccessKey: k.ak, Secret: []byte(k.sk),
		Time: time.Now(), Region: "cn-north-1", Service: "tollgate"}); err != nil {
		return 0, nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// call is one data-plane call to the node at data.
type call func(client *http.Client, data string) (status int, body []byte, err error)

// answers counts answers by status; a call that got none counts as
// status 0. example keeps the first body of each status.
type answers struct {
	count   map[int]int
	example map[int]string
}

func (a *answers) add(status int, body []byte, err error) {
	if a.count == nil {
		a.count, a.example = map[int]int{}, map[int]string{}
	}
	a.count[status]++
	if _, ok := a.example[status]; !ok {
		if err != nil {
			a.example[status] = err.Error()
		} else {
			a.example[status] = string(body[:min(len(body), 300)])
		}
	}
}

// only reports the statuses of a other than those allowed, with an
// example of each; "" when there are none.
func (a *answers) only(allowed ...int) string {
	var out string
	for status, n := range a.count {
		ok := false
		for _, s := range allowed {
			ok = ok || s == status
		}
		if !ok {
			out += fmt.Sprintf(" %d × %d (%s);", n, status, a.example[status])
		}
	}
	return out
}

// burst sends n calls at once from workers goroutines, call i to node
// i mod len(nodes), and counts the answers of each node.
func burst(nodes []*server, n, workers int, send call) []answers {
	got := make([]answers, len(nodes))
	var mu sync.Mutex
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		client := newClient(len(nodes))
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				status, body, err := send(client, nodes[i%len(nodes)].data)
				mu.Lock()
				got[i%len(nodes)].add(status, body, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return got
}

// total is the number of answers of status over every node.
func total(got []answers, status int) int {
	n := 0
	for _, a := range got {
		n += a.count[status]
	}
	return n
}

// load keeps perNode workers calling each node until stopped, and counts
// each node's answers: those ok says are successes, and the others, some
// of which a test expects once it has excused the node (it killed it).
type load struct {
	ok      func(status int, body []byte) bool
	stopped atomic.Bool
	wg      sync.WaitGroup

	mu        sync.Mutex
	successes []int64
	failures  []answers // not excused
	excused   []answers // after excuse
	isExcused []bool
}

func startLoad(nodes []*server, perNode int, send call, ok func(status int, body []byte) bool) *load {
	l := &load{ok: ok, successes: make([]int64, len(nodes)), failures: make([]answers, len(nodes)),
		excused: make([]answers, len(nodes)), isExcused: make([]bool, len(nodes))}
	for i, s := range nodes {
		for range perNode {
			client := newClient(1)
			l.wg.Go(func() {
				for !l.stopped.Load() {
					status, body, err := send(client, s.data)
					l.mu.Lock()
					switch {
					case err == nil && l.ok(status, body):
						l.successes[i]++
					case l.isExcused[i]:
						l.excused[i].add(status, body, err)
					default:
						l.failures[i].add(status, body, err)
					}
					l.mu.Unlock()
					if err != nil || !l.ok(status, body) {
						// A dead node refuses at once, a node without
						// Redis answers 503 at once: no spinning.
						time.Sleep(10 * time.Millisecond)
					}
				}
			})
		}
	}
	return l
}

// excuse has the failures of node i counted apart from now on.
func (l *load) excuse(i int) {
	l.mu.Lock()
	l.isExcused[i] = true
	l.mu.Unlock()
}

// stop stops the workers and waits for their calls to end.
func (l *load) stop() {
	l.stopped.Store(true)
	l.wg.Wait()
}

// succeeded returns the successes of the nodes given, or of every node.
func (l *load) succeeded(nodes ...int) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(nodes) == 0 {
		for i := range l.successes {
			nodes = append(nodes, i)
		}
	}
	var n int64
	for _, i := range nodes {
		n += l.successes[i]
	}
	return n
}

// await waits until the nodes given (every node if none) have succeeded
// n more times than now, or fails t after a minute.
func (l *load) await(t testing.TB, n int64, nodes ...int) {
	t.Helper()
	want := l.succeeded(nodes...) + n
	deadline := time.Now().Add(time.Minute)
	for l.succeeded(nodes...) < want {
		if time.Now().After(deadline) {
			t.Fatalf("the load did not reach %d more successes on nodes %v within a minute: %s", n, nodes, l.report())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// report describes what each node answered.
func (l *load) report() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out string
	for i := range l.successes {
		out += fmt.Sprintf("node %d: %d successes, failures%s excused%s; ", i, l.successes[i],
			l.failures[i].only(), l.excused[i].only())
	}
	return out
}

// failed returns the failures of every node not excused, but those of
// the statuses allowed; "" when there are none.
func (l *load) failed(allowed ...int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out string
	for i := range l.failures {
		if f := l.failures[i].only(allowed...); f != "" {
			out += fmt.Sprintf("node %d:%s ", i, f)
		}
	}
	return out
}
