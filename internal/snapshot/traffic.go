package snapshot

import (
	"errors"
	"fmt"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/limit"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// Traffic is a compiled traffic policy, bound to a group environment: at
// most API calls to each of its APIs from everyone together, User per
// account (pin) and Key per access key.
type Traffic struct {
	PolicyID string
	API      limit.Rate
	User     limit.Rate
	Key      limit.Rate
}

// Limits are the names of an API's rate counters, built once per snapshot
// so that the traffic stage never concatenates: the API's own counter,
// and the scopes under which a pin (Key{UserScope, pin}) and an access key
// (Key{KeyScope, accessKey}) are counted on this API. The names depend on
// the group, environment and API only, so a counter keeps counting across
// snapshots.
type Limits struct {
	API       limit.Key
	UserScope string
	KeyScope  string
}

// newLimits names the counters of API a of e.
func newLimits(e *Env, a *API) Limits {
	id := e.Group.ID + "/" + string(e.Environment) + "/" + a.Labels.API
	return Limits{
		API:       limit.Key{Scope: "api", ID: id},
		UserScope: "user " + id,
		KeyScope:  "key " + id,
	}
}

// compileTraffic compiles a policy into rates.
func compileTraffic(p *model.Policy) (*Traffic, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	per := p.Unit.Duration()
	return &Traffic{
		PolicyID: p.ID,
		API:      limit.Rate{Limit: p.APILimit, Per: per},
		User:     limit.Rate{Limit: p.UserLimit, Per: per},
		Key:      limit.Rate{Limit: p.KeyLimit, Per: per},
	}, nil
}

// addPolicies sets the Traffic of every group environment a policy is
// bound to. A binding of an environment the snapshot does not serve is
// skipped (its group may be gone); one naming an unknown policy is an
// error.
func (s *Snapshot) addPolicies(ps model.Policies) error {
	if len(ps.Bindings) == 0 {
		return nil
	}
	compiled := make(map[string]*Traffic, len(ps.Policies))
	var errs []error
	for i := range ps.Policies {
		p := &ps.Policies[i]
		t, err := compileTraffic(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("policy %s: %w", p.ID, err))
			continue
		}
		compiled[p.ID] = t
	}
	for _, b := range ps.Bindings {
		e := s.envs[envKey{lower(b.GroupID), b.Environment}]
		if e == nil {
			continue
		}
		t := compiled[b.PolicyID]
		if t == nil {
			errs = append(errs, fmt.Errorf("group %s %s: %w", b.GroupID, b.Environment,
				errcode.Newf(errcode.ResourceNotFound, "policy %s", b.PolicyID)))
			continue
		}
		e.Traffic = t
	}
	return errors.Join(errs...)
}
