package admin

import (
	"net/http"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/secret"
)

// MFAHeader carries the TOTP code of an MFA-protected call.
const MFAHeader = "x-jdcloud-security-token"

// mfaIssuer names Tollgate in authenticator apps.
const mfaIssuer = "Tollgate"

// checkMFA asks an account, or its user, for a TOTP code when the account
// protects the call's action with MFA. Changing or removing MFA itself
// always needs a code once MFA is on, or a stolen key could switch it off.
// The operator is never asked: the admin token is the way back in for an
// account that lost its authenticator.
func (s *server) checkMFA(r *http.Request, rt route, c *caller) error {
	a := &c.account
	if c.operator || !a.MFAEnabled || rt.action == "" {
		return nil
	}
	if rt.action != "mfa.update" && rt.action != "mfa.delete" && !model.ActionMatches(a.MFAActions, rt.action) {
		return nil
	}
	code := r.Header.Get(MFAHeader)
	if code == "" {
		return errcode.Newf(errcode.MFAFailed, "%s needs a TOTP code in %s", rt.action, MFAHeader)
	}
	throttleKey := "mfa:" + a.Pin
	if s.mfaFailures.blocked(throttleKey) {
		return errcode.Newf(errcode.MFAFailed, "too many wrong codes; wait %s", throttleWindow)
	}
	key, err := s.store.MFASecret(r.Context(), a.Pin)
	if err != nil {
		return err
	}
	step, ok := secret.VerifyTOTP(key, code, s.clock.Now())
	if !ok {
		s.mfaFailures.fail(throttleKey)
		return errcode.Newf(errcode.MFAFailed, "the code in %s is wrong or expired", MFAHeader)
	}
	if !s.totpUsed.use(a.Pin, step) {
		return errcode.Newf(errcode.MFAFailed, "the code was already used; wait for the next one")
	}
	return nil
}

// mfaRequest is the body of PUT /v1/accounts/{pin}/mfa.
type mfaRequest struct {
	Actions []string `json:"actions"`
}

// mfaAnswer shows a new TOTP secret, once.
type mfaAnswer struct {
	Pin        string   `json:"pin"`
	Actions    []string `json:"actions"`
	Secret     string   `json:"secret"`
	OTPAuthURL string   `json:"otpauthUrl"`
}

func (s *server) putMFA(w http.ResponseWriter, r *http.Request) error {
	var req mfaRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if req.Actions == nil {
		return errcode.New(errcode.ArgumentNotFound, "actions")
	}
	pin := r.PathValue("pin")
	key, text := secret.NewTOTPSecret()
	a, err := s.store.SetMFA(r.Context(), pin, key, req.Actions)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, mfaAnswer{Pin: a.Pin, Actions: a.MFAActions, Secret: text, OTPAuthURL: secret.TOTPURL(mfaIssuer, pin, text)})
}

func (s *server) deleteMFA(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.store.SetMFA(r.Context(), r.PathValue("pin"), nil, nil); err != nil {
		return err
	}
	return noContent(w)
}
