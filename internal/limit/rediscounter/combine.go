package rediscounter

import (
	"context"
	"fmt"
	"sync"
)

// maxCombined is the most calls one script decides: enough for every
// call a busy node has waiting, few enough that no script holds Redis
// long.
const maxCombined = 64

// waiting is what a combiner sends: one call's part of a script, with
// the channel its caller waits on.
type waiting interface {
	waker() chan bool
	// lost gives the call err when its batch could not be sent at all.
	lost(err error)
}

// combiner sends what callers hand it to Redis one batch at a time: while
// a batch is on its way, the calls that arrive wait together for the next.
// The caller that finds no batch on its way sends one; when it is back,
// it wakes its batch's callers, and hands the sending of the next batch to
// the first caller waiting, so that no caller sends for others longer than
// its own batch.
type combiner[T interface {
	comparable
	waiting
}] struct {
	mu    sync.Mutex
	queue []T
	busy  bool
}

// run sends a with the calls waiting beside it through send, and returns
// once a's part of the answer is in.
func (cb *combiner[T]) run(ctx context.Context, a T, send func(context.Context, []T)) {
	cb.mu.Lock()
	cb.queue = append(cb.queue, a)
	if cb.busy {
		cb.mu.Unlock()
		if lead := <-a.waker(); !lead {
			return
		}
		cb.mu.Lock()
	}
	cb.busy = true
	n := min(len(cb.queue), maxCombined)
	batch := make([]T, n)
	copy(batch, cb.queue)
	cb.queue = append(cb.queue[:0], cb.queue[n:]...)
	cb.mu.Unlock()

	defer func() {
		// A send that panicked must not leave its callers waiting, nor
		// every later call: they fail, and the next batch goes.
		if r := recover(); r != nil {
			for _, b := range batch {
				b.lost(fmt.Errorf("counters: %v", r))
			}
			cb.wake(a, batch)
			panic(r)
		}
	}()
	// The batch is everyone's: one caller giving up must not fail it.
	send(context.WithoutCancel(ctx), batch)
	cb.wake(a, batch)
}

// wake wakes the callers of batch but a, whose batch it was, and hands
// the next batch to the first caller waiting.
func (cb *combiner[T]) wake(a T, batch []T) {
	for _, b := range batch {
		if b != a {
			b.waker() <- false
		}
	}
	cb.mu.Lock()
	if len(cb.queue) == 0 {
		cb.busy = false
		cb.mu.Unlock()
		return
	}
	next := cb.queue[0]
	cb.mu.Unlock()
	next.waker() <- true
}
