package rediscounter

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-gw/tollgate/internal/limit"
)

// The ledger writer: one goroutine per counter writes the charges this
// node committed to the ledger, everything queued in one transaction
// (group commit: while one batch is written the next fills), and then
// applies them in Redis (ledger.lua). Sync waits for the batch that holds
// the charges committed before it.

// Batches hold at most maxBatch charges.
const maxBatch = 4096

// queued is a charge waiting for the ledger, with the generation of its
// balance when it was committed in Redis.
type queued struct {
	charge limit.LedgerCharge
	gen    string
	seq    uint64
}

// ledgerState is a counter's ledger and its writer.
type ledgerState struct {
	l    limit.Ledger
	node string // prefix of this node's charge refs
	// syncTimeout is how long Sync waits for a batch the ledger does not
	// take before it fails.
	syncTimeout time.Duration

	mu    sync.Mutex
	queue []queued
	next  uint64 // seq of the last charge queued
	done  uint64 // every charge up to this seq is a row
	// failed is the last seq of a batch the ledger refused, with err:
	// Syncs waiting for it fail (the batch is tried again).
	failed uint64
	err    error
	// changed is closed, and replaced, when done or failed move.
	changed chan struct{}
	wake    chan struct{}
	// batches counts the batches the ledger took.
	batches atomic.Int64
	// down is set while the ledger refuses the batch at the head of the
	// queue, which stays there until it takes it.
	down atomic.Bool
}

func newLedgerState(l limit.Ledger, syncTimeout time.Duration) *ledgerState {
	return &ledgerState{l: l, node: newNodeID(), syncTimeout: syncTimeout,
		changed: make(chan struct{}), wake: make(chan struct{}, 1)}
}

func (s *ledgerState) enqueue(q queued) {
	s.mu.Lock()
	s.next++
	q.seq = s.next
	s.queue = append(s.queue, q)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// take removes up to maxBatch charges from the queue.
func (s *ledgerState) take() []queued {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := min(len(s.queue), maxBatch)
	if n == 0 {
		return nil
	}
	batch := make([]queued, n)
	copy(batch, s.queue)
	s.queue = s.queue[n:]
	if len(s.queue) == 0 {
		s.queue = nil // let the backing array go
	}
	return batch
}

// settled records the outcome of the batch ending at seq.
func (s *ledgerState) settled(seq uint64, err error) {
	s.down.Store(err != nil)
	s.mu.Lock()
	if err == nil {
		s.done = max(s.done, seq)
	} else {
		s.failed, s.err = max(s.failed, seq), err
	}
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

// putBack returns a batch the ledger refused to the head of the queue.
func (s *ledgerState) putBack(batch []queued) {
	s.mu.Lock()
	s.queue = append(batch, s.queue...)
	s.mu.Unlock()
}

// wait returns when every charge queued before it is a row, or with an
// error when the ledger refused its batch, ctx ended or syncTimeout
// passed.
func (s *ledgerState) wait(ctx context.Context) error {
	s.mu.Lock()
	seq := s.next
	s.mu.Unlock()
	var timeout <-chan time.Time
	for {
		s.mu.Lock()
		done, failed, err, changed := s.done, s.failed, s.err, s.changed
		s.mu.Unlock()
		switch {
		case done >= seq:
			return nil
		case failed >= seq:
			return fmt.Errorf("%w: the ledger did not take the charge: %w", limit.ErrUnavailable, err)
		}
		if timeout == nil {
			t := time.NewTimer(s.syncTimeout)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-changed:
		case <-timeout:
			return fmt.Errorf("%w: the ledger did not take the charge within %v", limit.ErrUnavailable, s.syncTimeout)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// writeLedger is the writer's goroutine: it writes batches until quit,
// then what is left within a few seconds.
func (c *Counter) writeLedger(quit <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	s := c.ledger
	backoff := 50 * time.Millisecond
	failing := false // one log line per change
	for {
		select {
		case <-s.wake:
		case <-quit:
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			for batch := s.take(); batch != nil && ctx.Err() == nil; batch = s.take() {
				if c.writeBatch(ctx, batch) != nil {
					break
				}
			}
			cancel()
			return
		}
		for batch := s.take(); batch != nil; batch = s.take() {
			if err := c.writeBatch(context.Background(), batch); err != nil {
				s.putBack(batch)
				if !failing {
					c.log.Warn("counters: the ledger does not take charges; balance holds are refused until it does", "charges", len(batch), "error", err)
					failing = true
				}
				select {
				case <-time.After(backoff):
				case <-quit:
				}
				backoff = min(2*backoff, 2*time.Second)
				// Wake again for the batch put back.
				select {
				case s.wake <- struct{}{}:
				default:
				}
				break
			}
			if failing {
				c.log.Info("counters: the ledger takes charges again")
				failing = false
			}
			backoff = 50 * time.Millisecond
		}
	}
}

// writeBatch writes one batch to the ledger and applies it in Redis.
func (c *Counter) writeBatch(ctx context.Context, batch []queued) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	charges := make([]limit.LedgerCharge, len(batch))
	for i, q := range batch {
		charges[i] = q.charge
	}
	last := batch[len(batch)-1].seq
	err := c.ledger.l.Write(ctx, charges, func(written []bool) {
		// The rows are committed: the callers may be answered now.
		c.ledger.settled(last, nil)
		c.applyCharges(ctx, batch, written)
	})
	// Settled once more, should the ledger not have called apply.
	c.ledger.settled(last, err)
	if err == nil {
		c.ledger.batches.Add(1)
	}
	return err
}

// LedgerBatches returns how many batches of charges this counter wrote
// to its ledger: with the charges written, what group commit gathers.
func (c *Counter) LedgerBatches() int64 {
	if c.ledger == nil {
		return 0
	}
	return c.ledger.batches.Load()
}

// applyCharges forgets the pending entries of charges the ledger has, in
// one round trip. A failure leaves them to the sweeper.
func (c *Counter) applyCharges(ctx context.Context, batch []queued, written []bool) {
	apply := func(eval func(p redis.Pipeliner, keys []string, args ...any) *redis.Cmd) error {
		_, err := c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, q := range batch {
				w := "0"
				if written[i] {
					w = "1"
				}
				eval(p, c.ledgerKeys(q.charge.Pin)[:2], "apply", q.charge.Ref, q.gen, w, q.charge.Amount)
			}
			return nil
		})
		return err
	}
	err := apply(func(p redis.Pipeliner, keys []string, args ...any) *redis.Cmd {
		return ledgerScript.EvalSha(ctx, p, keys, args...)
	})
	if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
		err = apply(func(p redis.Pipeliner, keys []string, args ...any) *redis.Cmd {
			return ledgerScript.Eval(ctx, p, keys, args...)
		})
	}
	if err != nil {
		c.check(err)
		c.log.Warn("counters: charges are in the ledger but still pending in redis; the sweeper will finish them", "charges", len(batch), "error", err)
		return
	}
	members := make([]any, len(batch))
	for i, q := range batch {
		members[i] = q.charge.Ref + " " + q.charge.Pin
	}
	c.rdb.ZRem(ctx, c.pendingIndex(), members...)
}
