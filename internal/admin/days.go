package admin

import (
	"strconv"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// Days are local days of the configured zone (Config.Zone), the ones whose
// midnight resets the data plane's daily quotas, so that a day of usage or
// of a bill is the day a quota counted. The counter keeps usage by UTC
// hour; an hour belongs to the local day it starts in (in a zone whose
// offset is not whole hours, an hour may straddle midnight).

// dayLayout is the form of a date in a query and in a report.
const dayLayout = "2006-01-02"

// Bounds of a time in a query: the counter reckons in nanoseconds since
// 1970, which end in 2262.
var (
	minQueryTime = time.Unix(0, 0)
	maxQueryTime = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// dayStart returns the local midnight that starts the day of t.
func (s *server) dayStart(t time.Time) time.Time {
	y, m, d := t.In(s.zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, s.zone)
}

// day returns the local date of t, as YYYY-MM-DD.
func (s *server) day(t time.Time) string {
	return t.In(s.zone).Format(dayLayout)
}

// parseTime reads the query parameter field: an RFC 3339 time, or a
// YYYY-MM-DD date, which is the local midnight that starts the day, or
// with end set the one that ends it (so that to=2026-11-30 includes the
// 30th).
func (s *server) parseTime(field, v string, end bool) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		d, derr := time.ParseInLocation(dayLayout, v, s.zone)
		if derr != nil {
			return time.Time{}, &errcode.Error{Cond: errcode.ParamValueInvalid, Subject: field,
				Detail: strconv.Quote(v) + " is not an RFC 3339 time (2026-11-25T08:00:00Z) or a date (2026-11-25)"}
		}
		t = d
		if end {
			t = d.AddDate(0, 0, 1)
		}
	}
	if t.Before(minQueryTime) || t.After(maxQueryTime) {
		return time.Time{}, &errcode.Error{Cond: errcode.ParamValueInvalid, Subject: field,
			Detail: strconv.Quote(v) + " is not between 1970 and 2200"}
	}
	return t, nil
}
