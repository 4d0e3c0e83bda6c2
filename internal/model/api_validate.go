package model

import (
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/errcode"
)

// MethodAny is the method of an API that answers every method.
const MethodAny = "ANY"

// Methods lists the methods an API may declare.
var Methods = []string{
	http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete,
	http.MethodPatch, http.MethodHead, http.MethodOptions, MethodAny,
}

// Parameter types.
const (
	TypeString  = "string"
	TypeInteger = "integer"
	TypeNumber  = "number"
	TypeBoolean = "boolean"
)

// MaxParams is the most parameters an API may declare.
const MaxParams = 64

// ValidateMethod checks a method held in field: one of Methods, in upper
// case.
func ValidateMethod(field, m string) error {
	if m == "" {
		return missing(field)
	}
	if !slices.Contains(Methods, m) {
		return invalid(field, "%q is not one of %v", m, Methods)
	}
	return nil
}

// ValidateMatchType checks an API's match type, absolute or prefix.
func ValidateMatchType(m string) error {
	if m != MatchAbsolute && m != MatchPrefix {
		return invalid("matchType", "%q is not absolute or prefix", m)
	}
	return nil
}

// ApplyDefaults fills the fields a client may omit: matchType absolute,
// backendPath the path, backendMethod the method, a parameter's type
// string. It upper-cases the methods, and marks path parameters required
// since a request that matched the path always carries them.
func (a *API) ApplyDefaults() {
	a.Method = strings.ToUpper(a.Method)
	a.BackendMethod = strings.ToUpper(a.BackendMethod)
	if a.MatchType == "" {
		a.MatchType = MatchAbsolute
	}
	if a.BackendPath == "" {
		a.BackendPath = a.Path
	}
	if a.BackendMethod == "" {
		a.BackendMethod = a.Method
	}
	if a.Params == nil {
		a.Params = []Param{}
	}
	for i := range a.Params {
		p := &a.Params[i]
		if p.Type == "" {
			p.Type = TypeString
		}
		if p.In == InPath {
			p.Required = true
		}
	}
}

// Validate checks every field of a, and that the path variables and the
// declared path parameters agree. Call ApplyDefaults first.
func (a *API) Validate() error {
	if err := ValidateName("name", a.Name); err != nil {
		return err
	}
	if err := ValidateDescription("description", a.Description); err != nil {
		return err
	}
	if err := ValidateMethod("method", a.Method); err != nil {
		return err
	}
	vars, err := ParsePathTemplate(a.Path)
	if err != nil {
		return err
	}
	if err := ValidateMatchType(a.MatchType); err != nil {
		return err
	}
	if err := ValidateParams(a.Params); err != nil {
		return err
	}
	if err := declared(vars, a.Params); err != nil {
		return err
	}
	if err := unused(vars, a.Params); err != nil {
		return err
	}
	backendVars, err := parseTemplate("backendPath", a.BackendPath)
	if err != nil {
		return err
	}
	if err := declared(a.mappedPathVars(backendVars), a.Params); err != nil {
		return err
	}
	if err := ValidateMethod("backendMethod", a.BackendMethod); err != nil {
		return err
	}
	if err := a.ValidateProtocols(); err != nil {
		return err
	}
	if err := a.APIRules.ValidateShape(); err != nil {
		return err
	}
	if err := a.checkSchema(); err != nil {
		return err
	}
	if err := a.validateMappings(backendVars); err != nil {
		return err
	}
	return a.validateResponseSchemas()
}

// declared returns errcode.PathParamsUndefined naming the first of vars
// that is not declared as a parameter in the path.
func declared(vars []string, params []Param) error {
	for _, v := range vars {
		if !slices.ContainsFunc(params, func(p Param) bool { return p.In == InPath && p.Name == v }) {
			return errcode.New(errcode.PathParamsUndefined, v)
		}
	}
	return nil
}

// unused returns ParamValueInvalid for the first path parameter that is
// not one of vars: it could never receive a value.
func unused(vars []string, params []Param) error {
	for i, p := range params {
		if p.In == InPath && !slices.Contains(vars, p.Name) {
			return invalid("params["+strconv.Itoa(i)+"].name", "path parameter %q does not appear as {%s} in path", p.Name, p.Name)
		}
	}
	return nil
}

// ValidateParams checks declared parameters: each has a name fit for where
// it is carried, a known place and type, and a default that parses as the
// type; and no two share a place and name. Whether the path parameters
// agree with a path is API.Validate's to check.
func ValidateParams(params []Param) error {
	if len(params) > MaxParams {
		return invalid("params", "%d parameters, at most %d allowed", len(params), MaxParams)
	}
	seen := make(map[string]bool, len(params))
	for i, p := range params {
		field := "params[" + strconv.Itoa(i) + "]"
		if err := validateParam(field, p); err != nil {
			return err
		}
		k := p.In + " " + p.Name
		if p.In == InHeader {
			k = p.In + " " + http.CanonicalHeaderKey(p.Name)
		}
		if seen[k] {
			return invalid(field+".name", "%s parameter %q is declared twice", p.In, p.Name)
		}
		seen[k] = true
	}
	return nil
}

func validateParam(field string, p Param) error {
	if p.Name == "" {
		return missing(field + ".name")
	}
	switch p.In {
	case "":
		return missing(field + ".in")
	case InPath:
		if !IsIdentifier(p.Name) {
			return invalid(field+".name", "%q: a path parameter's name is letters, digits and _, not starting with a digit", p.Name)
		}
	case InQuery, InForm:
		if len(p.Name) > 128 || strings.ContainsFunc(p.Name, func(r rune) bool { return r <= ' ' || r == 0x7f || strings.ContainsRune("&=#+", r) }) {
			return invalid(field+".name", "%q is not a usable %s parameter name", p.Name, p.In)
		}
	case InHeader:
		if !isToken(p.Name) || len(p.Name) > 128 {
			return invalid(field+".name", "%q is not a valid header name", p.Name)
		}
	case InCookie:
		if !isToken(p.Name) || len(p.Name) > 128 {
			return invalid(field+".name", "%q is not a valid cookie name", p.Name)
		}
	default:
		return invalid(field+".in", "%q is not path, query, header, form or cookie", p.In)
	}
	switch p.Type {
	case TypeString, TypeInteger, TypeNumber, TypeBoolean:
	default:
		return invalid(field+".type", "%q is not string, integer, number or boolean", p.Type)
	}
	if p.Default != "" && !ScalarIs(string(p.Default), p.Type) {
		return invalid(field+".default", "%q is not a valid %s", string(p.Default), p.Type)
	}
	return validateRules(field, p)
}

// ScalarIs reports whether s is a valid value of the parameter type typ.
func ScalarIs(s, typ string) bool {
	switch typ {
	case TypeString:
		return true
	case TypeInteger:
		_, err := strconv.ParseInt(s, 10, 64)
		return err == nil
	case TypeNumber:
		f, err := strconv.ParseFloat(s, 64)
		return err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
	case TypeBoolean:
		return s == "true" || s == "false"
	}
	return false
}

// isToken reports whether s is an RFC 9110 token, the form of a header
// name.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
