package gateway

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/snapshot"
)

// MaxDebugAnswerBytes bounds how much of the answer to a debug call is
// kept to be shown; the rest is counted (DebugAnswer.BodyBytes) and
// dropped (DebugAnswer.Truncated).
const MaxDebugAnswerBytes = 1 << 20

// debugRun is what a debug call carries through the pipeline: who it is
// made for and what each stage made of it.
type debugRun struct {
	call     *model.DebugCall
	verdicts []model.StageVerdict
}

// debugStage is how a debug call goes through one stage, by the stage's
// name: a stage with skip is not run, and says why; a stage with check
// runs, and then check may refuse the call. A stage named nowhere here
// runs as for any call, so that a stage added to the pipeline (validate,
// say) is part of every debug call without a word here.
type debugStage struct {
	skip  func(g *Gateway, c *Call) string
	check func(c *Call) error
}

// debugStages are the stages a debug call does not pass as a client's
// call would. The caller was authenticated by the admin API, and its
// access to the group checked there (the group's owner, a user whose role
// covers the API, or the operator): so the signature, its freshness, the
// key's state and the authorization are not asked for. A debug call is
// never charged and counts against no limit: the market's subscription
// and balance hold, the rate limits and the quota holds are skipped too,
// and settle counts no usage (see settleAs). TestDebugStagesArePipelineStages
// keeps these names those of the pipeline.
var debugStages = map[string]debugStage{
	"resolve":      {check: debugSameEnv},
	"match":        {check: debugSameAPI},
	"authenticate": {skip: debugActAs},
	"replay": {skip: func(*Gateway, *Call) string {
		return "debug call: no signature to check for freshness or replay"
	}},
	"identity": {skip: func(*Gateway, *Call) string {
		return "debug call: the caller was authenticated by the admin API"
	}},
	"authorize": {skip: func(*Gateway, *Call) string {
		return "debug call: the admin API let the caller act on this group and API"
	}},
	"market": {skip: func(*Gateway, *Call) string {
		return "debug call: never charged, no subscription or balance hold"
	}},
	"traffic": {skip: func(*Gateway, *Call) string {
		return "debug call: rate limits and quotas are not consumed"
	}},
}

// Debug runs dc through the gateway's own pipeline, the one every client
// request goes through, and returns what the client would have been
// answered with and each stage's verdict and time. The request is built as
// a client's arriving at the group environment's host, on behalf of
// dc.Actor (see debugStages for what that changes), and answered by the
// environment's backend through its pool, under the same egress policy.
// The answer is kept up to MaxDebugAnswerBytes.
//
// The error is errcode.NotExistMethod when nothing is deployed to the
// environment; every refusal of the pipeline is in the answer instead,
// as the stage that refused and the envelope the client would have had.
func (g *Gateway) Debug(ctx context.Context, dc model.DebugCall) (model.DebugAnswer, error) {
	snap := g.cfg.Snapshots.Load()
	env, ok := snap.Env(dc.GroupID, dc.Environment)
	if !ok || !env.Deployed() {
		return model.DebugAnswer{}, errcode.Newf(errcode.NotExistMethod, "nothing is deployed to %s", dc.Environment)
	}
	r, err := debugRequest(ctx, &dc, hostOf(env, snap.Base()))
	if err != nil {
		return model.DebugAnswer{}, err
	}
	w := &debugWriter{header: make(http.Header)}
	c := g.calls.Get().(*Call)
	c.begin(w, r)
	c.debug = &debugRun{call: &dc, verdicts: make([]model.StageVerdict, len(g.stages))}
	for i := 0; i < len(g.stages); {
		i = g.runDebugStages(c, i)
	}
	if c.body != nil {
		c.body.end()
	}
	a := model.DebugAnswer{
		RequestID: c.RequestID,
		Status:    w.status,
		Header:    w.header.Clone(),
		Body:      bytes.Clone(w.body.Bytes()),
		BodyBytes: w.n,
		Truncated: w.n > int64(w.body.Len()),
		Cut:       c.abort,
		Stages:    c.debug.verdicts,
		Micros:    time.Since(c.Start).Microseconds(),
	}
	if a.Status == 0 {
		a.Status = c.Status
	}
	c.end()
	g.calls.Put(c)
	return a, nil
}

// runDebugStages is runStages for a debug call: the same stages, from
// stage i on, with each one's verdict and time recorded, and debugStages
// applied. It is a loop of its own so that the calls of clients pay
// nothing for it.
func (g *Gateway) runDebugStages(c *Call, i int) (next int) {
	var start time.Time
	defer func() {
		if p := recover(); p != nil {
			g.recovered(c, i, p)
			c.debug.verdicts[i] = g.debugVerdict(c, g.stages[i].name, start, c.Err)
			next = i + 1
		}
	}()
	for ; i < len(g.stages); i++ {
		s := &g.stages[i]
		v := &c.debug.verdicts[i]
		start = time.Now()
		if c.Err != nil && !s.always {
			*v = model.StageVerdict{Stage: s.name, Verdict: model.VerdictSkipped, Reason: "an earlier stage refused the call"}
			continue
		}
		d := debugStages[s.name]
		if d.skip != nil {
			reason := d.skip(g, c)
			*v = model.StageVerdict{Stage: s.name, Verdict: model.VerdictSkipped, Reason: reason,
				Micros: time.Since(start).Microseconds()}
			continue
		}
		err := s.run(c)
		if err == nil && d.check != nil {
			err = d.check(c)
		}
		if err != nil && c.Err == nil {
			g.fail(c, err)
		} else {
			err = nil
		}
		*v = g.debugVerdict(c, s.name, start, err)
	}
	return i
}

