package admin

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/tollgate-gw/tollgate/internal/egress"
	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// maskedHeaderValue stands for every value of an http backend's headers
// in answers: they are the credentials the gateway sends upstream, sealed
// at rest, and never shown again once saved. Its length says nothing of
// the value's.
const maskedHeaderValue = "********"

// savedBy returns who the caller saves a backend as: the operator (the
// admin token) or a tenant (a signed call of an account or its user).
func savedBy(ctx context.Context) (string, egress.Origin) {
	if callerOf(ctx).operator {
		return model.SavedByOperator, egress.Operator
	}
	return model.SavedByTenant, egress.Tenant
}

// checkEgress refuses a backend whose URLs the egress policy refuses to
// origin, naming the URL and the rule, and a header value that is the
// mask of an answer sent back as if it were the value.
func (s *server) checkEgress(b *model.Backend, origin egress.Origin) error {
	if b.Type != model.BackendHTTP {
		return nil
	}
	for i, raw := range b.URLs {
		err := s.egress.CheckURL(origin, raw)
		var r *egress.Refusal
		if errors.As(err, &r) {
			return &errcode.Error{Cond: errcode.ParamValueInvalid, Subject: "urls[" + strconv.Itoa(i) + "]",
				Detail: fmt.Sprintf("%q is refused by the egress policy, rule %s: %s", raw, r.Rule, r.Explanation())}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(b.Headers)) {
		if b.Headers[name] == maskedHeaderValue {
			return &errcode.Error{Cond: errcode.ParamValueInvalid, Subject: "headers." + name,
				Detail: "the value is the mask answers show in place of the saved one; send the real value"}
		}
	}
	return nil
}

// masked returns b as answers show it: the values of an http backend's
// headers masked. A mock's headers are shown: it answers them to every
// caller.
func masked(b model.Backend) model.Backend {
	if b.Type != model.BackendHTTP || len(b.Headers) == 0 {
		return b
	}
	h := make(map[string]string, len(b.Headers))
	for name := range b.Headers {
		h[name] = maskedHeaderValue
	}
	b.Headers = h
	return b
}
