package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/egress"
	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/proxy"
	"github.com/tollgate-gw/tollgate/internal/proxy/proxytest"
)

// TestDebugStagesArePipelineStages: every stage debugStages changes is a
// stage of the pipeline, so that a stage renamed cannot be run for real
// (and charge) on a debug call.
func TestDebugStagesArePipelineStages(t *testing.T) {
	g := New(Config{}).(*Gateway)
	var names []string
	for _, s := range g.stages {
		names = append(names, s.name)
	}
	for name := range debugStages {
		if !slices.Contains(names, name) {
			t.Errorf("debugStages names %q, which is no stage of %v", name, names)
		}
	}
}

// signedGroup is a jdcloud group that requires a signature.
func signedGroup(id string) model.Group {
	g := group(id, errcode.DialectJDCloud, errcode.English)
	g.AuthType = model.AuthSignature
	return g
}

// TestDebugRunsThePipeline: a debug call runs the gateway's own stages,
// a stage added to the pipeline included (here a stand-in for validate,
// injected as a test injects any stage), and answers with the backend's
// answer and every stage's verdict in order. The signature stages are
// skipped on behalf of the actor, whose pin the backend is told, whatever
// the sample's headers claim. A refusal by a stage is in the answer, with
// its code, and the stages after it are skipped but settle and account.
// Each call is marked debug in the access log.
func TestDebugRunsThePipeline(t *testing.T) {
	echo := proxytest.Echo(t, "echo")
	x := api("x", "POST", "/items/{id}", model.MatchAbsolute, "/backend/{id}")
	h := newHarness(t, Config{}, published(signedGroup("g1"), model.EnvTest, httpBackend(2000, echo.URL), x, api("y", "POST", "/other", model.MatchAbsolute, "")))
	h.gw.injectStage(t, "traffic", "validate", func(c *Call) error {
		b, err := c.readBodyForTest()
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte("bad")) {
			return errcode.Newf(errcode.InvalidArgument, "the body is bad")
		}
		return nil
	})
	var names []string
	for _, s := range h.gw.stages {
		names = append(names, s.name)
	}
	call := model.DebugCall{GroupID: "g1", Environment: model.EnvTest, APIID: "x", Method: "POST", Path: "/items/42", RawQuery: "q=1",
		Header: http.Header{"X-Jdcloud-Pin": {"evil"}, "Content-Type": {"application/json"}}, Body: []byte(`{"ok":true}`),
		RemoteAddr: "192.0.2.7:5555", Actor: model.DebugActor{Pin: "acme"}}

	a, err := h.gw.Debug(context.Background(), call)
	if err != nil {
		t.Fatal(err)
	}
	var got proxytest.Echoed
	if err := json.Unmarshal(a.Body, &got); err != nil || a.Status != 200 || a.Truncated || a.BodyBytes != int64(len(a.Body)) {
		t.Fatalf("answer %d %q: %v", a.Status, a.Body, err)
	}
	if got.RequestURI != "/backend/42?q=1" || got.Body != `{"ok":true}` || got.Header.Get("X-Jdcloud-Pin") != "acme" ||
		got.Header.Get("X-Jdcloud-Access-Key") != "" || a.Header.Get("X-Request-Id") != a.RequestID {
		t.Errorf("the backend got %+v; answer headers %v", got, a.Header)
	}
	var stages []string
	for _, v := range a.Stages {
		stages = append(stages, v.Stage)
		want := model.VerdictPassed
		if d, ok := debugStages[v.Stage]; ok && d.skip != nil {
			want = model.VerdictSkipped
		}
		if v.Verdict != want || v.Micros < 0 {
			t.Errorf("stage %s: %+v, want %s", v.Stage, v, want)
		}
	}
	if !slices.Equal(stages, names) {
		t.Errorf("stages %v, want the pipeline's %v", stages, names)
	}
	if v := a.Stages[slices.Index(names, "authenticate")]; !strings.Contains(v.Reason, "acting as account acme") {
		t.Errorf("authenticate: %+v", v)
	}

	// The stand-in validate stage refuses: the answer is the client's
	// envelope, the verdict names the code, the backend is not called.
	call.Body = []byte(`{"bad":true}`)
	a, err = h.gw.Debug(context.Background(), call)
	if err != nil {
		t.Fatal(err)
	}
	v := a.Stages[slices.Index(names, "validate")]
	if a.Status != 400 || v.Verdict != model.VerdictRefused || v.Code != "INVALID_ARGUMENT" || v.Status != 400 || !strings.Contains(v.Message, "the body is bad") ||
		!bytes.Contains(a.Body, []byte(`"INVALID_ARGUMENT"`)) {
		t.Errorf("refused by validate: %d %s, verdict %+v", a.Status, a.Body, v)
	}
	for _, name := range []string{"outbound", "proxy"} {
		if v := a.Stages[slices.Index(names, name)]; v.Verdict != model.VerdictSkipped || v.Reason != "an earlier stage refused the call" {
			t.Errorf("%s after the refusal: %+v", name, v)
		}
	}
	for _, name := range []string{"settle", "account"} {
		if v := a.Stages[slices.Index(names, name)]; v.Verdict != model.VerdictPassed {
			t.Errorf("%s after the refusal: %+v", name, v)
		}
	}

	// A sample whose method and path match another API is not that API's.
	other := call
	other.Path, other.Body = "/other", nil
	a, err = h.gw.Debug(context.Background(), other)
	if v := a.Stages[slices.Index(names, "match")]; err != nil || v.Verdict != model.VerdictRefused || !strings.Contains(v.Message, "match API y, not x") {
		t.Errorf("another API's path: %v %+v", err, v)
	}
	// Nothing deployed to the environment.
	other.Environment = model.EnvOnline
	if _, err := h.gw.Debug(context.Background(), other); !errcode.Has(err, errcode.NotExistMethod) {
		t.Errorf("nothing deployed: %v", err)
	}

	lines := h.logLines()
	if len(lines) != 3 {
		t.Fatalf("%d access log lines, want 3", len(lines))
	}
	for i, l := range lines {
		// The third was refused at match, before the actor was taken on.
		if l["debug"] != true || (l["pin"] == "acme") != (i < 2) || l["group"] != "g1" || l["remote"] != "192.0.2.7:5555" {
			t.Errorf("access log line %v", l)
		}
	}
}

