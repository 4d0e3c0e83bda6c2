package gateway

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/errcode"
	"github.com/tollgate-gw/tollgate/internal/model"
)

// mapParams applies the API's parameter mappings (model.Mapping) on the
// way to the backend, after outbound: renames, moves between the query
// and the headers (and from the path), and constants. A mapping to a path
// variable was compiled into the backend path (snapshot) and costs
// nothing here.
//
// Every mapping reads the request as the client sent it and writes the
// backend's, so that their order does not matter: first every value is
// read, then the sources and the targets are removed, then the targets
// are written. Removing a target first means a client cannot smuggle its
// own value next to the one the mapping writes (?tenant=evil beside a
// constant tenant=acme, or X_Tenant beside X-Tenant, which a CGI-style
// backend reads as one). A source absent from the request moves nothing.
// A header may not carry control characters, which a path or query value
// could hold escaped: such a value is refused with
// errcode.ArgumentWrongFormat, never written.
func (g *Gateway) mapParams(c *Call) error {
	r := c.API.Rules
	if r == nil || len(r.Mappings) == 0 {
		return nil
	}
	req := c.R
	var (
		query   url.Values
		drop    []string // query parameters to remove
		vals    = make([]string, len(r.Mappings))
		present = make([]bool, len(r.Mappings))
	)
	for i, m := range r.Mappings {
		if m.To.In == model.InPath {
			continue
		}
		f := m.From
		if f == nil {
			vals[i], present[i] = m.Value, true
			continue
		}
		switch f.In {
		case model.InPath:
			raw, ok := c.API.PathValue(c.Match.Values, f.Name)
			if v, err := url.PathUnescape(raw); ok && err == nil {
				vals[i], present[i] = v, true
			}
		case model.InQuery:
			if query == nil {
				query, _ = url.ParseQuery(req.URL.RawQuery) // what parses is what the backend would read
			}
			if vs := query[f.Name]; len(vs) > 0 {
				vals[i], present[i] = vs[0], true
			}
			drop = append(drop, f.Name)
		case model.InHeader:
			if vs := req.Header.Values(f.Name); len(vs) > 0 {
				vals[i], present[i] = vs[0], true
			}
			deleteHeader(req, f.Name)
		}
	}
	for _, m := range r.Mappings {
		switch m.To.In {
		case model.InQuery:
			drop = append(drop, m.To.Name)
		case model.InHeader:
			deleteHeader(req, m.To.Name)
		}
	}
	q := stripQuery(req.URL.RawQuery, drop, false)
	for i, m := range r.Mappings {
		if !present[i] {
			continue
		}
		switch m.To.In {
		case model.InQuery:
			if q != "" {
				q += "&"
			}
			q += url.QueryEscape(m.To.Name) + "=" + url.QueryEscape(vals[i])
		case model.InHeader:
			if model.ReservedHeader(m.To.Name) || isIdentityHeader(m.To.Name) {
				continue // refused when saved; never written here either
			}
			if strings.ContainsFunc(vals[i], func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) {
				return errcode.Newf(errcode.ArgumentWrongFormat, "the value mapped to header %s holds a control character", m.To.Name)
			}
			req.Header.Set(m.To.Name, vals[i])
		}
	}
	req.URL.RawQuery = q
	return nil
}

// deleteHeader removes every header of req that a backend may read as
// name: any case, "_" taken for "-".
func deleteHeader(req *http.Request, name string) {
	for k := range req.Header {
		if sameHeaderName(k, name) {
			delete(req.Header, k)
		}
	}
}
