package rediscounter

import (
	"sync"
	"time"

	"github.com/tollgate-gw/tollgate/internal/limit"
)

// days are three consecutive local days of a daily period, as reserve.lua
// takes them: Lua has no zone database, so the node works out the
// midnights around its own clock and the script picks the day Redis TIME
// falls in. They are the day of the node's clock and one on either side:
// far more than any clock skew.
type days struct {
	zone  *time.Location
	start int64    // the first day's first instant, unix nanoseconds
	id    [3]int64 // each day's number (limit.Period.Bounds)
	end   [3]int64 // each day's end, unix nanoseconds
}

// daysCache keeps the days last worked out per zone: they change once a
// day, and working them out takes four calls of limit.Period.Bounds.
type daysCache struct {
	mu sync.Mutex
	m  map[*time.Location]days
}

// around returns the days of p around t.
func (c *daysCache) around(p limit.Period, t time.Time) days {
	zone := p.Zone()
	now := t.UnixNano()
	c.mu.Lock()
	d, ok := c.m[zone]
	c.mu.Unlock()
	// Reuse while t is in the middle day: the window then still covers
	// a day on either side of it.
	if ok && now >= d.end[0] && now < d.end[1] {
		return d
	}
	// Walk day by day from 50 hours back, two days at least, to the day
	// t is in; then one more.
	id, end := p.Bounds(t.Add(-50 * time.Hour))
	ids, ends := []int64{id}, []int64{end}
	for end <= now {
		id, end = p.Bounds(time.Unix(0, end))
		ids, ends = append(ids, id), append(ends, end)
	}
	id, end = p.Bounds(time.Unix(0, end))
	ids, ends = append(ids, id), append(ends, end)
	k := len(ids) - 2 // the day t is in
	d = days{zone: zone, start: ends[k-2]}
	copy(d.id[:], ids[k-1:])
	copy(d.end[:], ends[k-1:])
	c.mu.Lock()
	if c.m == nil {
		c.m = map[*time.Location]days{}
	}
	c.m[zone] = d
	c.mu.Unlock()
	return d
}
