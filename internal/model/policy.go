package model

import (
	"time"
)

// Unit is the span a traffic policy's limits are counted over.
type Unit string

// Units of a traffic policy.
const (
	UnitSecond Unit = "second"
	UnitMinute Unit = "minute"
	UnitHour   Unit = "hour"
	UnitDay    Unit = "day"
)

// Valid reports whether u is a known unit.
func (u Unit) Valid() bool {
	return u == UnitSecond || u == UnitMinute || u == UnitHour || u == UnitDay
}

// Duration returns the span of u; zero for an unknown unit.
func (u Unit) Duration() time.Duration {
	switch u {
	case UnitSecond:
		return time.Second
	case UnitMinute:
		return time.Minute
	case UnitHour:
		return time.Hour
	case UnitDay:
		return 24 * time.Hour
	}
	return 0
}

// MaxPolicyLimit is the largest limit a policy may set (what a rate
// window counts: limit.Rate's bound).
const MaxPolicyLimit = 1<<32 - 1

// Policy is a traffic policy: at most APILimit calls per Unit to each API
// of a bound group environment from every caller together, UserLimit per
// account (pin) and KeyLimit per access key.
type Policy struct {
	ID string `json:"policyId"`
	// Owner is the pin of the account that created the policy; "" for
	// the admin token.
	Owner     string    `json:"owner,omitempty"`
	Name      string    `json:"name"`
	Unit      Unit      `json:"unit"`
	APILimit  int64     `json:"apiLimit"`
	UserLimit int64     `json:"userLimit"`
	KeyLimit  int64     `json:"keyLimit"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Validate checks a policy: a name (see ValidateName), a known unit, every
// limit from 1 to MaxPolicyLimit, and neither the user limit nor the key
// limit above the API limit (errcode.ArgumentsInconsistent).
func (p *Policy) Validate() error {
	if err := ValidateName("name", p.Name); err != nil {
		return err
	}
	switch {
	case p.Unit == "":
		return missing("unit")
	case !p.Unit.Valid():
		return invalid("unit", "%q: one of second, minute, hour, day", p.Unit)
	}
	for _, f := range []struct {
		name string
		v    int64
	}{{"apiLimit", p.APILimit}, {"userLimit", p.UserLimit}, {"keyLimit", p.KeyLimit}} {
		if f.v < 1 || f.v > MaxPolicyLimit {
			return invalid(f.name, "%d: from 1 to %d", f.v, int64(MaxPolicyLimit))
		}
	}
	if p.UserLimit > p.APILimit {
		return inconsistent("userLimit", "%d is above the apiLimit %d", p.UserLimit, p.APILimit)
	}
	if p.KeyLimit > p.APILimit {
		return inconsistent("keyLimit", "%d is above the apiLimit %d", p.KeyLimit, p.APILimit)
	}
	return nil
}

// PolicyBinding binds a policy to one environment of one group.
type PolicyBinding struct {
	PolicyID    string      `json:"policyId"`
	GroupID     string      `json:"groupId"`
	Environment Environment `json:"environment"`
	CreatedAt   time.Time   `json:"createdAt"`
}

// Validate checks that a binding names a group and a known environment.
func (b *PolicyBinding) Validate() error {
	switch {
	case b.GroupID == "":
		return missing("groupId")
	case b.Environment == "":
		return missing("environment")
	case !b.Environment.Valid():
		return invalid("environment", "%q: one of test, preview, online", b.Environment)
	}
	return nil
}

// Policies is what the data plane needs of traffic policies: every policy
// and every binding.
type Policies struct {
	Policies []Policy
	Bindings []PolicyBinding
}

// PolicyActions are the admin actions on traffic policies. They are part
// of Actions (added at init, so that this file holds everything about
// policies).
var PolicyActions = []string{"policies.create", "policies.read", "policies.update", "policies.delete", "policies.bind", "policies.unbind"}

func init() { Actions = append(Actions, PolicyActions...) }
