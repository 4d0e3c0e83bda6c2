package admin

import (
	"context"
	"net/http"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/store"
)

// Versions and If-Match. Every resource the API shows has a version, the
// ETag of its GET (respond.go's etag: a hash of the JSON the GET
// answers). A change sent with If-Match is made only if the resource is
// still at a version the header lists ("*": at any), or it is
// errcode.ConcurrentChange, 409 ABORTED, and nothing changes: a client
// that read a resource, changed it and sent it back cannot overwrite a
// change made meanwhile.
//
// The version a write names is its path's GET (the account's for its MFA,
// the key's for its rotation), or the list a sub-resource is shown in
// (a group's deployments, its error codes, a policy's bindings), which is
// then the version of every item of the list. The check runs twice: before
// the handler, so that a stale call is refused before its body is read,
// and again in the store's write transaction (store.WithWriteCheck), under
// the write lock, so that of two changes naming one version only the
// first to commit wins.

// ifMatch is what an If-Match header asks: any version, or one of tags.
type ifMatch struct {
	any  bool
	tags []string // strong tags, quoted
}

// parseIfMatch reads the If-Match fields of a request (RFC 9110, 13.1.1):
// "*", or a list of entity tags, at least one. A weak tag (W/"...") is
// accepted and never matches, since If-Match compares strongly.
func parseIfMatch(fields []string) (ifMatch, error) {
	var m ifMatch
	n := 0
	for _, rest := range fields {
		for {
			rest = strings.TrimLeft(rest, " \t,") // a list may have empty elements
			if rest == "" {
				break
			}
			n++
			if rest[0] == '*' {
				m.any, rest = true, rest[1:]
			} else {
				weak := strings.HasPrefix(rest, "W/")
				if weak {
					rest = rest[2:]
				}
				if rest == "" || rest[0] != '"' {
					return ifMatch{}, errIfMatch(`want "*" or quoted entity tags`)
				}
				end := strings.IndexByte(rest[1:], '"')
				if end < 0 {
					return ifMatch{}, errIfMatch("an entity tag has no closing quote")
				}
				tag := rest[:end+2]
				if !etagChars(tag[1 : len(tag)-1]) {
					return ifMatch{}, errIfMatch("an entity tag holds a character it may not")
				}
				if !weak {
					m.tags = append(m.tags, tag)
				}
				rest = rest[end+2:]
			}
			rest = strings.TrimLeft(rest, " \t")
			if rest != "" && rest[0] != ',' {
				return ifMatch{}, errIfMatch("entity tags are separated by commas")
			}
		}
	}
	if n == 0 {
		return ifMatch{}, errIfMatch(`want "*" or quoted entity tags`)
	}
	return m, nil
}

// etagChars reports whether s holds only etagc characters: visible ASCII
// but the quote, and bytes from 0x80.
func etagChars(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x21 || c == '"' || c == 0x7f {
			return false
		}
	}
	return true
}

func errIfMatch(detail string) error {
	return &errcode.Error{Cond: errcode.ParamValueInvalid, Subject: "If-Match", Detail: detail}
}

// matches reports whether the version tag is one m accepts.
func (m ifMatch) matches(tag string) bool {
	if m.any {
		return true
	}
	for _, t := range m.tags {
		if t == tag {
			return true
		}
	}
	return false
}

// precondition returns the check of r's If-Match, nil without one: a
// function that fails with errcode.ConcurrentChange unless the resource
// rt changes is at a version the header accepts. A malformed header, or
// one on an operation whose resource has no version (a creation), is
// refused.
func (s *server) precondition(rt route, r *http.Request) (func(context.Context) error, error) {
	fields := r.Header.Values("If-Match")
	if len(fields) == 0 {
		return nil, nil
	}
	m, err := parseIfMatch(fields)
	if err != nil {
		return nil, err
	}
	if rt.version == nil {
		return nil, &errcode.Error{Cond: errcode.ArgumentNotSupport, Subject: "If-Match",
			Detail: "the operation changes no resource that has a version"}
	}
	get := rt.version
	return func(ctx context.Context) error {
		tag, err := s.currentVersion(get, r.WithContext(ctx))
		if err != nil {
			return err
		}
		if !m.matches(tag) {
			return &errcode.Error{Cond: errcode.ConcurrentChange,
				Detail: "If-Match names a version the resource is no longer at; read it again"}
		}
		return nil
	}, nil
}

// checkPrecondition runs r's If-Match check, if it has one, and leaves it
// in r's context for the store to run again in its write transaction.
func (s *server) checkPrecondition(rt route, r *http.Request) error {
	check, err := s.precondition(rt, r)
	if err != nil || check == nil {
		return err
	}
	if err := check(r.Context()); err != nil {
		return err
	}
	*r = *r.WithContext(store.WithWriteCheck(r.Context(), check))
	return nil
}

// currentVersion returns the version of what get shows for r's path, as
// r's caller sees it now: get's handler, run with r's path values and
// neither its body nor its query, writes the answer whose ETag it is.
func (s *server) currentVersion(get *route, r *http.Request) (string, error) {
	req := r.Clone(r.Context())
	req.Method = http.MethodGet
	req.Body, req.ContentLength = http.NoBody, 0
	u := *r.URL
	u.RawQuery = ""
	req.URL, req.Form, req.PostForm = &u, nil, nil
	rec := versionRecorder{header: http.Header{}}
	if err := get.h(&successWriter{ResponseWriter: &rec, tag: true}, req); err != nil {
		return "", err
	}
	tag := rec.header.Get("ETag")
	if tag == "" {
		return "", errcode.Newf(errcode.Internal, "%s %s answered without a version", get.method, get.pattern)
	}
	return tag, nil
}

// versionRecorder keeps the header of an answer and drops its body.
type versionRecorder struct {
	header http.Header
}

func (v *versionRecorder) Header() http.Header         { return v.header }
func (v *versionRecorder) Write(p []byte) (int, error) { return len(p), nil }
func (v *versionRecorder) WriteHeader(int)             {}
