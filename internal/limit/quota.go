package limit

import (
	"math"
	"time"
)

// A hold's ID carries the index of its slot in quota.holds in its low bits
// and a sequence number, unique in its shard, above them, so that Commit
// finds the hold at once and never settles a later hold in the same slot.
const (
	slotBits = 24
	slotMask = 1<<slotBits - 1
)

// quota is one quota's state: its committed use in the current period and
// the holds of reservations not yet settled.
type quota struct {
	period  int64 // the current period's number
	end     int64 // when it ends, unix nanoseconds
	used    int64 // committed in the current period
	held    int64 // the sum of the live holds of the current period
	holds   []hold
	free    []int32 // indexes of unused entries of holds
	live    int     // live holds, of any period
	soonest int64   // the earliest deadline of a live hold
}

// hold is one reservation's hold; id 0 marks an unused entry.
type hold struct {
	id       uint64
	n        int64
	deadline int64
	period   int64
	end      int64 // its period's end
}

func newQuota() *quota {
	return &quota{end: math.MinInt64, soonest: math.MaxInt64}
}

// roll starts a new period if now has left the current one.
func (q *quota) roll(now time.Time, p Period) {
	if now.UnixNano() < q.end {
		return
	}
	id, end := p.bounds(now)
	if id != q.period {
		// Holds of the old period stay until settled, but no longer
		// count: they were admitted under the old period's allowance.
		q.period, q.used, q.held = id, 0, 0
	}
	q.end = end
}

// expire releases the holds whose deadline has passed.
func (q *quota) expire(now int64) {
	if now < q.soonest {
		return
	}
	q.soonest = math.MaxInt64
	// len is read on every turn: dropping the last live hold empties
	// q.holds (drop), and the slots after it are gone.
	for i := 0; i < len(q.holds); i++ {
		h := &q.holds[i]
		if h.id == 0 {
			continue
		}
		if h.deadline <= now {
			q.drop(int32(i))
		} else {
			q.soonest = min(q.soonest, h.deadline)
		}
	}
}

// reserve holds n units if they fit under limit. seq is a sequence number
// unique in the shard. It returns the reservation, and the hold's ID.
func (q *quota) reserve(now time.Time, qt Quota, n int64, ttl time.Duration, seq uint64) Reservation {
	t := now.UnixNano()
	q.roll(now, qt.Period)
	q.expire(t)
	r := Reservation{Key: qt.Key, Limit: qt.Limit}
	if q.end != math.MaxInt64 {
		r.Reset = time.Duration(q.end - t)
	}
	switch {
	case n == 0:
		r.Granted = q.used+q.held <= qt.Limit
	case q.used+q.held+n <= qt.Limit && len(q.holds)-len(q.free) < slotMask:
		r.Granted, r.N = true, n
		r.ID = q.add(hold{n: n, deadline: t + int64(ttl), period: q.period, end: q.end}, seq)
	}
	r.Remaining = max(qt.Limit-q.used-q.held, 0)
	return r
}

// add records h in a free slot and returns its ID.
func (q *quota) add(h hold, seq uint64) uint64 {
	var i int32
	if k := len(q.free); k > 0 {
		i = q.free[k-1]
		q.free = q.free[:k-1]
	} else {
		i = int32(len(q.holds))
		q.holds = append(q.holds, hold{})
	}
	h.id = seq<<slotBits | uint64(i)
	q.holds[i] = h
	q.held += h.n
	q.live++
	q.soonest = min(q.soonest, h.deadline)
	return h.id
}

// settle removes the hold id and, if commit, counts it as used. It reports
// whether the hold existed, and whether used changed.
func (q *quota) settle(now int64, id uint64, commit bool) (found, changed bool) {
	i := int32(id & slotMask)
	if id == 0 || int(i) >= len(q.holds) || q.holds[i].id != id {
		return false, false
	}
	h := q.holds[i]
	if h.deadline <= now {
		q.drop(i)
		return false, false
	}
	q.drop(i)
	// A hold whose period has ended was admitted under that period's
	// allowance; its use does not count against the new one.
	if commit && h.period == q.period && now < h.end {
		q.used += h.n
		return true, true
	}
	return true, false
}

// drop frees slot i.
func (q *quota) drop(i int32) {
	h := &q.holds[i]
	if h.period == q.period {
		q.held -= h.n
	}
	*h = hold{}
	q.free = append(q.free, i)
	q.live--
	if q.live == 0 {
		// Start over so that a burst of holds does not keep its memory.
		q.holds, q.free = q.holds[:0], q.free[:0]
	}
}

// idle reports whether the quota holds nothing worth keeping at now: no
// live holds and no use in a period that is still current.
func (q *quota) idle(now int64) bool {
	return q.live == 0 && (q.used == 0 || now >= q.end)
}
