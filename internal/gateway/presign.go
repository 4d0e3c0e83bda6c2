package gateway

import (
	"time"

	"github.com/tollgate-gw/tollgate/internal/auth"
	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// presignedFresh judges the time of a presigned URL (auth.Result.Presigned).
// Such a URL is meant to be used for a while after it was made, and it
// carries no nonce, so the window does not bound its age; instead:
//
//   - it is expired once its own expiry (X-Amz-Date + X-Amz-Expires, at
//     most seven days, checked by the scheme) has passed;
//   - it is refused when signed more than the window w ahead of the
//     gateway's clock, as a header-signed request would be, so that a
//     URL cannot be made to start working later than the skew allows.
//
// Inside that period it may be used any number of times, like S3's.
func presignedFresh(now time.Time, res *auth.Result, w time.Duration) error {
	if d := res.SignedAt.Sub(now); d > w {
		return errcode.Newf(errcode.AuthExpired, "the presigned URL is dated %s ahead of the gateway's time, more than the %s allowed", d.Round(time.Second), w)
	}
	if now.After(res.Expires) {
		return errcode.Newf(errcode.AuthExpired, "the presigned URL expired %s ago", now.Sub(res.Expires).Round(time.Second))
	}
	return nil
}

// presignParams are a presigned URL's credential parameters, removed from
// the query before the call goes upstream.
var presignParams = auth.PresignParams
