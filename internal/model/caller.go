package model

import "time"

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

// User is a sub-account of an account, with a role.
type User struct {
	Pin       string     `json:"pin"` // the owning account
	Name      string     `json:"name"`
	Email     string     `json:"email"`
	Role      string     `json:"role"`
	Status    UserStatus `json:"status"`
	CreatedAt time.Time  `json:"createdAt"`
	UpdatedAt time.Time  `json:"updatedAt"`
}

// Role limits what a user may do: which groups and APIs it may call or
// manage, and which admin actions it may take. "*" means all.
type Role struct {
	Pin     string   `json:"pin"`
	Name    string   `json:"name"`
	Groups  []string `json:"groups"`
	APIs    []string `json:"apis"`
	Actions []string `json:"actions"`
}

// Key kinds.
const (
	KeySignature = "signature" // an access key pair for the signature schemes
	KeyAppKey    = "appkey"    // an app key for the market scheme
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
	CreatedAt       time.Time `json:"createdAt"`
	RotatedAt       time.Time `json:"rotatedAt,omitzero"`
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
	CreatedAt   time.Time   `json:"createdAt"`
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
}
