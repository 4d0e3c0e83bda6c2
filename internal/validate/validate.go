// Package validate checks a call against what its API declares: the
// parameters in the path, the query, the headers, a form body and the
// cookies, with their types, formats and rules, and a JSON body against
// its JSON Schema. An API's Validator is compiled once, when the snapshot
// is compiled; the gateway's validate stage runs it on every call of the
// API. An API that declares nothing to check has no Validator, so that
// its calls pay nothing.
package validate

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// Validator is the compiled checks of one API. It is immutable and safe
// for concurrent use.
type Validator struct {
	params []param
	strict bool
	// form: a parameter is declared in a form body, or the API is strict,
	// so that a form body must be read.
	form bool
	body *bodySchema
	// bodyRequired refuses a call without a body.
	bodyRequired bool
}

// Request is a call as the validator reads it.
type Request struct {
	HTTP *http.Request
	// PathValues are the captured path segments in the order of the
	// path template's variables, still percent-encoded.
	PathValues []string
	// Body returns the request body, read whole; the caller keeps it
	// for the backend. Nil: the call has no body to read.
	Body func() ([]byte, error)
	// Credential reports whether a query parameter carries the caller's
	// credentials (a signature scheme's), which a strict API does not
	// declare and does not refuse.
	Credential func(name string) bool
}

// Compile compiles the checks api declares; pathVars are its path
// template's variables, in order. It returns nil, and no error, when
// there is nothing to check. A schema that does not compile is an error
// of errcode.BodySchemaInvalid; a parameter rule that cannot be used
// (a pattern that does not compile) one of errcode.ParamValueInvalid.
func Compile(api *model.API, pathVars []string) (*Validator, error) {
	v := &Validator{strict: api.Strict}
	for i := range api.Params {
		p, err := compileParam(&api.Params[i], pathVars)
		if err != nil {
			return nil, err
		}
		if p.needed() {
			v.params = append(v.params, p)
		}
		if p.In == model.InForm {
			v.form = true
		}
	}
	if v.strict {
		v.form = true
	}
	if b := api.Body; b != nil {
		v.bodyRequired = b.Required
		if len(b.Schema) > 0 {
			s, err := compileSchema(b.Schema)
			if err != nil {
				return nil, err
			}
			v.body = s
		}
	}
	if len(v.params) == 0 && !v.strict && v.body == nil && !v.bodyRequired {
		return nil, nil
	}
	return v, nil
}

// CheckSchema reports whether schema, a JSON Schema, compiles: the check
// the admin API makes when an API is saved, so that the data plane never
// meets a schema it cannot use.
func CheckSchema(schema []byte) error {
	if len(schema) == 0 {
		return nil
	}
	_, err := compileSchema(schema)
	return err
}

// Check returns the first way r breaks the API's declarations: the
// declared parameters in their declaration order, then the parameters
// a strict API does not declare, then the body. Nil: r is fine.
func (v *Validator) Check(r *Request) error {
	var (
		query   url.Values
		form    url.Values
		body    []byte
		bodyErr error
		read    bool
	)
	readBody := func() ([]byte, error) {
		if !read && r.Body != nil {
			body, bodyErr = r.Body()
			read = true
		}
		return body, bodyErr
	}
	isForm := formBody(r.HTTP)
	if v.form && isForm {
		b, err := readBody()
		if err != nil {
			return err
		}
		if form, err = url.ParseQuery(string(b)); err != nil {
			return errcode.Newf(errcode.BodyMalformed, "the form body does not parse: expected application/x-www-form-urlencoded")
		}
	}
	for i := range v.params {
		p := &v.params[i]
		val, ok := "", false
		switch p.In {
		case model.InPath:
			val, ok = p.pathValue(r.PathValues)
		case model.InQuery:
			if query == nil {
				query = parseQuery(r.HTTP.URL.RawQuery)
			}
			val, ok = first(query, p.Name)
		case model.InHeader:
			if vs := r.HTTP.Header[p.header]; len(vs) > 0 {
				val, ok = vs[0], true
			}
		case model.InForm:
			val, ok = first(form, p.Name)
		case model.InCookie:
			if c, err := r.HTTP.Cookie(p.Name); err == nil {
				val, ok = c.Value, true
			}
		}
		if err := p.check(val, ok); err != nil {
			return err
		}
	}
	if v.strict {
		if query == nil {
			query = parseQuery(r.HTTP.URL.RawQuery)
		}
		if err := v.undeclared(model.InQuery, query, r.Credential); err != nil {
			return err
		}
		if err := v.undeclared(model.InForm, form, nil); err != nil {
			return err
		}
	}
	if v.body == nil && !v.bodyRequired {
		return nil
	}
	b, err := readBody()
	if err != nil {
		return err
	}
	if len(b) == 0 {
		if v.bodyRequired {
			return refuse(errcode.ArgumentMissing, "body", "expected a request body")
		}
		return nil
	}
	if v.body != nil {
		return v.body.check(b)
	}
	return nil
}

// undeclared refuses the first name of vals, in sorted order, that no
// parameter declares in place in.
func (v *Validator) undeclared(in string, vals url.Values, credential func(string) bool) error {
	var bad string
	for name := range vals {
		if v.declares(in, name) || credential != nil && credential(name) {
			continue
		}
		if bad == "" || name < bad {
			bad = name
		}
	}
	if bad == "" {
		return nil
	}
	return refuse(errcode.ArgumentUnsupported, bad, "the API declares no "+in+" parameter of that name")
}

func (v *Validator) declares(in, name string) bool {
	for i := range v.params {
		if v.params[i].In == in && v.params[i].Name == name {
			return true
		}
	}
	return false
}

// parseQuery parses a query as net/http does, keeping what parses.
func parseQuery(raw string) url.Values {
	q, _ := url.ParseQuery(raw)
	if q == nil {
		q = url.Values{}
	}
	return q
}

func first(vals url.Values, name string) (string, bool) {
	vs, ok := vals[name]
	if !ok || len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

// formBody reports whether r's body is a form.
func formBody(r *http.Request) bool {
	ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	return strings.EqualFold(strings.TrimSpace(ct), "application/x-www-form-urlencoded")
}

// refuse returns an Error of cond about subject (the parameter), saying
// what was expected.
func refuse(cond *errcode.Condition, subject, detail string) *errcode.Error {
	return &errcode.Error{Cond: cond, Subject: subject, Detail: detail}
}
