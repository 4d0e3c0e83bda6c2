package store

import (
	"context"
	"time"

	"github.com/tollgate-gw/tollgate/internal/model"
)

// Accounts keeps tenants. An unknown pin is errcode.ResourceNotFound
// "account P".
type Accounts interface {
	// CreateAccount stores a. A pin already taken is
	// errcode.RecordConflict. An answer dialect or language left zero is
	// stored as jdcloud or en, as both CreateAccount and UpdateAccount
	// fill them, so that callers written before accounts had them keep
	// working.
	CreateAccount(ctx context.Context, a model.Account) (model.Account, error)
	// Account returns the account with pin.
	Account(ctx context.Context, pin string) (model.Account, error)
	// ListAccounts returns one page of the accounts and how many there
	// are.
	ListAccounts(ctx context.Context, p Page) ([]model.Account, int, error)
	// UpdateAccount is to accounts what UpdateGroup is to groups. The pin,
	// the creation time and the MFA settings cannot change through it.
	UpdateAccount(ctx context.Context, pin string, update func(*model.Account) error) (model.Account, error)
	// SetMFA sets the account's TOTP secret (sealed) and the actions that
	// need a code; a nil secret turns MFA off and clears the actions.
	SetMFA(ctx context.Context, pin string, secret []byte, actions []string) (model.Account, error)
	// MFASecret returns the account's TOTP secret, or nil when MFA is off.
	MFASecret(ctx context.Context, pin string) ([]byte, error)
}

// Users keeps the users (sub-accounts) of accounts and their roles. An
// unknown user is errcode.ResourceNotFound "user N", an unknown role
// "role R".
type Users interface {
	// CreateUser stores u in the account u.Pin. A name any user has is
	// errcode.UserNameTaken, an e-mail address any user has
	// errcode.UserEmailTaken; a role the account does not have is
	// errcode.RoleNotFound.
	CreateUser(ctx context.Context, u model.User) (model.User, error)
	// User returns the user of the account pin named name.
	User(ctx context.Context, pin, name string) (model.User, error)
	// ListUsers returns one page of an account's users and how many there
	// are.
	ListUsers(ctx context.Context, pin string, p Page) ([]model.User, int, error)
	// UpdateUser is to users what UpdateGroup is to groups, with the
	// rules of CreateUser. The account, the name and the creation time
	// cannot change.
	UpdateUser(ctx context.Context, pin, name string, update func(*model.User) error) (model.User, error)
	// DeleteUser deletes a user with its keys (and their authorizations).
	DeleteUser(ctx context.Context, pin, name string) error

	// CreateRole stores r in the account r.Pin. A name the account's
	// roles already have is errcode.RecordConflict.
	CreateRole(ctx context.Context, r model.Role) (model.Role, error)
	// Role returns one role of an account.
	Role(ctx context.Context, pin, name string) (model.Role, error)
	// ListRoles returns one page of an account's roles and how many there
	// are.
	ListRoles(ctx context.Context, pin string, p Page) ([]model.Role, int, error)
	// UpdateRole is to roles what UpdateGroup is to groups. The account,
	// the name and the creation time cannot change.
	UpdateRole(ctx context.Context, pin, name string, update func(*model.Role) error) (model.Role, error)
	// DeleteRole deletes a role. It is errcode.DeleteWhileBound while a
	// user has the role.
	DeleteRole(ctx context.Context, pin, name string) error
}

// Keys keeps access keys and their sealed secrets. An unknown access key
// is errcode.ResourceNotFound "key AK".
type Keys interface {
	// CreateKey stores k and returns it with its secret in clear, the
	// only answer but RotateKey's that has it. An empty AccessKey or
	// Secret is generated (secret.NewAccessKey, secret.NewSecret); an
	// access key any key has is errcode.AccessKeyRepeat. The account must
	// exist (errcode.ResourceNotFound), and the user, when named, must be
	// one of its users (errcode.RecordNotFound "user N"). An account
	// holds at most the store's key limit of signature and app keys, its
	// users' included (errcode.KeyLimitReached); session keys do not
	// count, and creating one removes the user's expired ones.
	CreateKey(ctx context.Context, k model.Key) (model.Key, error)
	// Key returns a key with its secrets opened, the previous one whatever
	// its expiry.
	Key(ctx context.Context, accessKey string) (model.Key, error)
	// ListKeys returns one page of an account's keys, its users' included,
	// and how many there are, without their secrets.
	ListKeys(ctx context.Context, pin string, p Page) ([]model.Key, int, error)
	// UpdateKey calls update with the key as stored (without secrets)
	// inside the write transaction; only Enabled can change.
	UpdateKey(ctx context.Context, accessKey string, update func(*model.Key) error) (model.Key, error)
	// RotateKey gives a key a new secret, returned in clear; the old one
	// keeps working for grace (none when grace <= 0) as PreviousSecret. A
	// previous secret still in its grace is dropped.
	RotateKey(ctx context.Context, accessKey string, grace time.Duration) (model.Key, error)
	// DeleteKey deletes a key and its authorizations.
	DeleteKey(ctx context.Context, accessKey string) error
}

// Authorizations keeps who may call which group deployment. An unknown
// id is errcode.ResourceNotFound "authorization ID".
type Authorizations interface {
	// CreateAuthorization stores a under a new id. The group must exist
	// (errcode.ResourceNotFound); an access key that names no key is
	// errcode.KeyIDNotFound, a pin that names no account
	// errcode.PinInvalid, an API id of another group of the group's
	// owner errcode.ParentMismatch, and any other API id that is not one
	// of the group's errcode.RecordNotFound, so that an API of another
	// tenant reads as one that does not exist. A key, or a pin, already
	// authorized on the group environment is errcode.AccessKeyAuthRepeat.
	// Quotas out of range (see model.Authorization.ValidateQuota) are
	// errcode.ParamValueInvalid "dailyLimit" or "totalCalls", a daily
	// limit above the total errcode.ArgumentsInconsistent "dailyLimit".
	CreateAuthorization(ctx context.Context, a model.Authorization) (model.Authorization, error)
	// Authorization returns one authorization of a group.
	Authorization(ctx context.Context, groupID, id string) (model.Authorization, error)
	// ListAuthorizations returns one page of a group's authorizations and
	// how many there are.
	ListAuthorizations(ctx context.Context, groupID string, p Page) ([]model.Authorization, int, error)
	// DeleteAuthorization deletes one authorization of a group.
	DeleteAuthorization(ctx context.Context, groupID, id string) error
}

// Blacklist keeps the pins and address ranges refused everywhere. An
// unknown id is errcode.ResourceNotFound "blacklist entry ID".
type Blacklist interface {
	// CreateBlacklistEntry normalizes and stores e under a new id. An
	// entry of the same kind and (normalized) value is
	// errcode.RecordConflict.
	CreateBlacklistEntry(ctx context.Context, e model.BlacklistEntry) (model.BlacklistEntry, error)
	// ListBlacklist returns one page of the entries and how many there
	// are.
	ListBlacklist(ctx context.Context, p Page) ([]model.BlacklistEntry, int, error)
	// DeleteBlacklistEntry deletes one entry.
	DeleteBlacklistEntry(ctx context.Context, id string) error
}

// DefaultMaxKeys is the number of signature and app keys an account may
// hold unless the store is configured otherwise.
const DefaultMaxKeys = 30
