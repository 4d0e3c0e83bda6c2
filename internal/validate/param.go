package validate

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"unicode/utf8"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// param is a declared parameter, compiled.
type param struct {
	*model.Param
	// index is a path parameter's position among the template's
	// variables.
	index int
	// header is a header parameter's canonical name.
	header  string
	pattern *regexp.Regexp
	format  *format
}

func compileParam(p *model.Param, pathVars []string) (param, error) {
	c := param{Param: p, index: -1}
	switch p.In {
	case model.InPath:
		for i, v := range pathVars {
			if v == p.Name {
				c.index = i
			}
		}
	case model.InHeader:
		c.header = http.CanonicalHeaderKey(p.Name)
	}
	if p.Pattern != "" {
		re, err := regexp.Compile(p.Pattern)
		if err != nil {
			return c, errcode.Newf(errcode.ParamValueInvalid, "parameter %s: pattern %q does not compile: %v", p.Name, p.Pattern, err)
		}
		c.pattern = re
	}
	if p.Format != "" {
		f, ok := formats[p.Format]
		if !ok {
			return c, errcode.Newf(errcode.ParamValueInvalid, "parameter %s: unknown format %q", p.Name, p.Format)
		}
		c.format = f
	}
	return c, nil
}

// needed reports whether p has anything to check: a path parameter of
// type string and no rules always passes.
func (p *param) needed() bool {
	if p.In != model.InPath || p.Type != model.TypeString {
		return true
	}
	r := &p.ParamRules
	return r.Format != "" || len(r.Enum) > 0 || r.Minimum != nil || r.Maximum != nil ||
		r.MinLength != nil || r.MaxLength != nil || r.Pattern != ""
}

// pathValue returns p's captured value, unescaped.
func (p *param) pathValue(vals []string) (string, bool) {
	if p.index < 0 || p.index >= len(vals) {
		return "", false
	}
	v, err := url.PathUnescape(vals[p.index])
	if err != nil {
		return vals[p.index], true
	}
	return v, true
}

// check returns the first way val (present: ok) breaks p: missing when
// required; not of its type or format; outside its enumeration, range,
// length or pattern.
func (p *param) check(val string, ok bool) error {
	if !ok {
		if p.Required {
			return refuse(errcode.ArgumentMissing, p.Name, "expected a "+p.In+" parameter of type "+p.Type)
		}
		return nil
	}
	if !model.ScalarIs(val, p.Type) {
		return refuse(errcode.ArgumentWrongFormat, p.Name, "expected "+article(p.Type))
	}
	if f := p.format; f != nil && !f.valid(val) {
		cond := errcode.ArgumentWrongFormat
		if f.name == "byte" {
			cond = errcode.ArgumentBadBase64
		}
		return refuse(cond, p.Name, "expected "+f.expected)
	}
	if len(p.Enum) > 0 && !p.inEnum(val) {
		return refuse(errcode.ArgumentOutOfRange, p.Name, "expected one of "+enumList(p.Enum))
	}
	if p.Minimum != nil || p.Maximum != nil {
		if f, err := strconv.ParseFloat(val, 64); err == nil {
			if p.Minimum != nil && f < *p.Minimum {
				return refuse(errcode.ArgumentOutOfRange, p.Name, "expected at least "+number(*p.Minimum))
			}
			if p.Maximum != nil && f > *p.Maximum {
				return refuse(errcode.ArgumentOutOfRange, p.Name, "expected at most "+number(*p.Maximum))
			}
		}
	}
	if p.MinLength != nil || p.MaxLength != nil {
		n := utf8.RuneCountInString(val)
		if p.MinLength != nil && n < *p.MinLength {
			return refuse(errcode.ArgumentOutOfRange, p.Name, "expected at least "+strconv.Itoa(*p.MinLength)+" characters")
		}
		if p.MaxLength != nil && n > *p.MaxLength {
			return refuse(errcode.ArgumentOutOfRange, p.Name, "expected at most "+strconv.Itoa(*p.MaxLength)+" characters")
		}
	}
	if p.pattern != nil && !p.pattern.MatchString(val) {
		return refuse(errcode.ArgumentOutOfRange, p.Name, "expected a value matching "+p.Pattern)
	}
	return nil
}

// inEnum reports whether val is one of p's values: numbers compare as
// numbers (1.0 is 1), anything else as text.
func (p *param) inEnum(val string) bool {
	numeric := p.Type == model.TypeInteger || p.Type == model.TypeNumber
	f, _ := strconv.ParseFloat(val, 64)
	for _, e := range p.Enum {
		if numeric {
			if g, err := strconv.ParseFloat(string(e), 64); err == nil && g == f {
				return true
			}
			continue
		}
		if string(e) == val {
			return true
		}
	}
	return false
}

func enumList(enum []model.Scalar) string {
	s := ""
	for i, e := range enum {
		if i > 0 {
			s += ", "
		}
		s += strconv.Quote(string(e))
	}
	return s
}

func number(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func article(typ string) string {
	if typ == model.TypeInteger {
		return "an integer"
	}
	return "a " + typ
}
