package snapshot

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tollgate-gw/tollgate/internal/auth"
	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// Caller is one access key (or app key) as the data plane sees it: its
// secrets, its own state and the state of the account, user and role
// behind it, all resolved at compile time so that a request needs one map
// lookup. A Caller is immutable.
type Caller struct {
	AccessKey string
	// Pin is the owning account's pin; User the user (child account) the
	// key belongs to, "" for the account's own key.
	Pin, User string
	Kind      string
	Enabled   bool
	// PreviousExpires is when the previous secret of a rotated key stops
	// working.
	PreviousExpires time.Time
	// Expires is when a session key (a console login's) stops working;
	// zero for keys that do not expire.
	Expires time.Time

	// Account is the owning account's status.
	Account model.AccountStatus
	// UserFound reports whether User names a user of the account, and
	// UserStatus is that user's status.
	UserFound  bool
	UserStatus model.UserStatus
	// Role is the user's role: nil for the account's own key, and for a
	// user whose role does not exist (RoleName then says which).
	Role     *model.Role
	RoleName string

	// The header values the backend is told the caller by, made once so
	// that a request sets them without allocating. Never appended to.
	PinHeader, UserHeader, KeyHeader []string

	// secrets is the current secret then the previous one, if any;
	// current is secrets[:1].
	secrets [][]byte
}

// Secrets returns the secrets a signature of the key may be made with at
// now: the current one, and the previous one until PreviousExpires.
func (c *Caller) Secrets(now time.Time) [][]byte {
	if len(c.secrets) > 1 && now.Before(c.PreviousExpires) {
		return c.secrets
	}
	return c.secrets[:1]
}

// Expired reports whether the key is one with a life, and that life has
// ended at now.
func (c *Caller) Expired(now time.Time) bool {
	return !c.Expires.IsZero() && !now.Before(c.Expires)
}

// AllowsRole reports whether the caller's role lets it call api of group:
// always for the account's own key; for a user, when its role lists the
// group and the API (or "*"). A user with no role, or a role that does
// not exist, may call nothing.
func (c *Caller) AllowsRole(group, api string) bool {
	if c.User == "" {
		return true
	}
	return c.Role != nil && listed(c.Role.Groups, group) && listed(c.Role.APIs, api)
}

// listed reports whether list holds v or "*".
func listed(list []string, v string) bool {
	for _, x := range list {
		if x == "*" || x == v {
			return true
		}
	}
	return false
}

// callers is the compiled model.Callers: keys by access key, in two
// tables, since an app key signs only the market scheme and an access key
// only the others; and the blacklist.
type callers struct {
	sig, app  *shards[*Caller]
	blacklist blacklist
	// byPin lists each account's callers, for a patch to replace them.
	byPin *shards[[]*Caller]
}

