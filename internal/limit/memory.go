package limit

import (
	"cmp"
	"context"
	"fmt"
	"hash/maphash"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// shardCount is the number of independently locked parts of a Memory;
// a power of two so that the top bits of a hash pick one.
const shardCount = 256

// sweepEvery is how often each shard forgets what no longer counts: idle
// rate windows, settled quotas of past periods, usage past retention and
// nonce generations past their window.
const sweepEvery = time.Minute

// Options configure a Memory. The zero value is ready to use.
type Options struct {
	// Clock is the time source; SystemClock when nil.
	Clock Clock
	// UsageRetention is how long hourly usage is kept; 35 days when zero.
	UsageRetention time.Duration
	// BatchDelay is the longest a journal record waits for others to
	// share its write, unless someone calls Sync; 2ms when zero.
	BatchDelay time.Duration
	// SyncEvery is the longest a written journal record waits for an
	// fsync when nobody calls Sync: what a power cut can lose of records
	// that were only flushed; 100ms when zero.
	SyncEvery time.Duration
	// BatchRecords is the number of records that makes a journal write
	// start at once; 256 when zero.
	BatchRecords int
	// CompactBytes is the size of journal segment past which the state
	// is written to a snapshot and the journal truncated; 64 MiB when
	// zero.
	CompactBytes int64
	// OnError, when set, is told of failures of background work
	// (compaction), which has no caller to return them to.
	OnError func(error)
	// DataID is the id of the data directory the journal belongs to
	// (OpenMemory): every file's header names it, and a file naming
	// another is refused. When empty, the id the directory has is kept,
	// or a new one made.
	DataID string
	// OnTorn, when set, is told of each torn tail OpenMemory cuts off: the
	// file, the offset of the incomplete record and the bytes dropped.
	OnTorn func(file string, offset, dropped int64)
}

// Memory is the in-memory Counter: the embedded default engine. Its state
// is split into shards, each under its own mutex, so that callers counting
// different keys rarely meet; calls on a key that exists allocate nothing.
//
// A Memory made by OpenMemory keeps a journal of quota use, usage and
// nonces in a directory, so that what was counted survives a crash (see
// journal). Rate windows and holds are not kept: after a restart, rates
// start empty and unsettled holds are gone, which releases them.
type Memory struct {
	clock     Clock
	seed      maphash.Seed
	sip       sipKey
	retention int64 // hours of usage kept
	shards    [shardCount]shard

	// Set by OpenMemory.
	dir       string
	lock      *os.File // holds the directory's lock
	opts      Options
	j         *journal
	compactMu sync.Mutex
	compactCh chan struct{}
	quit      chan struct{}
	wg        sync.WaitGroup

	dataID string

	chargeMu sync.Mutex
	charges  map[string]struct{} // charges made by CommitCharge, until forgotten

	sweepNext   atomic.Int64  // when the next shard is due to be swept
	sweepCursor atomic.Uint32 // the last shard swept

	closed atomic.Bool
}

var _ Counter = (*Memory)(nil)

// shard is one independently locked part of a Memory.
type shard struct {
	mu     sync.Mutex
	rates  map[Key]*window
	quotas map[Key]*quota
	usage  map[usageKey]*Usage
	nonces []*nonceSet // one per distinct ttl
	seq    uint64      // the last reservation sequence number
	_      [64]byte    // keep neighbouring shards' mutexes off one cache line
}

// usageKey is a usage counter's map key: the key and the hour, as hours
// since 1970.
type usageKey struct {
	UsageKey
	hour int64
}

// NewMemory returns a Memory that keeps its state only in memory.
func NewMemory(o Options) *Memory {
	return newMemory(o, newSipKey())
}

func newMemory(o Options, k sipKey) *Memory {
	if o.Clock == nil {
		o.Clock = SystemClock{}
	}
	if o.UsageRetention <= 0 {
		o.UsageRetention = 35 * 24 * time.Hour
	}
	if o.BatchDelay <= 0 {
		o.BatchDelay = 2 * time.Millisecond
	}
	if o.SyncEvery <= 0 {
		o.SyncEvery = 100 * time.Millisecond
	}
	if o.BatchRecords <= 0 {
		o.BatchRecords = 256
	}
	if o.CompactBytes <= 0 {
		o.CompactBytes = 64 << 20
	}
	m := &Memory{
		clock:     o.Clock,
		seed:      maphash.MakeSeed(),
		sip:       k,
		retention: int64((o.UsageRetention + time.Hour - 1) / time.Hour),
		opts:      o,
	}
	for i := range m.shards {
		s := &m.shards[i]
		s.rates = map[Key]*window{}
		s.quotas = map[Key]*quota{}
		s.usage = map[usageKey]*Usage{}
	}
	return m
}

func (m *Memory) keyShard(k Key) *shard {
	return &m.shards[maphash.Comparable(m.seed, k)>>56]
}

func (m *Memory) usageShard(k usageKey) *shard {
	return &m.shards[maphash.Comparable(m.seed, k)>>56]
}

// Allow implements Counter.
func (m *Memory) Allow(_ context.Context, k Key, r Rate, n int64) (Decision, error) {
	if m.closed.Load() {
		return Decision{}, ErrClosed
	}
	if err := r.check(n); err != nil {
		return Decision{}, err
	}
	now := m.clock.Now().UnixNano()
	s := m.keyShard(k)
	s.mu.Lock()
	w := s.rates[k]
	if w == nil {
		w = new(window)
		s.rates[k] = w
	}
	d := w.allow(now, r, n)
	s.mu.Unlock()
	m.tick(now)
	return d, nil
}

// Once implements Counter. A nonce is journaled when first seen, so that a
// restart still refuses its replay; if the journal fails, Once still
// reports the truth and returns the journal's error with it.
func (m *Memory) Once(_ context.Context, k Key, ttl time.Duration) (bool, error) {
	if m.closed.Load() {
		return false, ErrClosed
	}
	if ttl <= 0 {
		return false, fmt.Errorf("%w: nonce ttl %v", ErrInvalid, ttl)
	}
	h := m.sip.hashKey(k)
	now := m.clock.Now().UnixNano()
	s := &m.shards[h>>56]
	s.mu.Lock()
	fresh := s.nonceSet(int64(ttl), now).once(now, h)
	var err error
	if fresh && m.j != nil {
		var b [32]byte
		err = m.j.append(appendNonceRecord(b[:0], int64(ttl), now, h))
	}
	s.mu.Unlock()
	m.tick(now)
	return fresh, err
}

// nonceSet returns the shard's set for ttl, making it if need be.
func (s *shard) nonceSet(ttl, now int64) *nonceSet {
	for _, ns := range s.nonces {
		if ns.ttl == ttl {
			return ns
		}
	}
	ns := newNonceSet(ttl, now)
	s.nonces = append(s.nonces, ns)
	return ns
}

// Reserve implements Counter. Holds are not journaled: a restart forgets
// them, which releases them.
func (m *Memory) Reserve(_ context.Context, q Quota, n int64, hold time.Duration) (Reservation, error) {
	if m.closed.Load() {
		return Reservation{}, ErrClosed
	}
	if n < 0 {
		return Reservation{}, fmt.Errorf("%w: reserve %d", ErrInvalid, n)
	}
	if hold <= 0 {
		hold = DefaultHold
	}
	now := m.clock.Now()
	s := m.keyShard(q.Key)
	s.mu.Lock()
	st := s.quotas[q.Key]
	if st == nil {
		st = newQuota()
		s.quotas[q.Key] = st
	}
	s.seq++
	r := st.reserve(now, q, n, hold, s.seq)
	s.mu.Unlock()
	m.tick(now.UnixNano())
	return r, nil
}

// Commit implements Counter. The quota's new use is journaled; it is
// durable once Sync returns.
func (m *Memory) Commit(_ context.Context, r Reservation) error {
	return m.settle(r, true, "")
}

// Release implements Counter.
func (m *Memory) Release(_ context.Context, r Reservation) error {
	return m.settle(r, false, "")
}

// settle commits or releases r. A commit with a charge id also remembers
// the id, in the same journal record (CommitCharge).
func (m *Memory) settle(r Reservation, commit bool, chargeID string) error {
	if r.ID == 0 {
		return nil
	}
	if m.closed.Load() {
		return ErrClosed
	}
	now := m.clock.Now().UnixNano()
	s := m.keyShard(r.Key)
	s.mu.Lock()
	var found, changed bool
	st := s.quotas[r.Key]
	if st != nil {
		found, changed = st.settle(now, r.ID, commit)
	}
	var err error
	if found && chargeID != "" {
		// Remembered before it is journaled: a snapshot taken after this
		// record's segment was closed must include it.
		m.remember(chargeID)
	}
	if changed && m.j != nil {
		var b [128]byte
		if chargeID != "" {
			err = m.j.append(appendChargeRecord(b[:0], chargeID, r.Key, st.period, st.end, st.used))
		} else {
			err = m.j.append(appendQuotaRecord(b[:0], r.Key, st.period, st.end, st.used))
		}
	}
	s.mu.Unlock()
	if !found {
		return ErrUnknownReservation
	}
	return err
}

// Add implements Counter. The hour's new totals are journaled.
func (m *Memory) Add(_ context.Context, k UsageKey, u Usage) error {
	if m.closed.Load() {
		return ErrClosed
	}
	now := m.clock.Now().UnixNano()
	uk := usageKey{k, floorDiv(now, int64(time.Hour))}
	s := m.usageShard(uk)
	s.mu.Lock()
	row := s.usage[uk]
	if row == nil {
		row = new(Usage)
		s.usage[uk] = row
	}
	row.Calls += u.Calls
	row.OK += u.OK
	row.Charged += u.Charged
	row.Business += u.Business
	var err error
	if m.j != nil {
		var b [192]byte
		err = m.j.append(appendUsageRecord(b[:0], k, uk.hour, *row))
	}
	s.mu.Unlock()
	m.tick(now)
	return err
}

// Usage implements Counter.
func (m *Memory) Usage(_ context.Context, pin string, from, to time.Time) ([]UsageRow, error) {
	if m.closed.Load() {
		return nil, ErrClosed
	}
	// The hours that start in [from, to).
	lo := ceilDiv(from.UnixNano(), int64(time.Hour))
	hi := ceilDiv(to.UnixNano(), int64(time.Hour))
	var rows []UsageRow
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		for k, u := range s.usage {
			if k.hour >= lo && k.hour < hi && (pin == "" || k.Pin == pin) {
				rows = append(rows, UsageRow{UsageKey: k.UsageKey, Hour: time.Unix(k.hour*3600, 0).UTC(), Usage: *u})
			}
		}
		s.mu.Unlock()
	}
	slices.SortFunc(rows, func(a, b UsageRow) int {
		return cmp.Or(a.Hour.Compare(b.Hour),
			cmp.Compare(a.Pin, b.Pin),
			cmp.Compare(a.AccessKey, b.AccessKey),
			cmp.Compare(a.Group, b.Group),
			cmp.Compare(a.API, b.API),
			cmp.Compare(a.Env, b.Env))
	})
	return rows, nil
}

