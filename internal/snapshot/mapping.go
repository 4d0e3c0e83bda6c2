package snapshot

import (
	"net/url"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/model"
)

// mappedBackendPath returns m's backend path with the variables that its
// mappings fill rewritten once, at compile time: a renamed path parameter
// becomes the {variable} of the API's path it comes from, a constant its
// escaped text. The expansion then fills the rest per call as before.
func mappedBackendPath(m *model.API) string {
	p := m.BackendPath
	for _, mp := range m.Mappings {
		if mp.To.In != model.InPath {
			continue
		}
		with := url.PathEscape(mp.Value)
		if mp.From != nil {
			with = "{" + mp.From.Name + "}"
		}
		p = strings.ReplaceAll(p, "{"+mp.To.Name+"}", with)
	}
	return p
}

// PathValue returns the value the request path gave the API's path
// variable name, still escaped as sent.
func (a *API) PathValue(m []string, name string) (string, bool) {
	i := a.template.VarIndex(name)
	if i < 0 || i >= len(m) {
		return "", false
	}
	return m[i], true
}
