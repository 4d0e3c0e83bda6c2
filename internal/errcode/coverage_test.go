package errcode

import (
	"testing"
)

// dialectOf is the dialect whose groups' backends raise codes of family f.
func dialectOf(f Family) Dialect {
	switch f {
	case FamilyMarket, FamilyMarketBusiness:
		return DialectMarket
	case FamilyZenith:
		return DialectZenith
	case FamilyTencent:
		return DialectTencent
	}
	return DialectJDCloud
}

// TestCatalogueCoverage fails when a catalogue entry is reached by no
// condition, belongs to no service range and has no documented reason in
// UnreachedEntries; or when a reason is stale (a condition answers with the
// entry, or a service raises it); or when a service range names a code a
// backend could not raise.
func TestCatalogueCoverage(t *testing.T) {
	reached := map[*Entry]string{}
	for _, c := range Conditions() {
		reached[c.canonical] = c.Name
		for _, e := range c.dialect {
			reached[e] = c.Name
		}
	}
	reasons := map[string]string{}
	for _, u := range UnreachedEntries {
		k := string(u.Family) + "/" + u.Code
		if _, dup := reasons[k]; dup {
			t.Errorf("%s: two reasons", k)
		}
		if u.Reason == "" {
			t.Errorf("%s: an empty reason", k)
		}
		reasons[k] = u.Reason
	}
	seen := map[string]bool{}
	byService := 0
	for i := range catalogue {
		e := &catalogue[i]
		k := string(e.Family) + "/" + e.Code
		seen[k] = true
		cond, byCond := reached[e]
		_, byRange := ServiceRangeOf(*e)
		_, byReason := reasons[k]
		switch {
		case byReason && byCond:
			t.Errorf("%s: the condition %s answers with it; drop its reason from UnreachedEntries", k, cond)
		case byReason && byRange:
			t.Errorf("%s: a service range holds it; drop its reason from UnreachedEntries", k)
		case !byCond && !byRange && !byReason:
			t.Errorf("%s (%s): no condition answers with it, no service raises it, and UnreachedEntries gives no reason", k, e.Message.EN)
		}
		if byRange {
			byService++
			if got, ok := LookupRaisable(dialectOf(e.Family), e.Code); !ok || got.Family != e.Family {
				t.Errorf("%s: in a service range, but a backend of a %s group cannot raise it", k, dialectOf(e.Family))
			}
		}
	}
	for k := range reasons {
		if !seen[k] {
			t.Errorf("%s: a reason for a code the catalogue does not have", k)
		}
	}
	for _, r := range ServiceRanges {
		if _, ok := Lookup(r.Family, r.From); !ok {
			t.Errorf("service range %s %s–%s: no catalogue entry %s", r.Family, r.From, r.To, r.From)
		}
		if _, ok := Lookup(r.Family, r.To); !ok {
			t.Errorf("service range %s %s–%s: no catalogue entry %s", r.Family, r.From, r.To, r.To)
		}
	}
	if len(catalogue) != 191 {
		t.Errorf("the catalogue has %d entries, want the seeds' 191", len(catalogue))
	}
	t.Logf("%d entries: %d reached by a condition, %d raised by services, %d unreached with a reason", len(catalogue), len(reached), byService, len(reasons))
}
