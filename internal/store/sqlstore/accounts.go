package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
	"github.com/tollgate-gw/tollgate/internal/store"
)

const accountColumns = `pin, name, status, real_name_verified, dialect, language, mfa_secret IS NOT NULL, mfa_actions, created_at, updated_at`

// mfaAD is the additional data that binds an account's sealed TOTP secret
// to the account.
func mfaAD(pin string) string { return "account/" + pin + "/mfa" }

// CreateAccount implements store.Store.
func (s *Store) CreateAccount(ctx context.Context, a model.Account) (model.Account, error) {
	a.MFAEnabled, a.MFAActions = false, nil
	answerDefaults(&a)
	if err := a.Validate(); err != nil {
		return model.Account{}, err
	}
	a.CreatedAt = now()
	a.UpdatedAt = a.CreatedAt
	err := s.write(ctx, func(tx querier) error {
		taken, err := exists(ctx, tx, `SELECT 1 FROM accounts WHERE pin = ?`, a.Pin)
		if err != nil {
			return err
		}
		if taken {
			return &errcode.Error{Cond: errcode.RecordConflict, Subject: "pin", Detail: "an account has the pin " + strconv.Quote(a.Pin)}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO accounts (pin, name, status, real_name_verified, dialect, language, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			a.Pin, a.Name, a.Status, a.RealNameVerified, a.Dialect, a.Language, a.CreatedAt.UnixMicro(), a.UpdatedAt.UnixMicro())
		return err
	})
	if err != nil {
		return model.Account{}, err
	}
	return a, nil
}

// Account implements store.Store.
func (s *Store) Account(ctx context.Context, pin string) (model.Account, error) {
	a, err := getAccount(ctx, s.reader, pin)
	return a, s.failed(err)
}

// ListAccounts implements store.Store.
func (s *Store) ListAccounts(ctx context.Context, p store.Page) ([]model.Account, int, error) {
	accounts := []model.Account{}
	var total int
	err := s.read(ctx, func(tx querier) error {
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts`).Scan(&total); err != nil {
			return err
		}
		var err error
		accounts, err = queryAccounts(ctx, tx, `SELECT `+accountColumns+` FROM accounts ORDER BY created_at, pin LIMIT ? OFFSET ?`,
			p.Size, p.Offset())
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return accounts, total, nil
}

// UpdateAccount implements store.Store.
func (s *Store) UpdateAccount(ctx context.Context, pin string, update func(*model.Account) error) (model.Account, error) {
	var a model.Account
	err := s.write(ctx, func(tx querier) error {
		old, err := getAccount(ctx, tx, pin)
		if err != nil {
			return err
		}
		a = old
		if err := update(&a); err != nil {
			return err
		}
		a.Pin, a.CreatedAt, a.MFAEnabled, a.MFAActions = old.Pin, old.CreatedAt, old.MFAEnabled, old.MFAActions
		answerDefaults(&a)
		if err := a.Validate(); err != nil {
			return err
		}
		a.UpdatedAt = now()
		_, err = tx.ExecContext(ctx, `UPDATE accounts SET name = ?, status = ?, real_name_verified = ?, dialect = ?, language = ?,
			updated_at = ? WHERE pin = ?`,
			a.Name, a.Status, a.RealNameVerified, a.Dialect, a.Language, a.UpdatedAt.UnixMicro(), pin)
		return err
	})
	if err != nil {
		return model.Account{}, err
	}
	return a, nil
}

// SetMFA implements store.Store.
func (s *Store) SetMFA(ctx context.Context, pin string, secret []byte, actions []string) (model.Account, error) {
	if secret == nil {
		actions = nil
	}
	if err := model.ValidateActions("actions", actions); err != nil {
		return model.Account{}, err
	}
	var a model.Account
	err := s.write(ctx, func(tx querier) error {
		var err error
		if a, err = getAccount(ctx, tx, pin); err != nil {
			return err
		}
		var sealed []byte
		if secret != nil {
			sealed = s.sealer.Seal(secret, mfaAD(pin))
		}
		a.MFAEnabled, a.MFAActions, a.UpdatedAt = secret != nil, actions, now()
		_, err = tx.ExecContext(ctx, `UPDATE accounts SET mfa_secret = ?, mfa_actions = ?, updated_at = ? WHERE pin = ?`,
			sealed, stringList(actions), a.UpdatedAt.UnixMicro(), pin)
		return err
	})
	if err != nil {
		return model.Account{}, err
	}
	return a, nil
}

// MFASecret implements store.Store.
func (s *Store) MFASecret(ctx context.Context, pin string) ([]byte, error) {
	var sealed []byte
	err := s.reader.QueryRowContext(ctx, `SELECT mfa_secret FROM accounts WHERE pin = ?`, pin).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("account " + pin)
	}
	if err != nil || sealed == nil {
		return nil, s.failed(err)
	}
	secret, err := s.sealer.Open(sealed, mfaAD(pin))
	if err != nil {
		return nil, s.failed(openError("the MFA secret of account "+pin, err))
	}
	return secret, nil
}

// answerDefaults fills an account's answer dialect and language when they
// are left zero, as callers written before accounts had them do (the
// store fills a group's auth settings alike).
func answerDefaults(a *model.Account) {
	if a.Dialect == "" {
		a.Dialect = errcode.DialectJDCloud
	}
	if a.Language == "" {
		a.Language = errcode.English
	}
}

// getAccount returns an account, or ResourceNotFound.
func getAccount(ctx context.Context, q querier, pin string) (model.Account, error) {
	a, err := scanAccount(q.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE pin = ?`, pin))
	if errors.Is(err, sql.ErrNoRows) {
		return model.Account{}, notFound("account " + pin)
	}
	return a, err
}

func queryAccounts(ctx context.Context, q querier, query string, args ...any) ([]model.Account, error) {
	return queryAll(ctx, q, scanAccount, query, args...)
}

func scanAccount(r scanner) (model.Account, error) {
	var a model.Account
	err := r.Scan(&a.Pin, &a.Name, &a.Status, &a.RealNameVerified, &a.Dialect, &a.Language, &a.MFAEnabled, (*stringList)(&a.MFAActions),
		(*micros)(&a.CreatedAt), (*micros)(&a.UpdatedAt))
	return a, err
}
