package admin

import (
	"crypto/subtle"
	"net"
	"net/http"
	"time"

	"github.com/tollgate-gw/tollgate/internal/auth"
	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/secret"
)

// Console sessions: a login gives a user a key pair of kind session for
// SessionLife; it can be refreshed, for a new pair, only in the last
// RefreshWindow of its life.
const (
	SessionLife   = 2 * time.Hour
	RefreshWindow = 30 * time.Minute
)

// loginRequest is the body of POST /v1/login.
type loginRequest struct {
	Pin      string `json:"pin"`
	User     string `json:"user"`
	Password string `json:"password"`
}

// refreshRequest is the body of POST /v1/login/refresh when the request
// is not signed with the session key: the pair itself.
type refreshRequest struct {
	AccessKey string `json:"accessKey"`
	SecretKey string `json:"secretKey"`
}

// session is the answer of a login or a refresh.
type session struct {
	AccessKey string    `json:"accessKey"`
	SecretKey string    `json:"secretKey"`
	Pin       string    `json:"pin"`
	User      string    `json:"user"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// loginFailed is the one answer to every failed login: it never says
// whether the account, the user or the password was wrong, nor that the
// attempt was throttled.
func loginFailed() error { return errcode.New(errcode.LoginFailed, "") }

// login checks a user's password and answers a session key pair. A user
// that may not log in (disabled, or its account not active) is told so,
// with LoginNotAllowed, only after the right password.
func (s *server) login(w http.ResponseWriter, r *http.Request) error {
	var req loginRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	byUser, byAddr := "user:"+req.Pin+"/"+req.User, "addr:"+clientAddr(r)
	if s.logins.blocked(byUser, byAddr) {
		return loginFailed()
	}
	ctx := r.Context()
	u, err := s.store.User(ctx, req.Pin, req.User)
	switch {
	case errcode.Has(err, errcode.ResourceNotFound) || err == nil && u.PasswordHash == "":
		s.checkNoPassword(req.Password) // the same time as a wrong password
		s.logins.fail(byUser, byAddr)
		return loginFailed()
	case err != nil:
		return err
	}
	if !secret.CheckPassword(u.PasswordHash, req.Password) {
		s.logins.fail(byUser, byAddr)
		return loginFailed()
	}
	s.logins.reset(byUser)
	if err := s.mayLogIn(r, u); err != nil {
		return err
	}
	k, err := s.store.CreateKey(ctx, model.Key{Pin: u.Pin, User: u.Name, Kind: model.KeySession, Expires: s.clock.Now().Add(SessionLife)})
	if err != nil {
		return err
	}
	return created(w, "/v1/accounts/"+k.Pin+"/keys/"+k.AccessKey, sessionOf(k))
}

// mayLogIn refuses a user that is disabled, or whose account is not
// active.
func (s *server) mayLogIn(r *http.Request, u model.User) error {
	if u.Status != model.UserActive {
		return errcode.New(errcode.LoginNotAllowed, "user "+u.Name)
	}
	a, err := s.store.Account(r.Context(), u.Pin)
	if err != nil {
		return err
	}
	if a.Status != model.AccountActive {
		return errcode.New(errcode.LoginNotAllowed, "account "+a.Pin)
	}
	return nil
}

// refresh trades a session key near its end for a new one. The request
// is signed with the session key, or names it with its secret in the
// body. The old key stops at once.
func (s *server) refresh(w http.ResponseWriter, r *http.Request) error {
	k, err := s.sessionOfRequest(w, r)
	if err != nil {
		return err
	}
	if k.Kind != model.KeySession {
		return &errcode.Error{Cond: errcode.ParamValueInvalid, Subject: "accessKey", Detail: "not a session key; only logins are refreshed"}
	}
	now := s.clock.Now()
	if from := k.Expires.Add(-RefreshWindow); now.Before(from) || !now.Before(k.Expires) {
		return errcode.Newf(errcode.KeyRefreshOutsideWindow, "a session can be refreshed from %s until %s",
			from.UTC().Format(time.RFC3339), k.Expires.UTC().Format(time.RFC3339))
	}
	if !k.Enabled {
		// Only a pair in the body reaches here: a signed refresh with a
		// disabled key is refused as it authenticates.
		return errcode.New(errcode.KeyIDDisabled, "session "+k.AccessKey)
	}
	ctx := r.Context()
	u, err := s.store.User(ctx, k.Pin, k.User)
	if err != nil {
		return err
	}
	if err := s.mayLogIn(r, u); err != nil {
		return err
	}
	fresh, err := s.store.CreateKey(ctx, model.Key{Pin: k.Pin, User: k.User, Kind: model.KeySession, Expires: now.Add(SessionLife)})
	if err != nil {
		return err
	}
	if err := s.store.DeleteKey(ctx, k.AccessKey); err != nil && !errcode.Has(err, errcode.ResourceNotFound) {
		return err
	}
	return created(w, "/v1/accounts/"+fresh.Pin+"/keys/"+fresh.AccessKey, sessionOf(fresh))
}

// sessionOfRequest returns the key a refresh names: the one that signed
// it, or the one whose pair is in the body. A wrong pair is
// Unauthenticated.
func (s *server) sessionOfRequest(w http.ResponseWriter, r *http.Request) (model.Key, error) {
	if scheme, ok := auth.Detect(r, adminSchemes); ok {
		return s.verifySigned(r, scheme)
	}
	var req refreshRequest
	if err := decode(w, r, &req); err != nil {
		return model.Key{}, err
	}
	if req.AccessKey == "" {
		return model.Key{}, errcode.New(errcode.ArgumentNotFound, "accessKey")
	}
	if req.SecretKey == "" {
		return model.Key{}, errcode.New(errcode.ArgumentNotFound, "secretKey")
	}
	k, err := s.store.Key(r.Context(), req.AccessKey)
	if errcode.Has(err, errcode.ResourceNotFound) {
		return model.Key{}, errcode.New(errcode.Unauthenticated, "")
	}
	if err != nil {
		return model.Key{}, err
	}
	if subtle.ConstantTimeCompare(k.Secret, []byte(req.SecretKey)) != 1 {
		return model.Key{}, errcode.New(errcode.Unauthenticated, "")
	}
	return k, nil
}

func sessionOf(k model.Key) session {
	return session{AccessKey: k.AccessKey, SecretKey: string(k.Secret), Pin: k.Pin, User: k.User, ExpiresAt: k.Expires}
}

// clientAddr returns the address the request came from. The admin API
// trusts no forwarding header: it listens on a private address, and a
// header would let a client pick the address it is throttled by.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