// debugVerdict is the verdict of stage name, begun at start, that refused
// the call with err (passed it, if nil).
func (g *Gateway) debugVerdict(c *Call, name string, start time.Time, err error) model.StageVerdict {
	v := model.StageVerdict{Stage: name, Verdict: model.VerdictPassed, Micros: time.Since(start).Microseconds()}
	if err == nil {
		return v
	}
	e := errcode.From(err)
	d, lang := errcode.DialectJDCloud, errcode.English
	if c.Env != nil {
		d, lang = c.Env.Group.Dialect, c.Env.Group.Language
	}
	lang = errcode.ParseLang(c.R.Header.Get("Accept-Language"), lang)
	entry := e.Cond.Entry(d)
	v.Verdict, v.Code, v.Status, v.Message = model.VerdictRefused, entry.Code, entry.HTTP, e.Message(d, lang)
	return v
}

// debugActAs makes the debug call's actor the call's caller, for the
// stages after authenticate (outbound tells the backend who called): an
// account or its user, active. The operator is no account: its calls go
// to the backend with no caller, as a group of auth type none's do.
func debugActAs(g *Gateway, c *Call) string {
	a := c.debug.call.Actor
	c.Now = g.cfg.Clock()
	if !c.Env.Auth.None() && !a.Operator && a.Pin != "" {
		k := &snapshot.Caller{Pin: a.Pin, User: a.User, Enabled: true, Account: model.AccountActive,
			PinHeader: []string{a.Pin}}
		if a.User != "" {
			k.UserFound, k.UserStatus, k.UserHeader = true, model.UserActive, []string{a.User}
		}
		c.Caller = k
	}
	return "debug call, acting as " + a.String()
}

// debugSameEnv refuses a debug call whose host resolved to another group
// environment than the one it is for (a group whose id ends in "-test"
// beside another's test environment).
func debugSameEnv(c *Call) error {
	dc := c.debug.call
	if c.Env.Environment != dc.Environment || !strings.EqualFold(c.Env.Group.ID, dc.GroupID) {
		return errcode.Newf(errcode.ServiceNotFound, "the host of group %s %s names group %s %s", dc.GroupID, dc.Environment, c.Env.Group.ID, c.Env.Environment)
	}
	return nil
}

// debugSameAPI refuses a debug call whose method and path match another
// API of the revision than the one it is for: the call would not be the
// API's.
func debugSameAPI(c *Call) error {
	if id := c.debug.call.APIID; c.API.ID != id {
		return errcode.Newf(errcode.NotFound, "the sample's method and path match API %s, not %s", c.API.ID, id)
	}
	return nil
}

// debugRequest builds the request of dc, as it would arrive at host.
func debugRequest(ctx context.Context, dc *model.DebugCall, host string) (*http.Request, error) {
	u := &url.URL{Scheme: "http", Host: host, RawQuery: dc.RawQuery}
	p, err := url.PathUnescape(dc.Path)
	if err != nil {
		return nil, errcode.Newf(errcode.ParamValueInvalid, "the path %q: %v", dc.Path, err)
	}
	u.Path, u.RawPath = p, dc.Path
	r, err := http.NewRequestWithContext(ctx, dc.Method, u.String(), bytes.NewReader(dc.Body))
	if err != nil {
		return nil, errcode.Wrap(errcode.ParamValueInvalid, err)
	}
	if len(dc.Body) == 0 {
		r.Body, r.ContentLength, r.GetBody = http.NoBody, 0, nil
	}
	r.Header = dc.Header.Clone()
	if r.Header == nil {
		r.Header = make(http.Header)
	}
	// A debug call is one request and its answer: no switching protocols.
	r.Header.Del("Upgrade")
	r.Header.Del("Connection")
	r.Host = host
	r.RequestURI = u.RequestURI()
	r.RemoteAddr = dc.RemoteAddr
	return r, nil
}

// hostOf returns the host a client calls env at.
func hostOf(env *snapshot.Env, base string) string {
	h := env.Group.ID
	if env.Environment != model.EnvOnline {
		h += "-" + string(env.Environment)
	}
	return h + "." + base
}

// debugWriter is the client's side of a debug call: it keeps the status,
// the headers and up to MaxDebugAnswerBytes of the body, and counts the
// rest.
type debugWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
	n      int64
}

func (w *debugWriter) Header() http.Header { return w.header }

func (w *debugWriter) WriteHeader(status int) {
	if w.status == 0 && status >= 200 {
		w.status = status
	}
}

func (w *debugWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.n += int64(len(p))
	if room := MaxDebugAnswerBytes - w.body.Len(); room > 0 {
		w.body.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// Flush lets a streamed answer stream: there is nothing to flush to.
func (w *debugWriter) Flush() {}

// SetReadDeadline is what the request body's guard sets on a client's
// connection; a debug call's body is in memory.
func (w *debugWriter) SetReadDeadline(time.Time) error { return nil }
