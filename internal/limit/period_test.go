package limit

import (
	"math"
	"testing"
	"time"
	_ "time/tzdata" // the tests must not depend on the host's zoneinfo
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestPeriodBounds(t *testing.T) {
	shanghai := mustZone(t, "Asia/Shanghai")
	newYork := mustZone(t, "America/New_York")
	saoPaulo := mustZone(t, "America/Sao_Paulo")
	cases := []struct {
		name    string
		zone    *time.Location
		at      time.Time
		wantEnd time.Time // the next local midnight
		wantDay time.Duration
	}{
		{
			name:    "Shanghai midnight is 16:00 UTC",
			zone:    shanghai,
			at:      time.Date(2025, 6, 10, 15, 59, 59, 0, time.UTC),
			wantEnd: time.Date(2025, 6, 10, 16, 0, 0, 0, time.UTC),
			wantDay: 24 * time.Hour,
		},
		{
			name:    "Shanghai after midnight",
			zone:    shanghai,
			at:      time.Date(2025, 6, 10, 16, 0, 0, 0, time.UTC),
			wantEnd: time.Date(2025, 6, 11, 16, 0, 0, 0, time.UTC),
			wantDay: 24 * time.Hour,
		},
		{
			name:    "New York spring forward: a 23-hour day",
			zone:    newYork,
			at:      time.Date(2025, 3, 9, 12, 0, 0, 0, newYork),
			wantEnd: time.Date(2025, 3, 10, 0, 0, 0, 0, newYork),
			wantDay: 23 * time.Hour,
		},
		{
			name:    "New York fall back: a 25-hour day",
			zone:    newYork,
			at:      time.Date(2025, 11, 2, 12, 0, 0, 0, newYork),
			wantEnd: time.Date(2025, 11, 3, 0, 0, 0, 0, newYork),
			wantDay: 25 * time.Hour,
		},
		{
			// On 2018-11-04 Brazil moved its clocks from 00:00 to 01:00:
			// midnight did not exist and the day began at 01:00 (-02).
			name:    "Sao Paulo midnight in a DST gap",
			zone:    saoPaulo,
			at:      time.Date(2018, 11, 3, 12, 0, 0, 0, saoPaulo),
			wantEnd: time.Date(2018, 11, 4, 3, 0, 0, 0, time.UTC),
			wantDay: 24 * time.Hour,
		},
		{
			name:    "Sao Paulo the day after the gap",
			zone:    saoPaulo,
			at:      time.Date(2018, 11, 4, 12, 0, 0, 0, saoPaulo),
			wantEnd: time.Date(2018, 11, 5, 0, 0, 0, 0, saoPaulo),
			wantDay: 23 * time.Hour,
		},
		{
			// On 2019-02-17 the clocks went back from 00:00 to 23:00:
			// Saturday lasted 25 hours.
			name:    "Sao Paulo fall back at midnight",
			zone:    saoPaulo,
			at:      time.Date(2019, 2, 16, 12, 0, 0, 0, saoPaulo),
			wantEnd: time.Date(2019, 2, 17, 3, 0, 0, 0, time.UTC),
			wantDay: 25 * time.Hour,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := Daily(c.zone)
			id, end := p.bounds(c.at)
			if got := time.Unix(0, end); !got.Equal(c.wantEnd) {
				t.Errorf("end %v, want %v", got.In(c.zone), c.wantEnd.In(c.zone))
			}
			id2, end2 := p.bounds(time.Unix(0, end))
			if id2 != id+1 {
				t.Errorf("the next period is %d, want %d", id2, id+1)
			}
			if got := time.Duration(end2 - end); got != nextDay(c.zone, time.Unix(0, end)) {
				t.Errorf("next day lasts %v", got)
			}
			idBefore, _ := p.bounds(time.Unix(0, end-1))
			if idBefore != id {
				t.Errorf("a nanosecond before the end is period %d, want %d", idBefore, id)
			}
			start := firstInstant(p, c.at)
			if got := time.Duration(end) - time.Duration(start.UnixNano()); got != c.wantDay {
				t.Errorf("the day lasts %v, want %v", got, c.wantDay)
			}
		})
	}
}

// nextDay returns how long the local day starting at t lasts, by bisection,
// independently of bounds' fast path.
func nextDay(zone *time.Location, t time.Time) time.Duration {
	p := Daily(zone)
	y, m, d := t.In(zone).Date()
	return p.firstInstantAfter(t, dayNumber(y, m, d)).Sub(t)
}

// firstInstant returns the first instant of the local day of t.
func firstInstant(p Period, t time.Time) time.Time {
	y, m, d := t.In(p.zone).Date()
	return p.firstInstantAfter(t.Add(-50*time.Hour), dayNumber(y, m, d)-1)
}

func TestPeriodTotal(t *testing.T) {
	id, end := Total.bounds(time.Now())
	if id != 0 || end != math.MaxInt64 {
		t.Errorf("Total: id %d end %d", id, end)
	}
	if Total.String() != "total" || Daily(nil).String() != "daily/UTC" {
		t.Errorf("names: %s %s", Total, Daily(nil))
	}
}
