package model

import (
	"errors"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

func TestPolicyValidate(t *testing.T) {
	ok := Policy{Name: "p1", Unit: UnitMinute, APILimit: 100, UserLimit: 10, KeyLimit: 100}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid policy: %v", err)
	}
	for _, tt := range []struct {
		mod   func(*Policy)
		cond  *errcode.Condition
		field string
	}{
		{func(p *Policy) { p.Unit = "week" }, errcode.ParamValueInvalid, "unit"},
		{func(p *Policy) { p.APILimit = 0 }, errcode.ParamValueInvalid, "apiLimit"},
		{func(p *Policy) { p.UserLimit = 0 }, errcode.ParamValueInvalid, "userLimit"},
		{func(p *Policy) { p.KeyLimit = -1 }, errcode.ParamValueInvalid, "keyLimit"},
		{func(p *Policy) { p.UserLimit = 101 }, errcode.ArgumentsInconsistent, "userLimit"},
		{func(p *Policy) { p.KeyLimit = 101 }, errcode.ArgumentsInconsistent, "keyLimit"},
		{func(p *Policy) { p.APILimit = MaxPolicyLimit + 1 }, errcode.ParamValueInvalid, "apiLimit"},
	} {
		p := ok
		tt.mod(&p)
		var e *errcode.Error
		if err := p.Validate(); !errors.As(err, &e) || e.Cond != tt.cond || e.Subject != tt.field {
			t.Errorf("%+v: got %v, want %s on %s", p, err, tt.cond.Name, tt.field)
		}
	}
	for _, u := range []Unit{UnitSecond, UnitMinute, UnitHour, UnitDay} {
		if u.Duration() == 0 {
			t.Errorf("%s: no duration", u)
		}
	}
}