// compileCallers builds the lookup tables of cs. A key of an account that
// does not exist is left out (its calls get KeyNotFound); a user or role
// that does not exist is kept as such, for the identity stage to refuse.
func compileCallers(cs *model.Callers) (callers, error) {
	var out callers
	sig, app := (*shards[*Caller])(nil).edit(), (*shards[*Caller])(nil).edit()
	byPin := make(map[string][]*Caller, len(cs.Accounts))
	accounts := make(map[string]model.AccountStatus, len(cs.Accounts))
	for _, a := range cs.Accounts {
		accounts[a.Pin] = a.Status
	}
	type roleKey struct{ pin, name string }
	// Users are keyed by account too: a user name is unique only within
	// its account, so two tenants may both have an "alice".
	users := make(map[roleKey]*model.User, len(cs.Users))
	for i := range cs.Users {
		users[roleKey{cs.Users[i].Pin, cs.Users[i].Name}] = &cs.Users[i]
	}
	roles := make(map[roleKey]*model.Role, len(cs.Roles))
	for i := range cs.Roles {
		r := cs.Roles[i]
		r.Groups, r.APIs, r.Actions = slices.Clone(r.Groups), slices.Clone(r.APIs), nil
		roles[roleKey{r.Pin, r.Name}] = &r
	}

	arena := newCallerArena(cs.Keys)
	var errs []error
	for i := range cs.Keys {
		k := &cs.Keys[i]
		if k.AccessKey == "" || len(k.Secret) == 0 {
			errs = append(errs, fmt.Errorf("key %q: %w", k.AccessKey,
				errcode.Newf(errcode.ParamValueInvalid, "no access key or no secret")))
			continue
		}
		status, ok := accounts[k.Pin]
		if !ok {
			continue
		}
		c := &arena.callers[i]
		*c = Caller{
			AccessKey:       k.AccessKey,
			Pin:             k.Pin,
			User:            k.User,
			Kind:            k.Kind,
			Enabled:         k.Enabled,
			PreviousExpires: k.PreviousExpires,
			Expires:         k.Expires,
			Account:         status,
			PinHeader:       arena.pinHeader(k.Pin),
			KeyHeader:       arena.keyHeaders[i : i+1 : i+1],
			secrets:         arena.secrets[i : i+1 : i+1],
		}
		c.KeyHeader[0] = k.AccessKey
		c.secrets[0] = arena.bytes(k.Secret)
		if len(k.PreviousSecret) > 0 && !k.PreviousExpires.IsZero() {
			c.secrets = append(c.secrets, clone(k.PreviousSecret))
		}
		if k.User != "" {
			c.UserHeader = []string{k.User}
			if u := users[roleKey{k.Pin, k.User}]; u != nil {
				c.UserFound, c.UserStatus, c.RoleName = true, u.Status, u.Role
				c.Role = roles[roleKey{k.Pin, u.Role}]
			}
		}
		if _, dup := sig.t.get(k.AccessKey); dup {
			errs = append(errs, duplicateKey(k.AccessKey))
			continue
		}
		if _, dup := app.t.get(k.AccessKey); dup {
			errs = append(errs, duplicateKey(k.AccessKey))
			continue
		}
		if k.Kind == model.KeyAppKey {
			app.set(k.AccessKey, c)
		} else {
			sig.set(k.AccessKey, c)
		}
		byPin[c.Pin] = append(byPin[c.Pin], c)
	}
	out.sig, out.app = sig.done(), app.done()
	pins := (*shards[[]*Caller])(nil).edit()
	for pin, cs := range byPin {
		pins.set(pin, cs)
	}
	out.byPin = pins.done()
	bl, err := compileBlacklist(cs.Blacklist)
	if err != nil {
		errs = append(errs, err)
	}
	out.blacklist = bl
	return out, errors.Join(errs...)
}

// callerArena holds the callers of one compile and what they point to in
// a few large allocations instead of five small ones per key: a full load
// of 100,000 keys allocates, and the collector scans, that much less. A
// caller replaced by a later patch keeps its slot alive until the next
// full load.
type callerArena struct {
	callers    []Caller
	keyHeaders []string
	secrets    [][]byte
	buf        []byte              // the current secrets, end to end
	pins       map[string][]string // one PinHeader per account, shared by its keys
}

func newCallerArena(keys []model.Key) *callerArena {
	n := 0
	for i := range keys {
		n += len(keys[i].Secret)
	}
	return &callerArena{
		callers:    make([]Caller, len(keys)),
		keyHeaders: make([]string, len(keys)),
		secrets:    make([][]byte, len(keys)),
		buf:        make([]byte, 0, n),
		pins:       make(map[string][]string),
	}
}

// bytes returns a copy of b in the arena, with no room to grow.
func (a *callerArena) bytes(b []byte) []byte {
	start := len(a.buf)
	a.buf = append(a.buf, b...)
	return a.buf[start:len(a.buf):len(a.buf)]
}

func (a *callerArena) pinHeader(pin string) []string {
	h, ok := a.pins[pin]
	if !ok {
		h = []string{pin}
		a.pins[pin] = h
	}
	return h
}

func duplicateKey(ak string) error {
	return fmt.Errorf("key %q: %w", ak, errcode.Newf(errcode.ParamValueInvalid, "access key listed twice"))
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// Caller returns the caller whose access key or app key is ak.
func (s *Snapshot) Caller(ak string) (*Caller, bool) {
	if c, ok := s.callers.sig.get(ak); ok {
		return c, true
	}
	return s.callers.app.get(ak)
}

// Keys is the auth.Keys of one request: the snapshot's keys of one kind
// (app keys for the market scheme, access keys for the others) with the
// secrets valid at one instant. It is a value so that a request can keep
// it in its own pooled state and pass a pointer to it, and so look keys up
// without allocating.
type Keys struct {
	table *shards[*Caller]
	now   time.Time
}

// Keys returns the keys a request at now may sign with: app keys when
// appKey is true, access keys otherwise.
func (s *Snapshot) Keys(appKey bool, now time.Time) Keys {
	if appKey {
		return Keys{s.callers.app, now}
	}
	return Keys{s.callers.sig, now}
}

// Key implements auth.Keys.
func (k *Keys) Key(ak string) (auth.Key, bool) {
	c, ok := k.table.get(ak)
	if !ok {
		return auth.Key{}, false
	}
	return auth.Key{AccessKey: c.AccessKey, Secrets: c.Secrets(k.now)}, true
}

var _ auth.Keys = (*Keys)(nil)
