package storetest

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/store"
)

func testAccounts(t *testing.T, s store.Store) {
	a, err := s.CreateAccount(ctx, model.Account{Pin: "acme", Name: "Acme Inc.", Status: model.AccountUnactivated})
	if err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	if a.CreatedAt.IsZero() || !a.UpdatedAt.Equal(a.CreatedAt) || a.MFAEnabled {
		t.Errorf("CreateAccount: got %+v", a)
	}
	got, err := s.Account(ctx, "acme")
	if err != nil || got.Name != "Acme Inc." || got.Status != model.AccountUnactivated || got.RealNameVerified || !got.CreatedAt.Equal(a.CreatedAt) {
		t.Errorf("Account: got %+v, %v", got, err)
	}
	// An account left without an answer dialect and language gets the
	// defaults, as accounts stored before they existed read.
	if got.Dialect != errcode.DialectJDCloud || got.Language != errcode.English {
		t.Errorf("Account: got dialect %q, language %q, want jdcloud, en", got.Dialect, got.Language)
	}

	_, err = s.CreateAccount(ctx, model.Account{Pin: "acme", Name: "again", Status: model.AccountActive})
	wantErr(t, "CreateAccount with a taken pin", err, errcode.RecordConflict, "pin")
	for _, tt := range []struct {
		a       model.Account
		cond    *errcode.Condition
		subject string
	}{
		{model.Account{Name: "x", Status: model.AccountActive}, errcode.ArgumentNotFound, "pin"},
		{model.Account{Pin: "a b", Name: "x", Status: model.AccountActive}, errcode.ParamValueInvalid, "pin"},
		{model.Account{Pin: "x", Status: model.AccountActive}, errcode.ArgumentNotFound, "name"},
		{model.Account{Pin: "x", Name: "x", Status: "gone"}, errcode.ParamValueInvalid, "status"},
		{model.Account{Pin: "x", Name: "x", Status: model.AccountActive, Dialect: "soap"}, errcode.ParamValueInvalid, "dialect"},
		{model.Account{Pin: "x", Name: "x", Status: model.AccountActive, Language: "fr"}, errcode.ParamValueInvalid, "language"},
	} {
		_, err := s.CreateAccount(ctx, tt.a)
		wantErr(t, fmt.Sprintf("CreateAccount(%+v)", tt.a), err, tt.cond, tt.subject)
	}

	updated, err := s.UpdateAccount(ctx, "acme", func(a *model.Account) error {
		a.Status, a.RealNameVerified, a.Name = model.AccountActive, true, "Acme"
		a.Dialect, a.Language = errcode.DialectTencent, errcode.Chinese
		a.Pin, a.MFAEnabled, a.MFAActions = "other", true, []string{"keys.create"} // must be ignored
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateAccount: %v", err)
	}
	if updated.Pin != "acme" || updated.Status != model.AccountActive || !updated.RealNameVerified || updated.Name != "Acme" || updated.MFAEnabled || updated.MFAActions != nil {
		t.Errorf("UpdateAccount: got %+v", updated)
	}
	if got, _ := s.Account(ctx, "acme"); got.Status != model.AccountActive || !got.RealNameVerified || got.MFAEnabled ||
		got.Dialect != errcode.DialectTencent || got.Language != errcode.Chinese {
		t.Errorf("Account after update: got %+v", got)
	}
	_, err = s.UpdateAccount(ctx, "acme", func(a *model.Account) error { a.Status = "gone"; return nil })
	wantErr(t, "UpdateAccount to an invalid status", err, errcode.ParamValueInvalid, "status")

	for what, err := range map[string]error{
		"Account": func() error { _, err := s.Account(ctx, "nobody"); return err }(),
		"UpdateAccount": func() error {
			_, err := s.UpdateAccount(ctx, "nobody", func(*model.Account) error { return nil })
			return err
		}(),
		"SetMFA":    func() error { _, err := s.SetMFA(ctx, "nobody", []byte("x"), nil); return err }(),
		"MFASecret": func() error { _, err := s.MFASecret(ctx, "nobody"); return err }(),
		"ListUsers": func() error { _, _, err := s.ListUsers(ctx, "nobody", all); return err }(),
		"ListKeys":  func() error { _, _, err := s.ListKeys(ctx, "nobody", all); return err }(),
		"ListRoles": func() error { _, _, err := s.ListRoles(ctx, "nobody", all); return err }(),
	} {
		wantErr(t, what+" of an unknown account", err, errcode.ResourceNotFound, "account nobody")
	}

	var pins []string
	for i := range 4 {
		pins = append(pins, mustAccount(t, s, fmt.Sprintf("p%d", i)).Pin)
	}
	page, total, err := s.ListAccounts(ctx, store.Page{Number: 2, Size: 2})
	if err != nil || total != 5 || len(page) != 2 || page[0].Pin != pins[1] || page[1].Pin != pins[2] {
		t.Errorf("ListAccounts page 2 of 2: got %+v of %d, %v", page, total, err)
	}
}

func testMFA(t *testing.T, s store.Store) {
	mustAccount(t, s, "acme")
	if secret, err := s.MFASecret(ctx, "acme"); err != nil || secret != nil {
		t.Errorf("MFASecret before MFA: got %q, %v", secret, err)
	}
	secret := []byte("12345678901234567890")
	a, err := s.SetMFA(ctx, "acme", secret, []string{"keys.create", "keys.delete"})
	if err != nil {
		t.Fatalf("SetMFA: %v", err)
	}
	if !a.MFAEnabled || !slices.Equal(a.MFAActions, []string{"keys.create", "keys.delete"}) {
		t.Errorf("SetMFA: got %+v", a)
	}
	if got, _ := s.Account(ctx, "acme"); !got.MFAEnabled || !slices.Equal(got.MFAActions, a.MFAActions) {
		t.Errorf("Account after SetMFA: got %+v", got)
	}
	if got, err := s.MFASecret(ctx, "acme"); err != nil || !bytes.Equal(got, secret) {
		t.Errorf("MFASecret: got %q, %v", got, err)
	}
	_, err = s.SetMFA(ctx, "acme", secret, []string{"keys.fly"})
	wantErr(t, "SetMFA with an unknown action", err, errcode.ParamValueInvalid, "actions")
	a, err = s.SetMFA(ctx, "acme", nil, []string{"keys.create"})
	if err != nil || a.MFAEnabled || a.MFAActions != nil {
		t.Errorf("SetMFA(nil): got %+v, %v", a, err)
	}
	if got, err := s.MFASecret(ctx, "acme"); err != nil || got != nil {
		t.Errorf("MFASecret after MFA off: got %q, %v", got, err)
	}
}
