package model

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// reservedHeaders are headers a mapping may not write: the gateway's own
// identity headers (the backend believes them), the credentials it
// strips, and those that frame the message.
var reservedHeaders = []string{
	"X-Jdcloud-Pin", "X-Jdcloud-User", "X-Jdcloud-Access-Key", "X-Tollgate-Auth-Scheme",
	"Authorization", "Host", "Content-Length", "Content-Type", "Transfer-Encoding",
	"Connection", "Upgrade", "Te", "Trailer", "Keep-Alive", "Proxy-Authorization",
	"X-Request-Id", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "Forwarded",
}

// ReservedHeader reports whether a mapping may not write the header name
// (any case, "_" taken for "-", as CGI-style backends read them).
func ReservedHeader(name string) bool {
	k := http.CanonicalHeaderKey(strings.ReplaceAll(name, "_", "-"))
	return slices.Contains(reservedHeaders, k)
}

// validateMappings checks a's mappings against what it declares: a
// mapping from a parameter names one the API declares
// (errcode.ParamNotDeclared, ARGUMENT_MISMATCH, otherwise); parameters
// move between path, query and header; a path target is a {variable} of
// the backend path, filled from a path parameter or a constant; no
// mapping writes a header the gateway owns; constants are values the
// target can carry.
func (a *API) validateMappings(backendVars []string) error {
	for i, m := range a.Mappings {
		field := "mappings[" + strconv.Itoa(i) + "]"
		if err := validateTarget(field+".to", m.To); err != nil {
			return err
		}
		if f := m.From; f != nil {
			switch f.In {
			case InPath, InQuery, InHeader:
			default:
				return invalid(field+".from.in", "%q: a mapping moves path, query and header parameters", f.In)
			}
			if !slices.ContainsFunc(a.Params, func(p Param) bool { return sameParam(p.In, p.Name, f.In, f.Name) }) {
				return &errcode.Error{Cond: errcode.ParamNotDeclared, Subject: f.Name,
					Detail: field + ".from names " + f.In + " parameter " + strconv.Quote(f.Name) + ", which the API does not declare"}
			}
			if m.Value != "" {
				return invalid(field+".value", "a mapping has a from or a value, not both")
			}
		}
		if m.To.In == InPath {
			if !slices.Contains(backendVars, m.To.Name) {
				return invalid(field+".to.name", "{%s} is not a variable of backendPath %q", m.To.Name, a.BackendPath)
			}
			if m.From != nil && m.From.In != InPath {
				return invalid(field+".from.in", "a backend path variable is filled from a path parameter or a constant, not from the %s", m.From.In)
			}
		}
		if m.To.In == InHeader && strings.ContainsFunc(m.Value, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) {
			return invalid(field+".value", "a header value has no control characters")
		}
	}
	return nil
}

func validateTarget(field string, to ParamRef) error {
	switch to.In {
	case InPath:
		if !IsIdentifier(to.Name) {
			return invalid(field+".name", "%q is not a path variable name", to.Name)
		}
	case InQuery:
		if len(to.Name) > 128 || strings.ContainsFunc(to.Name, func(r rune) bool { return r <= ' ' || r == 0x7f || strings.ContainsRune("&=#+", r) }) {
			return invalid(field+".name", "%q is not a usable query parameter name", to.Name)
		}
	case InHeader:
		if !isToken(to.Name) || len(to.Name) > 128 {
			return invalid(field+".name", "%q is not a valid header name", to.Name)
		}
		if ReservedHeader(to.Name) {
			return invalid(field+".name", "%q is set by the gateway and may not be mapped", to.Name)
		}
	default:
		return invalid(field+".in", "%q: a mapping writes a path variable, a query parameter or a header", to.In)
	}
	return nil
}

// sameParam reports whether the parameter (in, name) is (wantIn,
// wantName); header names are compared without regard to case.
func sameParam(in, name, wantIn, wantName string) bool {
	if in != wantIn {
		return false
	}
	if in == InHeader {
		return strings.EqualFold(name, wantName)
	}
	return name == wantName
}

// mappedPathVars returns vars without those a mapping fills: a backend
// path may name a variable the API's path does not have when a mapping
// writes it.
func (a *API) mappedPathVars(vars []string) []string {
	var out []string
	for _, v := range vars {
		if !slices.ContainsFunc(a.Mappings, func(m Mapping) bool { return m.To.In == InPath && m.To.Name == v }) {
			out = append(out, v)
		}
	}
	return out
}

// validateResponseSchemas compiles the schemas of the declared answers
// that the gateway checks, so that one that does not compile is refused
// when saved rather than when the snapshot is built.
func (a *API) validateResponseSchemas() error {
	for i, r := range a.Responses {
		if len(r.Schema) == 0 {
			continue
		}
		if _, err := CompileSchema(r.Schema); err != nil {
			return invalid("responses["+strconv.Itoa(i)+"].schema", "%v", err)
		}
	}
	return nil
}