// readBodyForTest reads the call's body as the validate stage will,
// leaving it for the backend.
func (c *Call) readBodyForTest() ([]byte, error) {
	var buf bytes.Buffer
	if c.R.Body == nil {
		return nil, nil
	}
	if _, err := buf.ReadFrom(c.R.Body); err != nil {
		return nil, err
	}
	c.R.Body = &bufferedBody{b: bytes.Clone(buf.Bytes())}
	return buf.Bytes(), nil
}

// TestDebugEgress: a tenant's debug call goes through the environment's
// pool, under the egress policy a client's call meets: a tenant's backend
// whose name resolves to the loopback is refused when dialled (the proxy
// stage refuses with SOURCE_UNAVAILABLE and nothing is reached), while the
// same backend saved by the operator answers.
func TestDebugEgress(t *testing.T) {
	echo := proxytest.Echo(t, "echo")
	_, port, _ := net.SplitHostPort(echo.Listener.Addr().String())
	url := "http://localhost:" + port
	x := api("x", "GET", "/x", model.MatchAbsolute, "")
	h := newHarness(t, Config{})
	h.opts.Upstream = proxy.NewUpstream(egress.New(nil))
	pubs := []model.Published{
		published(signedGroup("g-tenant"), model.EnvOnline, &model.Backend{Type: model.BackendHTTP, URLs: []string{url}, TimeoutMs: 2000, SavedBy: model.SavedByTenant}, x),
		published(signedGroup("g-op"), model.EnvOnline, &model.Backend{Type: model.BackendHTTP, URLs: []string{url}, TimeoutMs: 2000, SavedBy: model.SavedByOperator}, x),
	}
	if err := h.holder.Update(h.opts, pubs, model.Callers{}); err != nil {
		t.Fatal(err)
	}
	debug := func(group string) model.DebugAnswer {
		a, err := h.gw.Debug(context.Background(), model.DebugCall{GroupID: group, Environment: model.EnvOnline, APIID: "x",
			Method: "GET", Path: "/x", Actor: model.DebugActor{Pin: "acme"}})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	a := debug("g-tenant")
	var proxied model.StageVerdict
	for _, v := range a.Stages {
		if v.Stage == "proxy" {
			proxied = v
		}
	}
	if a.Status != 502 || proxied.Verdict != model.VerdictRefused || proxied.Code != "SOURCE_UNAVAILABLE" || bytes.Contains(a.Body, []byte(`"server":"echo"`)) {
		t.Errorf("tenant's loopback backend: %d %s, proxy %+v", a.Status, a.Body, proxied)
	}
	if a := debug("g-op"); a.Status != 200 || !bytes.Contains(a.Body, []byte(`"server":"echo"`)) {
		t.Errorf("operator's backend: %d %s", a.Status, a.Body)
	}
}
