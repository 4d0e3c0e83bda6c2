package rediscounter

import (
	"strconv"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/limit"
)

// Key layout. Every key starts with the prefix and carries its counter in
// a hash tag, so that the keys one script touches share a Redis Cluster
// slot:
//
//	rl:{scope:id}      hash   a rate window (allow.lua)
//	q:{scope:id}       hash   a quota: period, end, used, held (reserve.lua)
//	q:{scope:id}:h     zset   its live holds by deadline
//	q:{scope:id}:n     hash   its holds' amounts, periods and period ends
//	q:{scope:id}:c     set    its charges by id (CommitCharge)
//	n:{scope:id}       string a nonce, expiring after its ttl (SET NX PX)
//	u:{p:pin}:hour     hash   an account's usage in one hour, one field per
//	                          counter of each (access key, group, API, env)
//	charges            hash   charge id -> its quota's tag (CommitCharge)
//
// The scope is escaped (":" and "%" as %3A and %25) so that two counters
// never share a key; the ID is written as it is. Redis takes the tag up to
// the first "}", so an ID holding one shortens the tag, but the keys of
// one counter still share it.

// tag returns the hash tag of k, braces included.
func tag(k limit.Key) string {
	scope := k.Scope
	if strings.ContainsAny(scope, ":%") {
		scope = strings.NewReplacer("%", "%25", ":", "%3A").Replace(scope)
	}
	return "{" + scope + ":" + k.ID + "}"
}

func (c *Counter) rateKey(k limit.Key) string { return c.prefix + "rl:" + tag(k) }

func (c *Counter) nonceKey(k limit.Key) string { return c.prefix + "n:" + tag(k) }

// quotaKeys returns the keys of a quota: its state, its holds by deadline,
// its holds' amounts.
func (c *Counter) quotaKeys(k limit.Key) []string {
	base := c.prefix + "q:" + tag(k)
	return []string{base, base + ":h", base + ":n"}
}

// usageKey returns the key of pin's usage in hour (hours since 1970).
func (c *Counter) usageKey(pin string, hour int64) string {
	return c.usagePrefix(pin) + strconv.FormatInt(hour, 10)
}

func (c *Counter) usagePrefix(pin string) string { return c.prefix + "u:{p:" + pin + "}:" }

// usageField returns the field prefix of a usage row: each of access key,
// group, API and environment as its length, a colon and itself, so that
// no two rows share one. The script appends the counter's letter.
func usageField(k limit.UsageKey) string {
	var b []byte
	for _, s := range [...]string{k.AccessKey, k.Group, k.API, k.Env} {
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, ':')
		b = append(b, s...)
	}
	return string(b)
}

// parseUsageField splits a usage hash field into its row and counter
// letter; ok is false for a field this version did not write.
func parseUsageField(f string) (k limit.UsageKey, counter byte, ok bool) {
	var parts [4]string
	for i := range parts {
		colon := strings.IndexByte(f, ':')
		if colon < 0 {
			return k, 0, false
		}
		n, err := strconv.Atoi(f[:colon])
		if err != nil || n < 0 || colon+1+n > len(f) {
			return k, 0, false
		}
		parts[i] = f[colon+1 : colon+1+n]
		f = f[colon+1+n:]
	}
	if len(f) != 1 {
		return k, 0, false
	}
	return limit.UsageKey{AccessKey: parts[0], Group: parts[1], API: parts[2], Env: parts[3]}, f[0], true
}
