package storetest

import (
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/store"
)

var all = store.Page{Number: 1, Size: 1000}

func mustAccount(t *testing.T, s store.Store, pin string) model.Account {
	t.Helper()
	a := model.Account{Pin: pin}
	a.ApplyDefaults()
	a, err := s.CreateAccount(ctx, a)
	if err != nil {
		t.Fatalf("CreateAccount(%s): %v", pin, err)
	}
	return a
}

func mustRole(t *testing.T, s store.Store, pin, name string, actions ...string) model.Role {
	t.Helper()
	r, err := s.CreateRole(ctx, model.Role{Pin: pin, Name: name, Groups: []string{"*"}, APIs: []string{"*"}, Actions: actions})
	if err != nil {
		t.Fatalf("CreateRole(%s, %s): %v", pin, name, err)
	}
	return r
}

func mustUser(t *testing.T, s store.Store, pin, name, email, role string) model.User {
	t.Helper()
	u := model.User{Pin: pin, Name: name, Email: email, Role: role}
	u.ApplyDefaults()
	u, err := s.CreateUser(ctx, u)
	if err != nil {
		t.Fatalf("CreateUser(%s, %s): %v", pin, name, err)
	}
	return u
}

func mustKey(t *testing.T, s store.Store, pin, user string) model.Key {
	t.Helper()
	k := model.Key{Pin: pin, User: user}
	k.ApplyDefaults()
	k, err := s.CreateKey(ctx, k)
	if err != nil {
		t.Fatalf("CreateKey(%s, %s): %v", pin, user, err)
	}
	return k
}

func mustSession(t *testing.T, s store.Store, pin, user string, life time.Duration) model.Key {
	t.Helper()
	k, err := s.CreateKey(ctx, model.Key{Pin: pin, User: user, Kind: model.KeySession, Expires: time.Now().Add(life)})
	if err != nil {
		t.Fatalf("CreateKey(session of %s): %v", user, err)
	}
	return k
}

// keyOf returns the key with accessKey in keys.
func keyOf(keys []model.Key, accessKey string) (model.Key, bool) {
	for _, k := range keys {
		if k.AccessKey == accessKey {
			return k, true
		}
	}
	return model.Key{}, false
}
