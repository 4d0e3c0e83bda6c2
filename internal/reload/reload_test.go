package reload

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// store stands for the configuration store: a version that writes bump and
// reloads read.
type store struct {
	version atomic.Int64
	served  atomic.Int64 // the version the last reload swapped in
	loads   atomic.Int64
	gate    chan struct{} // when not nil, each load waits for a value
	started chan struct{} // when not nil, each load says it began
	fail    atomic.Bool
}

func (s *store) load(ctx context.Context) error {
	v := s.version.Load()
	s.loads.Add(1)
	if s.started != nil {
		s.started <- struct{}{}
	}
	if s.gate != nil {
		select {
		case <-s.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if s.fail.Load() {
		return errors.New("store unreachable")
	}
	s.served.Store(v)
	return nil
}

func TestWaitSeesItsOwnWrite(t *testing.T) {
	s := &store{gate: make(chan struct{}), started: make(chan struct{})}
	r := New(s.load, Options{})
	defer r.Close()

	s.version.Store(1)
	first := r.Trigger()
	<-s.started // a reload is running, and has read version 1
	s.version.Store(2)
	second := r.Trigger() // taken after that reload began: it does not cover it
	s.gate <- struct{}{}
	if err := r.Wait(context.Background(), first); err != nil {
		t.Fatalf("Wait(first) = %v", err)
	}
	<-s.started
	s.gate <- struct{}{}
	if err := r.Wait(context.Background(), second); err != nil {
		t.Fatalf("Wait(second) = %v", err)
	}
	if got := s.served.Load(); got != 2 {
		t.Errorf("after Wait(second) the served version is %d, want 2", got)
	}
}

func TestBurstsShareReloads(t *testing.T) {
	s := &store{gate: make(chan struct{}), started: make(chan struct{}, 100)}
	r := New(s.load, Options{})
	defer r.Close()

	first := r.Trigger()
	<-s.started
	// 50 writes land while the first reload runs: one more reload covers
	// them all.
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Add(1)
		ticket := r.Trigger()
		go func() {
			defer wg.Done()
			errs <- r.Wait(context.Background(), ticket)
		}()
	}
	close(s.gate) // every load from now on passes
	if err := r.Wait(context.Background(), first); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Wait = %v", err)
		}
	}
	if got := s.loads.Load(); got != 2 {
		t.Errorf("51 requests ran %d reloads, want 2", got)
	}
	if st := r.Status(); st.Reloads != 2 || st.Failures != 0 || st.Err != nil || st.LastSuccess.IsZero() {
		t.Errorf("Status() = %+v, want 2 reloads, no failure", st)
	}
}

func TestFailedReloadIsReportedAndRetried(t *testing.T) {
	s := &store{}
	s.fail.Store(true)
	var observed atomic.Int64
	r := New(s.load, Options{RetryMin: time.Millisecond, RetryMax: 4 * time.Millisecond,
		Observe: func(err error, _ time.Duration) {
			if err != nil {
				observed.Add(1)
			}
		}})
	defer r.Close()

	s.version.Store(7)
	if err := r.Reload(context.Background()); err == nil {
		t.Fatal("Reload() = nil while the store fails, want its error")
	}
	st := r.Status()
	if st.Err == nil || st.Failures == 0 || !st.LastSuccess.IsZero() {
		t.Errorf("Status() = %+v, want the failure reported and no success", st)
	}
	// No new request comes: the Reloader retries by itself and recovers.
	s.fail.Store(false)
	deadline := time.Now().Add(10 * time.Second)
	for r.Status().Err != nil && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if st := r.Status(); st.Err != nil || st.LastSuccess.IsZero() {
		t.Fatalf("after the store came back, Status() = %+v, want a success", st)
	}
	if got := s.served.Load(); got != 7 {
		t.Errorf("served version %d after the retry, want 7", got)
	}
	if observed.Load() == 0 {
		t.Error("Observe was not told of the failure")
	}
}

func TestPollReloadsWithoutRequests(t *testing.T) {
	s := &store{}
	r := New(s.load, Options{Every: time.Millisecond})
	defer r.Close()
	s.version.Store(3)
	deadline := time.Now().Add(10 * time.Second)
	for s.served.Load() != 3 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if got := s.served.Load(); got != 3 {
		t.Fatalf("the poll never reloaded: served %d, want 3", got)
	}
}

func TestWaitAfterClose(t *testing.T) {
	s := &store{gate: make(chan struct{})}
	r := New(s.load, Options{})
	ticket := r.Trigger()
	got := make(chan error, 1)
	go func() { got <- r.Wait(context.Background(), ticket) }()
	go func() {
		// Let the blocked load finish once Close has been asked for.
		time.Sleep(10 * time.Millisecond)
		close(s.gate)
	}()
	r.Close()
	if err := <-got; err != nil && !errors.Is(err, ErrClosed) {
		t.Errorf("Wait across Close = %v, want nil or ErrClosed", err)
	}
	if err := r.Wait(context.Background(), r.Trigger()); !errors.Is(err, ErrClosed) {
		t.Errorf("Wait after Close = %v, want ErrClosed", err)
	}
}

func TestWaitHonoursContext(t *testing.T) {
	s := &store{gate: make(chan struct{})}
	r := New(s.load, Options{})
	defer func() { close(s.gate); r.Close() }()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r.Wait(ctx, r.Trigger()); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait with a cancelled context = %v, want context.Canceled", err)
	}
}
