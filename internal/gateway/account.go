package gateway

import (
	"time"

	"github.com/tollgate-gw/tollgate/internal/telemetry"
)

// account records the call, whatever became of it: the in-flight count,
// the metrics and the access log. It never fails.
func (g *Gateway) account(c *Call) error {
	if c.admitted {
		g.inflight.Add(-1)
	}
	if c.Status == 0 {
		c.Status = c.Result.Status
	}
	code := ""
	if c.Err != nil {
		code = c.Err.Code()
	}
	if c.body != nil && c.BytesIn == 0 {
		// A body of unknown length: what arrived of it.
		c.BytesIn = c.body.n.Load()
	}
	if c.body != nil {
		if f := c.body.failure.Load(); f != nil && g.cfg.Metrics != nil {
			g.cfg.Metrics.BodyCut(f.reason)
		}
	}
	took := time.Since(c.Start)
	if m := g.cfg.Metrics; m != nil {
		var s *telemetry.Series
		switch {
		case c.API != nil:
			s = c.API.Metrics.Series(m, c.API.Labels)
		case c.Env != nil:
			s = c.Env.Metrics.Series(m, c.Env.Labels)
		default:
			s = m.Unplaced()
		}
		s.Observe(telemetry.Outcome{
			Status:        c.Status,
			Code:          code,
			Duration:      took,
			Upstream:      c.Result.Upstream,
			UpstreamError: c.upstreamErr,
			Business:      c.business,
		})
	}
	if l := g.cfg.AccessLog; l != nil {
		e := telemetry.Entry{
			Time:      c.Start,
			RequestID: c.RequestID,
			Method:    c.R.Method,
			Path:      c.R.URL.Path,
			Status:    c.Status,
			Code:      code,
			Latency:   took,
			Upstream:  c.Result.Upstream,
			BytesIn:   c.BytesIn,
			BytesOut:  c.Result.BytesOut,
			Remote:    c.R.RemoteAddr,
			Debug:     c.debug != nil,
		}
		if c.Env != nil {
			e.Group, e.Environment = c.Env.Group.ID, string(c.Env.Environment)
		}
		if c.API != nil {
			e.API, e.APIName = c.API.Labels.API, c.API.Name
		}
		if k := c.Caller; k != nil {
			e.Pin, e.User, e.AccessKey = k.Pin, k.User, k.AccessKey
		}
		l.Log(e)
	}
	return nil
}
