package admin

import (
	"context"
	"net/http"
	"time"
)

// Reloader is how the admin edge has the data plane take up a change:
// Trigger asks for a reload and returns its ticket, Wait waits for a
// reload that began after the ticket was taken (reload.Reloader).
type Reloader interface {
	Trigger() uint64
	Wait(ctx context.Context, ticket uint64) error
}

// reloadWait bounds how long a write's answer waits for its reload. Past
// it the answer goes out anyway: the change is in the store, and the
// reload that is under way, or its retries, will serve it.
const reloadWait = 5 * time.Second

// committed runs once per write, right before its status goes out. An
// accepted write waits for the reload that covers it. A write that failed
// on the server's side (5xx) may have committed part of its change before
// failing, so it asks for a reload without waiting; a refusal (4xx)
// changed nothing and asks for none.
func (s *server) committed(ctx context.Context, id string, status int) {
	if s.reloads == nil {
		return
	}
	switch {
	case status < 400:
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), reloadWait)
		defer cancel()
		if err := s.reloads.Wait(ctx, s.reloads.Trigger()); err != nil {
			s.log.Error("the reload after a write failed: the data plane serves the previous configuration until a reload succeeds",
				"requestId", id, "err", err)
		}
	case status >= 500:
		s.reloads.Trigger()
	}
}

// unchanged tells the edge that the write being answered on w changed
// nothing (a dry run), so that it asks for no reload.
func unchanged(w http.ResponseWriter) {
	if sw, ok := w.(*successWriter); ok {
		w = sw.ResponseWriter
	}
	if rec, ok := w.(*statusRecorder); ok {
		rec.beforeStatus = nil
	}
}
