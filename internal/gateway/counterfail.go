package gateway

import (
	"errors"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/limit"
)

// counterFailed is the answer to a call whose counts could not be made:
// Busy (503, which a client may retry) when the counters' server cannot be
// reached (limit.ErrUnavailable: Redis is down, and tollgate_counters_up
// says so), Internal when the gateway itself failed (a journal that cannot
// be written).
func counterFailed(err error) error {
	if errors.Is(err, limit.ErrUnavailable) {
		return errcode.Wrap(errcode.Busy, err)
	}
	return errcode.Wrap(errcode.Internal, err)
}
