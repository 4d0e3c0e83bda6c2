package admin

import (
	"net/http"
	"unicode/utf8"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/secret"
)

// userRequest is the body of POST .../users and PATCH .../users/{name}.
// Name is taken on creation only. Password is never answered.
type userRequest struct {
	Name     *string           `json:"name"`
	Email    *string           `json:"email"`
	Role     *string           `json:"role"`
	Password *string           `json:"password"`
	Status   *model.UserStatus `json:"status"`
}

// apply copies the fields present in req onto u, hashing a password.
func (s *server) applyUser(req *userRequest, u *model.User) error {
	set(&u.Email, req.Email)
	set(&u.Role, req.Role)
	set(&u.Status, req.Status)
	if req.Password == nil {
		return nil
	}
	if n := utf8.RuneCountInString(*req.Password); n < secret.MinPasswordLen || n > secret.MaxPasswordLen {
		return &errcode.Error{Cond: errcode.ParamValueInvalid, Subject: "password",
			Detail: "from 8 to 256 characters"}
	}
	h, err := s.hashPassword(*req.Password)
	if err != nil {
		return errcode.Wrap(errcode.Internal, err)
	}
	u.PasswordHash = h
	return nil
}

func (s *server) createUser(w http.ResponseWriter, r *http.Request) error {
	var req userRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	u := model.User{Pin: r.PathValue("pin")}
	set(&u.Name, req.Name)
	if err := s.applyUser(&req, &u); err != nil {
		return err
	}
	u.ApplyDefaults()
	u, err := s.store.CreateUser(r.Context(), u)
	if err != nil {
		return err
	}
	return created(w, "/v1/accounts/"+u.Pin+"/users/"+u.Name, u)
}

func (s *server) listUsers(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	users, total, err := s.store.ListUsers(r.Context(), r.PathValue("pin"), p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list(total, p, "users", users))
}

func (s *server) getUser(w http.ResponseWriter, r *http.Request) error {
	u, err := s.store.User(r.Context(), r.PathValue("pin"), r.PathValue("name"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, u)
}

func (s *server) updateUser(w http.ResponseWriter, r *http.Request) error {
	var req userRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if req.Name != nil {
		return errArgumentNotSupport("name")
	}
	var u model.User
	// Hash outside the store's write transaction: it takes a good part
	// of a second, and every other write would wait for it.
	if err := s.applyUser(&req, &u); err != nil {
		return err
	}
	hash := u.PasswordHash
	u, err := s.store.UpdateUser(r.Context(), r.PathValue("pin"), r.PathValue("name"), func(u *model.User) error {
		set(&u.Email, req.Email)
		set(&u.Role, req.Role)
		set(&u.Status, req.Status)
		if hash != "" {
			u.PasswordHash = hash
		}
		u.ApplyDefaults()
		return nil
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, u)
}

func (s *server) deleteUser(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.DeleteUser(r.Context(), r.PathValue("pin"), r.PathValue("name")); err != nil {
		return err
	}
	return noContent(w)
}
