package admin

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/tollgate-gw/tollgate/internal/auth"
	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/limit"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/store"
)

// ReplayWindow is how far a signed admin call's time may be from the
// server's, either way.
const ReplayWindow = 5 * time.Minute

// adminSchemes are the schemes a signed admin call may use, in the order
// auth.Detect wants: every signature scheme, TencentV1 last. The market
// app key is not one: its sign covers only the key and the time, not the
// request, so whoever saw one call could make any other.
var adminSchemes = func() []auth.Scheme {
	var out []auth.Scheme
	for _, name := range model.SignatureSchemes {
		if name == model.SchemeTencentV1 {
			continue
		}
		s, _ := auth.ByName(name)
		out = append(out, s)
	}
	v1, _ := auth.ByName(model.SchemeTencentV1)
	return append(out, v1)
}()

// authenticate returns who makes r: the operator, for the admin token; an
// account or a user, for a request signed with one of their keys. It
// leaves r's body readable again after reading it for the signature.
func (s *server) authenticate(r *http.Request) (*caller, error) {
	if h := r.Header.Get("Authorization"); len(h) >= 7 && strings.EqualFold(h[:7], "Bearer ") {
		if !s.tokenMatches(h[7:]) {
			return nil, errcode.New(errcode.Unauthenticated, "")
		}
		return &caller{operator: true}, nil
	}
	if auth.Presigned(r) {
		return nil, errPresignedAdmin
	}
	scheme, ok := auth.Detect(r, adminSchemes)
	if !ok {
		return nil, errcode.New(errcode.Unauthenticated, "")
	}
	k, err := s.verifySigned(r, scheme)
	if err != nil {
		return nil, err
	}
	if k.Expired(s.clock.Now()) {
		return nil, errcode.Newf(errcode.AuthExpired, "the session key expired at %s; log in again", k.Expires.Format(time.RFC3339))
	}
	return s.callerOfKey(r, k)
}

// errPresignedAdmin refuses a presigned URL on the admin API, whatever
// its method. Such a URL signs no body (UNSIGNED-PAYLOAD, or the hash of
// a body botocore has moved into the query), lives up to seven days and
// may be used any number of times in that span: on the admin API it would
// be a week-long bearer credential for the key's account, which a log, a
// browser history or a proxy may keep. Admin calls sign in the
// Authorization header (or a query scheme with a timestamp and a nonce).
var errPresignedAdmin = &errcode.Error{Cond: errcode.AuthMalformedHeader, Subject: "X-Amz-Signature",
	Detail: "admin calls cannot be presigned; sign them in the Authorization header"}

// tokenMatches reports whether token is the admin token. Both sides are
// hashed first so that the comparison takes the same time whatever the
// length of the guess.
func (s *server) tokenMatches(token string) bool {
	got := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return s.hasToken && subtle.ConstantTimeCompare(got[:], s.tokenHash[:]) == 1
}

// verifySigned checks r's signature by scheme, its time and its nonce,
// and returns the key that signed it. Session keys are found even when
// expired, for the caller to judge (only a refresh may use one near its
// end). Signatures of schemes without a nonce are single-use for
// requests that change something.
func (s *server) verifySigned(r *http.Request, scheme auth.Scheme) (model.Key, error) {
	body, err := readBody(r)
	if err != nil {
		return model.Key{}, err
	}
	if err := bodyCovered(r, scheme, body); err != nil {
		return model.Key{}, err
	}
	keys := &storeKeys{ctx: r.Context(), store: s.store, now: s.clock.Now()}
	res, err := scheme.Verify(r, body, keys)
	if keys.err != nil {
		return model.Key{}, errcode.Wrap(errcode.OperationFailed, keys.err)
	}
	if err != nil {
		return model.Key{}, err
	}
	if err := s.fresh(r, &res); err != nil {
		return model.Key{}, err
	}
	k := keys.found
	if !k.Enabled {
		return model.Key{}, errcode.New(errcode.KeyDisabled, k.AccessKey)
	}
	return k, nil
}

// bodyCovered refuses a request with a body signed in a way that leaves
// the body out: whoever holds such a request could send another body
// under its signature. TENCENT-V1 signs only parameters; ZENITH signs the
// body only through Content-MD5; AWS4 lets a client declare an unsigned
// payload. (The JD schemes refuse an unsigned body themselves.)
func bodyCovered(r *http.Request, scheme auth.Scheme, body []byte) error {
	if len(body) == 0 {
		return nil
	}
	switch scheme.Name() {
	case model.SchemeTencentV1:
		return &errcode.Error{Cond: errcode.AuthMalformedHeader, Subject: "Signature",
			Detail: "TENCENT-V1 does not sign a JSON body; sign admin calls with a body by a SigV4-family scheme"}
	case model.SchemeZenith:
		if r.Header.Get("Content-MD5") == "" {
			return &errcode.Error{Cond: errcode.AuthMalformedHeader, Subject: "Content-MD5",
				Detail: "a ZENITH-signed admin call with a body must send, and so sign, its Content-MD5"}
		}
	case model.SchemeAWS4:
		if strings.EqualFold(r.Header.Get("X-Amz-Content-Sha256"), "UNSIGNED-PAYLOAD") {
			return &errcode.Error{Cond: errcode.AuthMalformedHeader, Subject: "X-Amz-Content-Sha256",
				Detail: "an admin call's body must be signed"}
		}
	}
	return nil
}

