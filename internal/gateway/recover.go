package gateway

import (
	"fmt"
	"net/http"
	"runtime/debug"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// runStages runs the pipeline from stage i on and returns len(g.stages).
// A stage that panics stops the run: the panic becomes the call's error
// (errcode.Internal, answered in the group's dialect unless the answer
// had started), and the index of the next stage is returned, so that
// ServeHTTP carries on from there and the stages that always run (settle,
// account) still release the call's holds and its in-flight slot. One
// deferred recover serves the whole run, not one per stage.
func (g *Gateway) runStages(c *Call, i int) (next int) {
	defer func() {
		if p := recover(); p != nil {
			g.recovered(c, i, p)
			if c.clock != nil {
				c.clock.lap(i)
			}
			next = i + 1
		}
	}()
	for ; i < len(g.stages); i++ {
		s := &g.stages[i]
		if c.Err != nil && !s.always {
			continue
		}
		if err := s.run(c); err != nil && c.Err == nil {
			g.fail(c, err)
		}
		if c.clock != nil {
			c.clock.lap(i)
		}
	}
	return i
}

// recovered makes the panic p of stage i the call's failure, and logs it
// with its stack. http.ErrAbortHandler is a request to drop the
// connection, not a bug: it is honoured, and not logged.
func (g *Gateway) recovered(c *Call, i int, p any) {
	name := g.stages[i].name
	if p == http.ErrAbortHandler {
		if c.Err == nil {
			c.Err = errcode.Newf(errcode.Internal, "stage %s aborted the call", name)
			c.Status = c.Err.Cond.HTTP()
		}
		c.abort = true
		return
	}
	g.cfg.Logger.Error("gateway stage panicked", "stage", name, "requestId", c.RequestID,
		"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
	if c.Err == nil {
		g.fail(c, errcode.Newf(errcode.Internal, "stage %s panicked: %v", name, p))
	}
}
