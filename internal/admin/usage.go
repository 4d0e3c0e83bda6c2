package admin

import (
	"cmp"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/limit"
	"github.com/tollgate-gw/tollgate/internal/store"
)

// Usage reports: the data plane counts every admitted call per access
// key, pin, group, API, environment and hour (limit.Counter.Add);
// GET /v1/usage sums those counts per hour or per local day (days.go).
//
// An account sees the rows where it is the caller (its pin) and the rows
// of the groups it owns, whoever called; a user the same, within the
// groups of its role; the operator every row.

// Granularities of a usage report.
const (
	byHour = "hour"
	byDay  = "day"
)

// usageRow is one line of a usage report: the counts of one key, pin,
// group, API and environment in the hour or the day that starts at Start.
type usageRow struct {
	Start       time.Time `json:"start"`
	AccessKey   string    `json:"accessKey"`
	Pin         string    `json:"pin"`
	GroupID     string    `json:"groupId"`
	APIID       string    `json:"apiId"`
	Environment string    `json:"environment"`
	// Calls are the admitted calls; OK those the backend answered with
	// success; Charged the money, in minor units, their pay-per-call
	// prices drew; Business those the backend answered with a business
	// error (X-Tollgate-Error), never charged.
	Calls    int64 `json:"calls"`
	OK       int64 `json:"ok"`
	Charged  int64 `json:"charged"`
	Business int64 `json:"business"`
}

// usageReport is the body of GET /v1/usage.
type usageReport struct {
	From        time.Time  `json:"from"`
	To          time.Time  `json:"to"`
	Granularity string     `json:"granularity"`
	Zone        string     `json:"zone"`
	TotalCount  int        `json:"totalCount"`
	Usage       []usageRow `json:"usage"`
}

// usageQuery is what GET /v1/usage asks.
type usageQuery struct {
	pin, group string
	from, to   time.Time
	byDay      bool
}

// usageQuery reads the query: from and to (RFC 3339 or a local date; by
// default the 24 whole hours that end with the current one, or the 24
// hours before to), granularity (hour, the default, or day), pin and
// groupId.
func (s *server) usageQuery(r *http.Request) (usageQuery, error) {
	q := r.URL.Query()
	u := usageQuery{pin: q.Get("pin"), group: q.Get("groupId")}
	switch g := q.Get("granularity"); g {
	case "", byHour:
	case byDay:
		u.byDay = true
	default:
		return u, &errcode.Error{Cond: errcode.ParamValueInvalid, Subject: "granularity",
			Detail: strconv.Quote(g) + " is not hour or day"}
	}
	var err error
	u.to = s.clock.Now().Truncate(time.Hour).Add(time.Hour)
	if v := q.Get("to"); v != "" {
		if u.to, err = s.parseTime("to", v, true); err != nil {
			return u, err
		}
	}
	u.from = u.to.Add(-24 * time.Hour)
	if v := q.Get("from"); v != "" {
		if u.from, err = s.parseTime("from", v, false); err != nil {
			return u, err
		}
	}
	if !u.from.Before(u.to) {
		return u, &errcode.Error{Cond: errcode.ArgumentsInconsistent, Subject: "to",
			Detail: u.to.Format(time.RFC3339) + " is not after from " + u.from.Format(time.RFC3339)}
	}
	return u, nil
}

func (s *server) usage(w http.ResponseWriter, r *http.Request) error {
	u, err := s.usageQuery(r)
	if err != nil {
		return err
	}
	rows, err := s.counter.Usage(r.Context(), u.pin, u.from, u.to)
	if err != nil {
		return counterFailed(err)
	}
	visible, err := s.usageVisible(r)
	if err != nil {
		return err
	}
	type key struct {
		start time.Time
		limit.UsageKey
	}
	sums := map[key]*usageRow{}
	for _, row := range rows {
		if u.group != "" && row.Group != u.group || !visible(row.UsageKey) {
			continue
		}
		k := key{row.Hour, row.UsageKey}
		if u.byDay {
			k.start = s.dayStart(row.Hour)
		}
		sum := sums[k]
		if sum == nil {
			sum = &usageRow{Start: k.start.In(s.zone), AccessKey: row.AccessKey, Pin: row.Pin,
				GroupID: row.Group, APIID: row.API, Environment: row.Env}
			sums[k] = sum
		}
		sum.Calls += row.Calls
		sum.OK += row.OK
		sum.Charged += row.Charged
		sum.Business += row.Business
	}
	out := make([]usageRow, 0, len(sums))
	for _, sum := range sums {
		out = append(out, *sum)
	}
	slices.SortFunc(out, func(a, b usageRow) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.Pin, b.Pin), cmp.Compare(a.AccessKey, b.AccessKey),
			cmp.Compare(a.GroupID, b.GroupID), cmp.Compare(a.APIID, b.APIID), cmp.Compare(a.Environment, b.Environment))
	})
	g := byHour
	if u.byDay {
		g = byDay
	}
	return writeJSON(w, http.StatusOK, usageReport{From: u.from.In(s.zone), To: u.to.In(s.zone), Granularity: g,
		Zone: s.zone.String(), TotalCount: len(out), Usage: out})
}

// usageVisible returns whether the caller may see a row of usage: the
// operator every row; an account the rows of its own calls and of the
// groups it owns; a user the same, within the groups of its role.
func (s *server) usageVisible(r *http.Request) (func(limit.UsageKey) bool, error) {
	c := callerOf(r.Context())
	if c.operator {
		return func(limit.UsageKey) bool { return true }, nil
	}
	groups, _, err := s.store.ListOwnedGroups(r.Context(), c.pin(), nil, store.Page{Number: 1, Size: math.MaxInt32})
	if err != nil {
		return nil, err
	}
	owned := make(map[string]bool, len(groups))
	for _, g := range groups {
		owned[g.ID] = c.allGroups() || c.role != nil && c.role.AllowsGroup(g.ID)
	}
	return func(k limit.UsageKey) bool { return k.Pin == c.pin() || owned[k.Group] }, nil
}