// fresh refuses a signature made outside the replay window, or seen
// before.
func (s *server) fresh(r *http.Request, res *auth.Result) error {
	now := s.clock.Now()
	if !res.SignedAt.IsZero() {
		if d := now.Sub(res.SignedAt); d > ReplayWindow || d < -ReplayWindow {
			return errcode.Newf(errcode.AuthExpired, "the request was signed %s from the server's time, more than the %s allowed",
				d.Abs().Round(time.Second), ReplayWindow)
		}
	}
	if !res.Expires.IsZero() {
		switch {
		case now.After(res.Expires):
			return errcode.Newf(errcode.AuthExpired, "the signature expired %s ago", now.Sub(res.Expires).Round(time.Second))
		case res.Expires.Sub(now) > ReplayWindow:
			return errcode.Newf(errcode.AuthExpired, "the signature expires more than %s from now", ReplayWindow)
		}
	}
	nonce := res.Nonce
	if nonce == "" && r.Method != http.MethodGet && r.Method != http.MethodHead {
		// No nonce: the signature itself, which covers the request and
		// its time, is the single-use value of a change.
		sum := sha256.Sum256([]byte(r.Header.Get("Authorization") + "?" + r.URL.RawQuery))
		nonce = "sig:" + hex.EncodeToString(sum[:16])
	}
	if nonce == "" {
		return nil
	}
	first, err := s.counter.Once(r.Context(), limit.Key{Scope: res.AccessKey, ID: nonce}, 2*ReplayWindow)
	switch {
	case err != nil && !first:
		return counterFailed(err)
	case !first:
		return errcode.New(errcode.NonceReused, "")
	}
	return nil
}

// callerOfKey returns the caller a key acts for, refusing keys whose
// account or user may not act: disabled, not activated, blacklisted.
func (s *server) callerOfKey(r *http.Request, k model.Key) (*caller, error) {
	ctx := r.Context()
	a, err := s.store.Account(ctx, k.Pin)
	if err != nil {
		return nil, err
	}
	switch a.Status {
	case model.AccountDisabled:
		return nil, errcode.New(errcode.AccountDisabled, "account "+a.Pin)
	case model.AccountUnactivated:
		return nil, errcode.New(errcode.UserNotActivated, "account "+a.Pin)
	}
	if err := s.notBlacklisted(ctx, a.Pin, r.RemoteAddr); err != nil {
		return nil, err
	}
	c := &caller{account: a, user: k.User, key: k}
	if k.User == "" {
		return c, nil
	}
	u, err := s.store.User(ctx, a.Pin, k.User)
	if err != nil {
		return nil, err
	}
	if u.Status != model.UserActive {
		return nil, errcode.New(errcode.UserDisabled, "user "+u.Name)
	}
	if u.Role != "" {
		role, err := s.store.Role(ctx, a.Pin, u.Role)
		if errcode.Has(err, errcode.ResourceNotFound) {
			return nil, errcode.New(errcode.RoleNotFound, "role "+u.Role)
		}
		if err != nil {
			return nil, err
		}
		c.role = &role
	}
	return c, nil
}

// notBlacklisted refuses a pin or a client address on the blacklist.
func (s *server) notBlacklisted(ctx context.Context, pin, remoteAddr string) error {
	ip, _ := netip.ParseAddrPort(remoteAddr)
	addr := ip.Addr().Unmap()
	for p := (store.Page{Number: 1, Size: 100}); ; p.Number++ {
		entries, total, err := s.store.ListBlacklist(ctx, p)
		if err != nil {
			return err
		}
		for _, e := range entries {
			switch e.Kind {
			case model.BlacklistPin:
				if e.Value == pin {
					return errcode.New(errcode.UserBlacklisted, pin)
				}
			case model.BlacklistIP:
				if listedAddr(e.Value, addr) {
					return errcode.New(errcode.IPBlacklisted, addr.String())
				}
			}
		}
		if p.Number*p.Size >= total {
			return nil
		}
	}
}

// listedAddr reports whether addr is the address or in the range value.
func listedAddr(value string, addr netip.Addr) bool {
	if !addr.IsValid() {
		return false
	}
	if pfx, err := netip.ParsePrefix(value); err == nil {
		return pfx.Contains(addr)
	}
	a, err := netip.ParseAddr(value)
	return err == nil && a == addr
}

// readBody reads r's body (at most bodyLimit(r)) for a signature and
// puts it back for the handler.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	limit := bodyLimit(r)
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	r.Body.Close()
	if err != nil {
		return nil, &errcode.Error{Cond: errcode.ParamValueInvalid, Subject: "body", Detail: "the body could not be read", Cause: err}
	}
	if int64(len(body)) > limit {
		return nil, bodyInvalid("larger than %d bytes", limit)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, nil
}

// storeKeys is auth.Keys over the store, for one request. It remembers
// the key it found, and a failure of the store, which auth.Keys cannot
// return.
type storeKeys struct {
	ctx   context.Context
	store store.Store
	now   time.Time
	found model.Key
	err   error
}

// Key implements auth.Keys. App keys are not found: they cannot sign
// admin calls (see adminSchemes).
func (k *storeKeys) Key(accessKey string) (auth.Key, bool) {
	key, err := k.store.Key(k.ctx, accessKey)
	if err != nil {
		if !errcode.Has(err, errcode.ResourceNotFound) {
			k.err = err
		}
		return auth.Key{}, false
	}
	if key.Kind == model.KeyAppKey {
		return auth.Key{}, false
	}
	k.found = key
	return auth.Key{AccessKey: key.AccessKey, Secrets: key.Secrets(k.now)}, true
}
