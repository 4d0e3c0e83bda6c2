package rediscounter

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// item is a call handed to a combiner in the tests: send answers it with
// its own number.
type item struct {
	n, got int
	err    error
	wake   chan bool
}

func (it *item) waker() chan bool { return it.wake }
func (it *item) lost(err error)   { it.err = err }

// TestCombinerAnswersEachCall: 200 callers at once through one combiner
// each get their own answer, in batches of at most maxCombined, one batch
// at a time, fewer batches than calls; and a batch whose send panics fails
// its callers only — the panic goes to the caller that sent it, and the
// calls after it are sent.
func TestCombinerAnswersEachCall(t *testing.T) {
	var (
		cb               combiner[*item]
		batches, sending atomic.Int64
		boom             atomic.Bool
	)
	send := func(_ context.Context, batch []*item) {
		if sending.Add(1) != 1 {
			t.Error("two batches on their way at once")
		}
		defer sending.Add(-1)
		batches.Add(1)
		if len(batch) > maxCombined {
			t.Errorf("a batch of %d calls, want at most %d", len(batch), maxCombined)
		}
		if boom.CompareAndSwap(true, false) {
			panic("boom")
		}
		// A round trip's time, for the calls behind to queue up.
		time.Sleep(100 * time.Microsecond)
		for _, it := range batch {
			it.got = it.n
		}
	}
	call := func(n int) (it *item, panicked bool) {
		it = &item{n: n, wake: make(chan bool, 1)}
		defer func() { panicked = recover() != nil }()
		cb.run(context.Background(), it, send)
		return it, false
	}
	const calls = 200
	var wg sync.WaitGroup
	start := make(chan struct{})
	for n := 1; n <= calls; n++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if it, _ := call(n); it.got != n || it.err != nil {
				t.Errorf("call %d answered %d, %v", n, it.got, it.err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if b := batches.Load(); b >= calls {
		t.Errorf("%d batches for %d calls: none combined", b, calls)
	}

	boom.Store(true)
	it, panicked := call(1)
	if !panicked || it.err == nil || errors.Is(it.err, context.Canceled) {
		t.Errorf("a send that panicked: panicked %v, err %v", panicked, it.err)
	}
	if it, _ := call(2); it.got != 2 || it.err != nil {
		t.Errorf("the call after a panic answered %d, %v", it.got, it.err)
	}
}
