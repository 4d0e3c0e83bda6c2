// Package route finds what a request is for: the group and environment its
// host names, and the API of that group whose method and path template match
// it. Everything here is compiled once, when a snapshot is built, and matched
// many times without allocating beyond the captured path values.
package route

import (
	"strings"

	"github.com/tollgate-gw/tollgate/internal/model"
)

// DefaultBase is the base domain used when none is configured, so that
// http://g1-test.localhost:8080/ reaches group g1's test environment with no
// DNS set up.
const DefaultBase = "localhost"

// Host suffixes that select an environment other than online.
const (
	testSuffix    = "-test"
	previewSuffix = "-preview"
)

// ParseHost splits a request's host into a group id and an environment:
// {group}.{base} is online, {group}-test.{base} is test and
// {group}-preview.{base} is preview. The port, if any, and one trailing dot
// are ignored, and the comparison is case-insensitive; the group id comes
// back in lower case. base must already be lower case. ok is false when host
// is not directly below base.
//
// Group ids hold hyphens themselves ("g-abc123"), so the environment suffix
// is taken from the right. A group whose id ends in "-test" is therefore
// ambiguous; callers that know the deployed groups may try the other reading
// (see Snapshot.Resolve).
func ParseHost(host, base string) (group string, env model.Environment, ok bool) {
	host = HostName(host)
	n := len(host) - len(base) - 1
	if n <= 0 || host[n] != '.' || host[n+1:] != base {
		return "", "", false
	}
	label := host[:n]
	if strings.IndexByte(label, '.') >= 0 {
		return "", "", false
	}
	env = model.EnvOnline
	if g, cut := strings.CutSuffix(label, testSuffix); cut {
		label, env = g, model.EnvTest
	} else if g, cut := strings.CutSuffix(label, previewSuffix); cut {
		label, env = g, model.EnvPreview
	}
	if label == "" {
		return "", "", false
	}
	return label, env, true
}

// HostName returns the name a request's host (a Host header, a TLS
// server name) names: without its port and one trailing dot, in lower
// case. It does not allocate when host is already so.
func HostName(host string) string {
	host = strings.TrimSuffix(stripPort(host), ".")
	// ToLower returns host itself when it holds no upper-case letter, so the
	// common case does not allocate.
	return strings.ToLower(host)
}

// stripPort removes a trailing ":port". A bracketed IPv6 literal is returned
// whole: it never names a group.
func stripPort(host string) string {
	if strings.HasPrefix(host, "[") {
		return host
	}
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		return host[:i]
	}
	return host
}
