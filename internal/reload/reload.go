// Package reload runs the configuration reloads of one node: one at a time,
// coalescing the requests that arrive while one runs, retrying a failed one,
// and remembering how the last one went for readiness checks and metrics.
//
// A request is a ticket. Wait(ticket) returns once a reload that began after
// the ticket was taken has finished, so a caller that changed the store and
// then waits knows the data plane serves its change (or learns that the
// reload failed). Ten writes that arrive while a reload runs share the next
// one: reload cost grows with the configuration's size, not with the rate
// of writes.
package reload

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Func loads the configuration and swaps it in. It is only ever called from
// the Reloader's own goroutine, one call at a time.
type Func func(ctx context.Context) error

// Options tune a Reloader. The zero value is usable.
type Options struct {
	// Timeout bounds one reload; 0 is DefaultTimeout.
	Timeout time.Duration
	// RetryMin and RetryMax bound the wait before a failed reload is tried
	// again, doubling from one to the other; 0 is DefaultRetryMin and
	// DefaultRetryMax. A failed reload is retried until one succeeds, so
	// a node recovers without waiting for the next change.
	RetryMin, RetryMax time.Duration
	// Every, when positive, reloads this often even without a request: the
	// safety net of a node that may miss a change notification.
	Every time.Duration
	// Observe, when not nil, is told the outcome and duration of every
	// reload, for metrics.
	Observe func(err error, took time.Duration)
	// Clock is time.Now when nil.
	Clock func() time.Time
}

// Defaults of Options.
const (
	DefaultTimeout  = 30 * time.Second
	DefaultRetryMin = 250 * time.Millisecond
	DefaultRetryMax = 30 * time.Second
)

// Status is how the last reload went.
type Status struct {
	// Err is the last reload's error; nil after a success.
	Err error
	// LastSuccess is when the last successful reload finished; zero
	// before the first.
	LastSuccess time.Time
	// Reloads and Failures count the reloads run and those that failed.
	Reloads, Failures uint64
}

// ErrClosed is returned by Wait once the Reloader is closed.
var ErrClosed = errors.New("reload: closed")

// Reloader serializes and coalesces reloads. Create it with New; stop it
// with Close.
type Reloader struct {
	load Func
	opts Options

	mu        sync.Mutex
	requested uint64        // the last ticket handed out
	finished  uint64        // every ticket up to this one is covered by a finished reload
	lastErr   error         // of the reload that set finished
	changed   chan struct{} // closed and replaced when finished moves
	status    Status
	closed    bool

	kick chan struct{} // capacity 1: a request is pending
	stop chan struct{}
	done chan struct{}
}

// New starts a Reloader that calls load. The first reload runs when it is
// first asked for (or after opts.Every).
func New(load Func, opts Options) *Reloader {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.RetryMin <= 0 {
		opts.RetryMin = DefaultRetryMin
	}
	if opts.RetryMax <= 0 {
		opts.RetryMax = DefaultRetryMax
	}
	opts.RetryMax = max(opts.RetryMax, opts.RetryMin)
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	r := &Reloader{
		load:    load,
		opts:    opts,
		changed: make(chan struct{}),
		kick:    make(chan struct{}, 1),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	go r.run()
	return r
}

// Trigger asks for a reload and returns its ticket, without waiting.
func (r *Reloader) Trigger() uint64 {
	r.mu.Lock()
	r.requested++
	t := r.requested
	r.mu.Unlock()
	select {
	case r.kick <- struct{}{}:
	default: // a request is already pending; it will cover this one
	}
	return t
}

// Wait returns when a reload that began after ticket was taken has
// finished, with that reload's error, or ctx's error first.
func (r *Reloader) Wait(ctx context.Context, ticket uint64) error {
	for {
		r.mu.Lock()
		if r.finished >= ticket {
			err := r.lastErr
			r.mu.Unlock()
			return err
		}
		if r.closed {
			r.mu.Unlock()
			return ErrClosed
		}
		ch := r.changed
		r.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Reload asks for a reload and waits for it.
func (r *Reloader) Reload(ctx context.Context) error {
	return r.Wait(ctx, r.Trigger())
}

// Status reports how the last reload went.
func (r *Reloader) Status() Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.status
}

// Close stops the Reloader after the reload under way, if any, and
// releases every waiter.
func (r *Reloader) Close() {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.closed = true
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
	close(r.stop)
	<-r.done
}

func (r *Reloader) run() {
	defer close(r.done)
	var poll <-chan time.Time
	if r.opts.Every > 0 {
		t := time.NewTicker(r.opts.Every)
		defer t.Stop()
		poll = t.C
	}
	var retry *time.Timer
	var retryC <-chan time.Time
	backoff := r.opts.RetryMin
	for {
		select {
		case <-r.stop:
			if retry != nil {
				retry.Stop()
			}
			return
		case <-r.kick:
		case <-poll:
			r.Trigger() // a ticket, so that the poll's reload is counted like any other
			<-r.kick
		case <-retryC:
			retryC = nil
		}
		if err := r.once(); err != nil {
			if retry == nil {
				retry = time.NewTimer(backoff)
			} else {
				retry.Reset(backoff)
			}
			retryC = retry.C
			backoff = min(2*backoff, r.opts.RetryMax)
		} else {
			backoff = r.opts.RetryMin
			if retry != nil {
				retry.Stop()
				retryC = nil
			}
		}
	}
}

// once runs one reload covering every ticket handed out before it began.
func (r *Reloader) once() error {
	r.mu.Lock()
	covers := r.requested
	r.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), r.opts.Timeout)
	start := r.opts.Clock()
	err := r.load(ctx)
	took := r.opts.Clock().Sub(start)
	cancel()
	if r.opts.Observe != nil {
		r.opts.Observe(err, took)
	}
	r.mu.Lock()
	r.status.Reloads++
	r.status.Err = err
	if err != nil {
		r.status.Failures++
	} else {
		r.status.LastSuccess = r.opts.Clock()
	}
	if covers > r.finished {
		r.finished = covers
	}
	r.lastErr = err
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
	return err
}
