package limit

import (
	"math"
	"time"
)

// Period is the span over which a quota's use accumulates before it starts
// afresh. The zero Period is Total.
type Period struct {
	zone *time.Location
}

// Total is the period that never ends: a call package, or a balance.
var Total = Period{}

// Daily returns the period of one calendar day in zone: the quota starts
// afresh at every local midnight, so a day lasts 23 or 25 hours when the
// zone changes its clocks. A nil zone is UTC.
func Daily(zone *time.Location) Period {
	if zone == nil {
		zone = time.UTC
	}
	return Period{zone: zone}
}

// Zone returns the zone of a daily period, or nil for Total.
func (p Period) Zone() *time.Location { return p.zone }

// String returns "total" or "daily/" followed by the zone's name.
func (p Period) String() string {
	if p.zone == nil {
		return "total"
	}
	return "daily/" + p.zone.String()
}

// Bounds returns the number of the period that t falls in and the instant
// (unix nanoseconds) at which it ends, math.MaxInt64 for Total. Days are
// numbered by their local date, as days since 1970-01-01. Engines other
// than Memory use it so that every one starts a day at the same instant.
func (p Period) Bounds(t time.Time) (id, end int64) { return p.bounds(t) }

// bounds returns the number of the period that t falls in and the instant
// (unix nanoseconds) at which it ends. A day is numbered by its local date,
// as days since 1970-01-01; Total is period 0 and never ends.
func (p Period) bounds(t time.Time) (id, end int64) {
	if p.zone == nil {
		return 0, math.MaxInt64
	}
	y, m, d := t.In(p.zone).Date()
	id = dayNumber(y, m, d)
	next := time.Date(y, m, d+1, 0, 0, 0, 0, p.zone)
	if !p.startsDay(next, id+1) {
		next = p.firstInstantAfter(t, id)
	}
	return id, next.UnixNano()
}

// startsDay reports whether t is the first instant of local day number id.
// It is not when midnight does not exist in the zone that day (a clock
// change at 00:00), where time.Date may pick an instant on either side of
// the gap.
func (p Period) startsDay(t time.Time, id int64) bool {
	y, m, d := t.In(p.zone).Date()
	y0, m0, d0 := t.Add(-time.Nanosecond).In(p.zone).Date()
	return dayNumber(y, m, d) == id && dayNumber(y0, m0, d0) < id
}

// firstInstantAfter finds, by bisection, the first instant after t whose
// local day is later than id. Used only on the rare days when midnight is
// not a plain local 00:00, once per quota and day.
func (p Period) firstInstantAfter(t time.Time, id int64) time.Time {
	lo, hi := t, t.Add(50*time.Hour) // lo is on day id, hi after it
	for hi.Sub(lo) > time.Nanosecond {
		mid := lo.Add(hi.Sub(lo) / 2)
		y, m, d := mid.In(p.zone).Date()
		if dayNumber(y, m, d) > id {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// dayNumber returns the number of days from 1970-01-01 to the date.
func dayNumber(y int, m time.Month, d int) int64 {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}
