package admin

import (
	"errors"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/limit"
)

// counterFailed is the answer to a call whose counters failed with err:
// Unavailable (503, try again) when their server cannot be reached
// (limit.ErrUnavailable: Redis is down), as a database that cannot be
// reached is; OperationFailed otherwise.
func counterFailed(err error) error {
	if errors.Is(err, limit.ErrUnavailable) {
		return errcode.Wrap(errcode.Unavailable, err)
	}
	return errcode.Wrap(errcode.OperationFailed, err)
}
