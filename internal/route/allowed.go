package route

import (
	"slices"
	"strings"
)

// Allowed returns the methods of the templates that match path, sorted,
// when Match found none for the request's method: what a 405-style answer
// lists in its Allow header. It is nil when no template matches the path
// whatever the method. It allocates, and is meant for that refusal only.
func (r *Router[T]) Allowed(path string) []string {
	if path == "/" || path == "" {
		path = ""
	}
	var out []string
	r.root.collect(path, &out, r.prefixes > 0)
	slices.Sort(out)
	return slices.Compact(out)
}

// collect adds to out the methods of every template below n that matches
// p as a whole, or as a prefix when prefixes is set.
func (n *node[T]) collect(p string, out *[]string, prefixes bool) {
	if prefixes {
		n.prefix.methodsTo(out)
	}
	if p == "" {
		n.exact.methodsTo(out)
		return
	}
	seg, next := p[1:], ""
	if i := strings.IndexByte(seg, '/'); i >= 0 {
		seg, next = seg[:i], seg[i:]
	}
	if c := n.lookup(seg); c != nil {
		c.collect(next, out, prefixes)
	}
	if n.param != nil && seg != "" {
		n.param.collect(next, out, prefixes)
	}
}

func (h *handlers[T]) methodsTo(out *[]string) {
	for _, m := range h.methods {
		*out = append(*out, m.method)
	}
	if h.any != nil {
		*out = append(*out, AnyMethod)
	}
}
