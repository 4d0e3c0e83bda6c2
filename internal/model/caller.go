package model

import (
	"time"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// AccountStatus is the state of an account (a tenant).
type AccountStatus string

// The states of an account.
const (
	AccountActive      AccountStatus = "active"
	AccountDisabled    AccountStatus = "disabled"
	AccountUnactivated AccountStatus = "unactivated"
)

// Account is a tenant, identified by its pin. It owns groups, keys,
// policies and a balance.
type Account struct {
	Pin              string        `json:"pin"`
	Name             string        `json:"name"`
	Status           AccountStatus `json:"status"`
	RealNameVerified bool          `json:"realNameVerified"`
	// Dialect and Language are what the admin API answers the account
	// and its users in, unless a call asks for another (docs/admin-api.md,
	// "Dialects"): jdcloud and en by default.
	Dialect  errcode.Dialect `json:"dialect"`
	Language errcode.Lang    `json:"language"`
	// MFAActions lists the admin actions that require a TOTP code in
	// x-jdcloud-security-token (empty: none). The TOTP secret itself is
	// never part of the account as read.
	MFAActions []string  `json:"mfaActions,omitempty"`
	MFAEnabled bool      `json:"mfaEnabled"`
	CreatedAt  time.Time `json:"createdAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

// UserStatus is the state of a user (a sub-account).
type UserStatus string

// The states of a user.
const (
	UserActive   UserStatus = "active"
	UserDisabled UserStatus = "disabled"
)

// User is a sub-account of an account, with a role. Its name is unique
// across all accounts, as is its e-mail address.
type User struct {
	Pin    string     `json:"pin"` // the owning account
	Name   string     `json:"name"`
	Email  string     `json:"email,omitempty"`
	Role   string     `json:"role,omitempty"` // "": no rights at all
	Status UserStatus `json:"status"`
	// PasswordHash is the console password's hash (secret.HashPassword);
	// "" means the user cannot log in. It is never serialised.
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
}

// Role limits what a user may do: which groups and APIs it may call or
// manage, and which admin actions it may take (see Actions). "*" means
// all; "keys.*" all the actions on keys.
type Role struct {
	Pin       string    `json:"pin"`
	Name      string    `json:"name"`
	Groups    []string  `json:"groups"`
	APIs      []string  `json:"apis"`
	Actions   []string  `json:"actions"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// AllowsGroup reports whether the role covers group id.
func (r *Role) AllowsGroup(id string) bool { return listed(r.Groups, id) }

// AllowsAPI reports whether the role covers API id.
func (r *Role) AllowsAPI(id string) bool { return listed(r.APIs, id) }

// AllowsAction reports whether the role may take action.
func (r *Role) AllowsAction(action string) bool { return ActionMatches(r.Actions, action) }

// listed reports whether list holds v or "*".
func listed(list []string, v string) bool {
	for _, x := range list {
		if x == "*" || x == v {
			return true
		}
	}
	return false
}

// Key kinds.
const (
	KeySignature = "signature" // an access key pair for the signature schemes
	KeyAppKey    = "appkey"    // an app key for the market scheme
	// KeySession is a short-lived pair that a console login gives a user;
	// it signs like a signature key and expires.
	KeySession = "session"
)

// Key is an access key of an account or of one of its users. Secret is
// never serialised: it is shown once, in the answer that creates or
// rotates it, by a dedicated type.
type Key struct {
	AccessKey string `json:"accessKey"`
	Pin       string `json:"pin"`
	User      string `json:"user,omitempty"` // "" for the account's own key
	Kind      string `json:"kind"`
	Enabled   bool   `json:"enabled"`
	// Secret is the current secret, in clear, only in memory.
	Secret []byte `json:"-"`
	// PreviousSecret keeps working until PreviousExpires after a rotation.
	PreviousSecret  []byte    `json:"-"`
	PreviousExpires time.Time `json:"previousExpires,omitzero"`
	// Expires is when a session key stops working; zero for other kinds.
	Expires   time.Time `json:"expiresAt,omitzero"`
	CreatedAt time.Time `json:"createdAt"`
	RotatedAt time.Time `json:"rotatedAt,omitzero"`
}

// Secrets returns the secrets a signature may be made with at now: the
// current one, and the previous one until it expires.
func (k *Key) Secrets(now time.Time) [][]byte {
	if k.PreviousSecret != nil && now.Before(k.PreviousExpires) {
		return [][]byte{k.Secret, k.PreviousSecret}
	}
	return [][]byte{k.Secret}
}

// Expired reports whether k is a key with a life that has ended at now.
func (k *Key) Expired(now time.Time) bool {
	return !k.Expires.IsZero() && !now.Before(k.Expires)
}

// Authorization lets a caller use a group's deployment in one
// environment: one access key, or every key of a pin (its own and its
// users'). APIs, when not empty, restricts it to those API ids.
type Authorization struct {
	ID          string      `json:"authorizationId"`
	GroupID     string      `json:"groupId"`
	Environment Environment `json:"environment"`
	AccessKey   string      `json:"accessKey,omitempty"`
	Pin         string      `json:"pin,omitempty"`
	APIs        []string    `json:"apis,omitempty"`
	// DailyLimit and TotalCalls, when not zero, cap the successful calls
	// the authorization allows per local day and in all (see ValidateQuota).
	DailyLimit int64     `json:"dailyLimit,omitempty"`
	TotalCalls int64     `json:"totalCalls,omitempty"`
	CreatedAt  time.Time `json:"createdAt"`
}

// Blacklist kinds.
const (
	BlacklistPin = "pin"
	BlacklistIP  = "ip" // an address or a CIDR range
)

// BlacklistEntry refuses a pin or a range of client addresses everywhere.
type BlacklistEntry struct {
	ID        string    `json:"entryId"`
	Kind      string    `json:"kind"`
	Value     string    `json:"value"`
	Reason    string    `json:"reason,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
}

// Callers is everything the data plane needs to know of who calls: the
// store assembles it (with secrets decrypted) and the snapshot compiles it
// next to the published groups.
type Callers struct {
	Accounts       []Account
	Users          []User
	Roles          []Role
	Keys           []Key
	Authorizations []Authorization
	Blacklist      []BlacklistEntry
	// Market is the API market's plans, subscriptions and credits.
	Market Market
}
