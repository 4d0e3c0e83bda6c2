package admin

import (
	"net/http"
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/store"
)

// Rotation grace periods.
const (
	DefaultGraceSeconds = 86400
	MaxGraceSeconds     = 30 * 86400
)

// keyRequest is the body of POST .../keys and PATCH .../keys/{accessKey}.
type keyRequest struct {
	Kind    *string `json:"kind"`
	User    *string `json:"user"`
	Enabled *bool   `json:"enabled"`
}

// rotateRequest is the body of POST .../keys/{accessKey}/rotate.
type rotateRequest struct {
	GraceSeconds *int `json:"graceSeconds"`
}

// keyWithSecret is the one answer that shows a secret: to the call that
// creates the key or rotates it. Nothing keeps it but the store, sealed.
type keyWithSecret struct {
	model.Key
	SecretKey string `json:"secretKey"`
}

func withSecret(k model.Key) keyWithSecret {
	return keyWithSecret{Key: k, SecretKey: string(k.Secret)}
}

func (s *server) createKey(w http.ResponseWriter, r *http.Request) error {
	var req keyRequest
	if err := decodeOptional(w, r, &req); err != nil {
		return err
	}
	if req.Enabled != nil {
		return errArgumentNotSupport("enabled")
	}
	k := model.Key{Pin: r.PathValue("pin")}
	set(&k.Kind, req.Kind)
	set(&k.User, req.User)
	k.ApplyDefaults()
	if k.Kind != model.KeySignature && k.Kind != model.KeyAppKey {
		return &errcode.Error{Cond: errcode.ParamValueInvalid, Subject: "kind", Detail: "signature or appkey; session keys come from POST /v1/login"}
	}
	if c := callerOf(r.Context()); c.isUser() {
		// A user makes keys for itself only.
		if req.User != nil && *req.User != c.user {
			return errcode.New(errcode.ChildAccountNotAllowed, "user "+*req.User)
		}
		k.User = c.user
	}
	k, err := s.store.CreateKey(r.Context(), k)
	if err != nil {
		return err
	}
	return created(w, "/v1/accounts/"+k.Pin+"/keys/"+k.AccessKey, withSecret(k))
}

func (s *server) listKeys(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	c := callerOf(ctx)
	if !c.isUser() {
		keys, total, err := s.store.ListKeys(ctx, r.PathValue("pin"), p)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, list(total, p, "keys", keys))
	}
	// A user sees its own keys: an account has few keys, so they are
	// filtered here and paged after.
	var own []model.Key
	for q := (store.Page{Number: 1, Size: 1000}); ; q.Number++ {
		keys, total, err := s.store.ListKeys(ctx, c.pin(), q)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if k.User == c.user {
				own = append(own, k)
			}
		}
		if q.Number*q.Size >= total {
			break
		}
	}
	items := own[min(p.Offset(), len(own)):min(p.Offset()+p.Size, len(own))]
	return writeJSON(w, http.StatusOK, list(len(own), p, "keys", nonNil(items)))
}

// accountKey returns the key of the path, refusing one of another account
// as if it did not exist, and one of another user for a user.
func (s *server) accountKey(r *http.Request) (model.Key, error) {
	ak := r.PathValue("accessKey")
	k, err := s.store.Key(r.Context(), ak)
	if err != nil {
		return model.Key{}, err
	}
	if k.Pin != r.PathValue("pin") {
		return model.Key{}, errcode.New(errcode.ResourceNotFound, "key "+ak)
	}
	if err := keyAllowed(callerOf(r.Context()), &k); err != nil {
		return model.Key{}, err
	}
	k.Secret, k.PreviousSecret = nil, nil
	return k, nil
}

func (s *server) getKey(w http.ResponseWriter, r *http.Request) error {
	k, err := s.accountKey(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, k)
}

func (s *server) updateKey(w http.ResponseWriter, r *http.Request) error {
	var req keyRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	switch {
	case req.Kind != nil:
		return errArgumentNotSupport("kind")
	case req.User != nil:
		return errArgumentNotSupport("user")
	case req.Enabled == nil:
		return errcode.New(errcode.ArgumentNotFound, "enabled")
	}
	if _, err := s.accountKey(r); err != nil {
		return err
	}
	k, err := s.store.UpdateKey(r.Context(), r.PathValue("accessKey"), func(k *model.Key) error {
		k.Enabled = *req.Enabled
		return nil
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, k)
}

func (s *server) deleteKey(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.accountKey(r); err != nil {
		return err
	}
	if err := s.store.DeleteKey(r.Context(), r.PathValue("accessKey")); err != nil {
		return err
	}
	return noContent(w)
}

func (s *server) rotateKey(w http.ResponseWriter, r *http.Request) error {
	var req rotateRequest
	if err := decodeOptional(w, r, &req); err != nil {
		return err
	}
	grace := DefaultGraceSeconds
	set(&grace, req.GraceSeconds)
	if grace < 0 || grace > MaxGraceSeconds {
		return &errcode.Error{Cond: errcode.ParamValueInvalid, Subject: "graceSeconds", Detail: "from 0 to 2592000 (30 days)"}
	}
	k, err := s.accountKey(r)
	if err != nil {
		return err
	}
	if k.Kind == model.KeySession {
		return &errcode.Error{Cond: errcode.ParamValueInvalid, Subject: "accessKey", Detail: "a session key is renewed with POST /v1/login/refresh"}
	}
	k, err = s.store.RotateKey(r.Context(), k.AccessKey, time.Duration(grace)*time.Second)
	if err != nil {
		return err
	}
	k.PreviousSecret = nil
	return writeJSON(w, http.StatusOK, withSecret(k))
}

// nonNil returns s, or an empty slice for nil, so that a list answers
// [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
