package limit

import (
	"fmt"
	"math"
	"time"
)

// slots is how many sub-windows a rate's period is cut into. A call may be
// refused up to Per/slots later than a perfect sliding log would admit it
// (1.6%), and a key's state is a fixed (slots+1)*4 bytes whatever its rate.
const slots = 64

// WindowSlots is the number of sub-windows a rate's period is cut into,
// for engines other than Memory: each must cut windows alike, into slots
// of width ceil(Per/WindowSlots) counted from the Unix epoch, to make the
// same decisions.
const WindowSlots = slots

// window is one key's sliding-window rate limit.
//
// Time is cut into slots of width w = ceil(Per/slots). Each admitted call
// is counted in the slot it arrived in, and a call is admitted only if the
// calls counted in the current slot and the slots before it, slots+1 in
// all, leave room for it. Any half-open span of length Per lies within
// slots+1 consecutive slots, because slots*w >= Per; so when the last call
// of any such span was admitted, every earlier call of the span was
// counted, and no span of length Per ever holds more than Limit calls.
// That is exact where it matters: no burst at a boundary, no 2x. The price
// is that a counted call stops counting between Per and Per+w after it
// arrived, instead of exactly Per.
//
// GCRA (a token bucket) was not chosen: with a burst of Limit it admits
// Limit calls at once and then one every Per/Limit, so 2*Limit-1 calls in
// a span of Per; without a burst it admits one call every Per/Limit, which
// no caller of "1000 calls per day" expects. A sliding log is exact but
// stores Limit timestamps per key.
type window struct {
	per   int64 // the rate's Per in nanoseconds; a change starts afresh
	width int64 // slot width in nanoseconds
	last  int64 // index of the newest slot counted
	first int64 // no slot before this one counts anything
	total int64 // the sum of count
	count [slots + 1]uint32
}

// Check returns ErrInvalid, wrapped, when n calls of r can never be
// counted: what Allow refuses before counting anything.
func (r Rate) Check(n int64) error { return r.check(n) }

// check reports whether r and n can ever be counted.
func (r Rate) check(n int64) error {
	switch {
	case r.Per <= 0:
		return fmt.Errorf("%w: rate period %v", ErrInvalid, r.Per)
	case r.Limit <= 0 || r.Limit > math.MaxUint32:
		return fmt.Errorf("%w: rate limit %d", ErrInvalid, r.Limit)
	case n <= 0 || n > r.Limit:
		return fmt.Errorf("%w: %d calls against a limit of %d", ErrInvalid, n, r.Limit)
	}
	return nil
}

// allow counts n calls at now (unix nanoseconds) if they fit in r.
// r and n must have passed check.
func (w *window) allow(now int64, r Rate, n int64) Decision {
	if w.per != int64(r.Per) {
		*w = window{per: int64(r.Per), width: (int64(r.Per) + slots - 1) / slots}
		w.last = now / w.width
	}
	s := now / w.width
	if s < w.last {
		// The clock went backwards: count in the newest slot rather
		// than in one that was already cleared.
		s = w.last
	}
	w.advance(s)
	d := Decision{Limit: r.Limit}
	if w.total+n <= r.Limit {
		if w.total == 0 {
			w.first = s
		}
		w.count[s%(slots+1)] += uint32(n)
		w.total += n
		d.Allowed = true
	} else {
		d.RetryAfter = w.freeIn(now, w.total+n-r.Limit)
	}
	d.Remaining = max(r.Limit-w.total, 0)
	d.Reset = w.freeIn(now, 1)
	return d
}

// advance makes s the newest slot, clearing the slots that left the window.
func (w *window) advance(s int64) {
	if s <= w.last {
		return
	}
	if s-w.last > slots {
		w.count = [slots + 1]uint32{}
		w.total = 0
	} else {
		for i := w.last + 1; i <= s; i++ {
			j := i % (slots + 1)
			w.total -= int64(w.count[j])
			w.count[j] = 0
		}
	}
	w.last = s
}

// freeIn returns the time from now until at least need counted calls have
// left the window: slot j leaves it when slot j+slots+1 begins.
func (w *window) freeIn(now, need int64) time.Duration {
	if need <= 0 || w.total == 0 {
		return 0
	}
	var freed int64
	for j := max(w.last-slots, w.first, 0); j <= w.last; j++ {
		c := int64(w.count[j%(slots+1)])
		if freed == 0 && c == 0 {
			// Slots only empty from the oldest end, so the search for
			// the oldest counted slot can start here next time.
			w.first = j + 1
			continue
		}
		freed += c
		if freed >= need {
			return time.Duration(max((j+slots+1)*w.width-now, 0))
		}
	}
	return time.Duration(w.per + w.width)
}

// idle reports whether nothing is counted at now any more, so that the
// window can be forgotten.
func (w *window) idle(now int64) bool {
	return now/w.width-w.last > slots || w.total == 0
}
