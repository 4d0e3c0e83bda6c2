package gateway

import (
	"net/http"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/auth"
	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/snapshot"
)

// authenticate proves who signed the request, with the scheme among the
// group's that the request's credentials are in. A request with no
// credentials of any accepted scheme is verified by the group's first
// scheme, so that it is told what that scheme misses (a market group:
// sign; a JD group: the Authorization header). The time, the nonce and
// the key's state are judged by the stages that follow; a group of auth
// type none skips them all.
func (g *Gateway) authenticate(c *Call) error {
	a := &c.Env.Auth
	if a.None() {
		return nil
	}
	s, ok := auth.Detect(c.R, a.Schemes)
	if !ok {
		s = a.First
	}
	var body []byte
	if signsBody(s, c.R) {
		var err error
		if body, err = g.readBody(c); err != nil {
			return err
		}
	}
	c.Now = g.cfg.Clock()
	c.keys = c.Snapshot.Keys(a.AppKey(), c.Now)
	res, err := s.Verify(c.R, body, &c.keys)
	if err != nil {
		return err
	}
	if err := checkScope(a, &res); err != nil {
		return err
	}
	c.Auth = res
	c.Caller, _ = c.Snapshot.Caller(res.AccessKey)
	return nil
}

// signsBody reports whether scheme s covers r's body, which must then be
// read before verifying: the SigV4 family always (but for AWS4's
// UNSIGNED-PAYLOAD), Tencent v1 when its parameters are a form body,
// Zenith when a Content-MD5 is sent. The market app key signs no part of
// the request.
func signsBody(s auth.Scheme, r *http.Request) bool {
	switch s.Name() {
	case model.SchemeAppKey:
		return false
	case model.SchemeZenith:
		_, ok := r.Header["Content-Md5"]
		return ok
	case model.SchemeTencentV1:
		ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
		return r.Method == http.MethodPost && strings.EqualFold(strings.TrimSpace(ct), "application/x-www-form-urlencoded")
	case model.SchemeAWS4:
		return r.Header.Get("X-Amz-Content-Sha256") != "UNSIGNED-PAYLOAD"
	}
	return true
}

// sigV4Family reports whether a scheme has a credential scope (region and
// service) that a group can pin.
func sigV4Family(name string) bool {
	switch name {
	case model.SchemeJDCloud2, model.SchemeJDCloud3, model.SchemeAWS4, model.SchemeTC3:
		return true
	}
	return false
}

// checkScope enforces the group's pinned region and service on the
// SigV4-family schemes, whose scope the client chooses and signs. The
// pins are the publisher's, not secrets, so the refusal names them.
func checkScope(a *snapshot.Auth, res *auth.Result) error {
	if !sigV4Family(res.Scheme) {
		return nil
	}
	if a.Region != "" && res.Region != a.Region {
		return errcode.Newf(errcode.AuthMalformedHeader, "the credential scope's region must be %s", a.Region)
	}
	if a.Service != "" && res.Service != a.Service {
		return errcode.Newf(errcode.AuthMalformedHeader, "the credential scope's service must be %s", a.Service)
	}
	return nil
}