// Flush implements Counter: it waits for the journal's write, not its
// fsync. Without a journal there is nothing to wait for.
func (m *Memory) Flush(ctx context.Context) error {
	if m.j == nil {
		return nil
	}
	return m.j.flush(ctx)
}

// Sync implements Counter. Without a journal there is nothing to wait for.
func (m *Memory) Sync(ctx context.Context) error {
	if m.j == nil {
		return nil
	}
	return m.j.sync(ctx)
}

// tick sweeps the shards in turn, one every sweepEvery/shardCount, so
// that each is swept once per sweepEvery and the cost is spread over the
// calls; after a quiet spell the first call catches up. It runs after the
// caller's shard is unlocked, on whichever call finds a sweep due: a
// goroutine of its own would need stopping, and could not be driven by a
// ManualClock.
func (m *Memory) tick(now int64) {
	next := m.sweepNext.Load()
	if now < next {
		return
	}
	const step = int64(sweepEvery) / shardCount
	if !m.sweepNext.CompareAndSwap(next, now+step) {
		return // another call took this turn
	}
	for range min((now-next)/step+1, shardCount) {
		s := &m.shards[m.sweepCursor.Add(1)%shardCount]
		s.mu.Lock()
		s.sweep(now, m.retention)
		s.mu.Unlock()
	}
}

// sweep forgets what no longer counts at now. s.mu is held.
func (s *shard) sweep(now, retention int64) {
	for k, w := range s.rates {
		if w.idle(now) {
			delete(s.rates, k)
		}
	}
	for k, q := range s.quotas {
		q.expire(now)
		if q.idle(now) {
			delete(s.quotas, k)
		}
	}
	oldest := floorDiv(now, int64(time.Hour)) - retention
	for k := range s.usage {
		if k.hour < oldest {
			delete(s.usage, k)
		}
	}
	for _, ns := range s.nonces {
		ns.rotate(now)
	}
	s.nonces = slices.DeleteFunc(s.nonces, func(ns *nonceSet) bool { return ns.empty(now) })
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

func ceilDiv(a, b int64) int64 { return -floorDiv(-a, b) }
