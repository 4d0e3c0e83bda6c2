package auth

import (
	"net/http"
	"slices"
)

// schemes holds every scheme of this package, by name.
var schemes = map[string]Scheme{
	jdcloud2.algorithm: JDCloud2{},
	jdcloud3.algorithm: JDCloud3{},
	aws4.algorithm:     AWS4{},
	tc3.algorithm:      TC3{},
	tencentV1Name:      TencentV1{},
	zenithName:         Zenith{},
	marketAppKeyName:   MarketAppKey{},
}

// ByName returns the scheme called name, as a group configures it. Every
// scheme it returns is also a Signer.
func ByName(name string) (Scheme, bool) {
	s, ok := schemes[name]
	return s, ok
}

// Names returns the names of every scheme, sorted.
func Names() []string {
	names := make([]string, 0, len(schemes))
	for name := range schemes {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Detect returns the first of candidates whose credentials r carries: by
// its Authorization prefix for the SigV4 family, by its query parameters
// for the others. Order matters only for TencentV1, which also claims form
// POSTs it cannot see into: put it last.
func Detect(r *http.Request, candidates []Scheme) (Scheme, bool) {
	for _, s := range candidates {
		if s.Match(r) {
			return s, true
		}
	}
	return nil, false
}
